"""In-app reminders of steps that fall due, and the office's list of late sections."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from assessment.models import Notification, QuarterlyResult
from assessment.notify import notify
from assessment.quarter.stage import STEP_DEADLINES, stage_of
from periods.models import Period
from units.models import Role, RoleAssignment, Unit

Status = QuarterlyResult.Status

# The steps reminded of, and the roles that act on each (None: the person themself). Their deadlines are
# the ones every page shows (assessment.quarter.stage).
STEPS = (
    (Status.SUMMARY, None),
    (Status.SCORING, (Role.SECTION_HEAD,)),
    (Status.LEADER_REVIEW, (Role.PRINCIPAL, Role.DEPUTY)),
    (Status.COMMITTEE, (Role.COMMITTEE,)),
)


def late_places(period: Period, *, today: datetime.date) -> dict[int, set[str]]:
    """Per unit, the names of its sections (or the unit, for people outside the sections) that stand late
    by ``stage_of``: one aggregate query for the whole period."""
    groups: dict[tuple[int, int | None], dict[str, int]] = defaultdict(dict)
    names: dict[tuple[int, int | None], str] = {}
    ends: dict[tuple[int, int | None], datetime.date] = {}
    for row in (
        QuarterlyResult.objects.filter(period=period)
        .order_by()
        .values("unit_id", "unit__name", "section_id", "section__name", "status")
        .annotate(n=Count("pk"), publicity_ends=Max("publicity_ends"))
    ):
        key = (row["unit_id"], row["section_id"])
        groups[key][row["status"]] = row["n"]
        names[key] = row["section__name"] or row["unit__name"]
        if day := row["publicity_ends"]:
            ends[key] = max(ends.get(key, day), day)
    late: dict[int, set[str]] = defaultdict(set)
    for key, counts in groups.items():
        stage = stage_of(period, counts, today=today, publicity_ends=ends.get(key))
        if stage is not None and stage.is_late:
            late[key[0]].add(names[key])
    # A unit that has not started the period stands before its first step, as the dashboards show it.
    unstarted = stage_of(period, {}, today=today)
    if unstarted is not None and unstarted.is_late:
        started = {unit_id for unit_id, _section_id in groups}
        for unit in Unit.objects.filter(region_id=period.assessment_year.region_id, is_active=True).exclude(
            pk__in=started
        ):
            late[unit.pk].add(unit.name)
    return late


def send_reminders(*, today: datetime.date) -> int:
    """Create the reminders due today; a reminder already sent is not sent again. Returns how many were new."""
    notes: list[Notification] = []
    for period in Period.objects.filter(status=Period.Status.OPEN).select_related("assessment_year"):
        window = datetime.timedelta(days=period.assessment_year.reminder_days)
        waiting = QuarterlyResult.objects.filter(period=period).select_related("person", "unit", "section")
        for status, roles in STEPS:
            due = getattr(period, STEP_DEADLINES[status])
            if due is None or not today <= due <= today + window:
                continue
            at_step = list(waiting.filter(status=status))
            if not at_step:
                continue
            message = _("%(period)s: “%(step)s” is due on %(date)s.") % {
                "period": period,
                "step": status.label,
                "date": due,
            }
            if roles is None:
                for result in at_step:
                    if result.person.user_id:
                        notes.append(
                            Notification(
                                user_id=result.person.user_id,
                                key=f"{status}:{result.pk}",
                                message=message,
                                url=reverse("quarter:my_quarter", args=[period.pk]),
                            )
                        )
                continue
            sections = {r.section_id for r in at_step if r.section_id}
            units = {r.unit_id for r in at_step}
            holders = (
                RoleAssignment.objects.filter(role__in=roles)
                .filter(Q(section_id__in=sections) | Q(unit_id__in=units))
                .select_related("unit", "section__unit")
                .order_by("user_id", "pk")
            )
            reminded: set[int] = set()
            for holder in holders:
                if holder.user_id in reminded:
                    continue
                reminded.add(holder.user_id)
                unit = holder.unit or holder.section.unit
                notes.append(
                    Notification(
                        user_id=holder.user_id,
                        key=f"{status}:{period.pk}",
                        message=message,
                        url=reverse("quarter:board", args=[period.pk, unit.code]),
                    )
                )
        late = late_places(period, today=today)
        offices = RoleAssignment.objects.filter(role=Role.OFFICE, unit_id__in=late).select_related("unit")
        for office in offices:
            names = "、".join(sorted(late[office.unit_id]))
            notes.append(
                Notification(
                    user_id=office.user_id,
                    key=f"late:{period.pk}:{office.unit_id}:{today}",
                    message=_("%(period)s: behind the deadline: %(sections)s.") % {"period": period, "sections": names},
                    url=reverse("quarter:board", args=[period.pk, office.unit.code]),
                )
            )
    return notify(notes)
