"""In-app reminders of steps that fall due, and the office's list of late sections."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from assessment.models import Notification, QuarterlyResult
from periods.models import Period
from units.models import Role, RoleAssignment

Status = QuarterlyResult.Status

# The step a result waits at, the deadline field that governs it, and the roles that act on it.
STEPS = (
    (Status.SUMMARY, "summary_due", None),
    (Status.SCORING, "section_due", (Role.SECTION_HEAD,)),
    (Status.LEADER_REVIEW, "leader_due", (Role.PRINCIPAL, Role.DEPUTY)),
    (Status.COMMITTEE, "committee_due", (Role.COMMITTEE,)),
)


def send_reminders(*, today: datetime.date) -> int:
    """Create the reminders due today; a reminder already sent is not sent again. Returns how many were new."""
    notes: list[Notification] = []
    for period in Period.objects.filter(status=Period.Status.OPEN).select_related("assessment_year"):
        window = datetime.timedelta(days=period.assessment_year.reminder_days)
        waiting = QuarterlyResult.objects.filter(period=period).select_related("person", "unit", "section")
        late: dict[int, set[str]] = defaultdict(set)
        for status, deadline_field, roles in STEPS:
            due = getattr(period, deadline_field)
            if due is None:
                continue
            at_step = list(waiting.filter(status=status))
            if not at_step:
                continue
            if today > due:
                for result in at_step:
                    late[result.unit_id].add(result.section.name if result.section else result.unit.name)
            if not today <= due <= today + window:
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
    before = Notification.objects.count()
    Notification.objects.bulk_create(notes, ignore_conflicts=True)
    return Notification.objects.count() - before
