"""The home page: who you are and what your roles let you do, each leading to its work; the periods open in
your region and your unread reminders. And the user's notifications: the list, opening one (read, then its
page), marking them all read."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.home import selectors, services
from assessment.models import Notification
from assessment.quarter import selectors as quarter_selectors
from assessment.quarter import services as quarter_services
from assessment.year import selectors as year_selectors
from common.listing import Filter, listing
from common.refusals import not_found
from periods.models import AssessmentYear, Period, Step
from units.models import Role
from units.permissions import ROLE_ABILITIES, SELF_ABILITIES, Action, roles_of

# The unit roles with a step in the annual chain: the office rolls up, publishes and reports; the leaders
# propose; the committee decides and answers the reviews.
ANNUAL_ROLES = (Role.OFFICE, Role.PRINCIPAL, Role.DEPUTY, Role.COMMITTEE)


def _org_work(region_ids: set[int]) -> dict[int, dict]:
    """Per region of an organisation-department role, the newest assessment year (its ratios) and the
    newest open period (its confirmation queue), and the year of the annual assessment: two queries for every
    such role together."""
    if not region_ids:
        return {}
    work: dict[int, dict] = {pk: {"year": None, "annual_year": None, "period": None} for pk in region_ids}
    for year in year_selectors.with_quarters_open(AssessmentYear.objects.filter(region_id__in=region_ids)).order_by(
        "region_id", "-year"
    ):
        region = work[year.region_id]
        region["year"] = region["year"] or year
        # The annual assessment is of the newest year whose quarters are all closed.
        if year.quarters and not year.still_open and region["annual_year"] is None:
            region["annual_year"] = year
    for period in (
        Period.objects.filter(assessment_year__region_id__in=region_ids, status=Period.Status.OPEN)
        .select_related("assessment_year")
        .order_by("-assessment_year__year", "-quarter")
    ):
        region = work[period.assessment_year.region_id]
        region["period"] = region["period"] or period
    return work


@login_required
def home(request):
    """Who you are and what you can do."""
    user = request.user
    person = getattr(user, "person", None)
    assignments = roles_of(user)
    org_work = _org_work({a.region_id for a in assignments if a.role == Role.ORG and a.region_id})
    roles = [
        {
            "assignment": a,
            "abilities": ROLE_ABILITIES.get(a.role, ()),
            # The unit whose current quarter the role works on, for a link straight to it.
            "unit": a.unit if a.unit_id else (a.section.unit if a.section_id else None),
            # The organisation department's newest year and open period, for its own pages.
            "org": org_work.get(a.region_id) if a.role == Role.ORG else None,
        }
        for a in assignments
    ]
    # Every open quarter of the regions the roles work in (at the turn of the year the next one may be
    # opened while the last still runs), for a way to each one's board.
    role_regions = {r["unit"].region_id for r in roles if r["unit"] is not None}
    working = (
        list(
            Period.objects.filter(status=Period.Status.OPEN, assessment_year__region_id__in=role_regions)
            .select_related("assessment_year")
            .order_by("-assessment_year__year", "-quarter")[:8]
        )
        if role_regions
        else []
    )
    for r in roles:
        r["periods"] = [p for p in working if r["unit"] and p.assessment_year.region_id == r["unit"].region_id]
    # The annual work of the units whose office, leaders or committee the user is: the newest closed year,
    # what waits at each step and the reviews to answer (three queries for all of them).
    year_work = year_selectors.unit_year_work(
        list({r["unit"].pk: r["unit"] for r in roles if r["assignment"].role in ANNUAL_ROLES}.values()), user=user
    )
    for r in roles:
        r["year_work"] = year_work.get(r["unit"].pk) if r["assignment"].role in ANNUAL_ROLES else None
    # A section head's sections (their squads too, each its own page) with people waiting for their
    # proposal in each open quarter, never counting their own result: one query.
    proposals = []
    if working and any(a.role == Role.SECTION_HEAD for a in assignments):
        by_pk = {p.pk: p for p in working}
        proposals = [
            (by_pk[row["period_id"]], row["section_id"], row["section__name"], row["n"])
            for row in quarter_selectors.results_visible_to(user=user, action=Action.PROPOSE)
            .filter(period__in=working, status=Step.SCORING, section__isnull=False)
            .exclude(person__user=user)
            .order_by()
            .values("period_id", "section_id", "section__name", "section__order")
            .annotate(n=Count("pk"))
            .order_by("section__order", "section_id")
        ]
    open_periods = []
    if person is not None:
        open_periods = (
            Period.objects.filter(assessment_year__region_id=person.unit.region_id)
            .exclude(status__in=[Period.Status.DRAFT, Period.Status.CLOSED])
            .select_related("assessment_year")
        )
    # The 公示 running in the person's unit, for a link on their card while it lasts.
    publicity = quarter_selectors.publicity_now_for(user=user, today=quarter_services.today()) if person else []
    notifications = selectors.unread_of(user=user)[:10]
    notice = year_selectors.notice_waiting(person) if person is not None else None
    context = {
        "notice": notice,
        "notifications": notifications,
        "open_periods": open_periods,
        "proposals": proposals,
        "person": person,
        "publicity": publicity,
        "roles": roles,
        "self_abilities": SELF_ABILITIES if person is not None else (),
    }
    return render(request, "assessment/home/index.html", context)


def _states() -> Filter:
    return Filter(
        "state",
        "read_at",
        _("state"),
        [("unread", _("unread")), ("read", _("read"))],
        where={"unread": Q(read_at__isnull=True), "read": Q(read_at__isnull=False)},
    )


@login_required
def notifications(request):
    """The user's own notifications, newest first, the unread marked."""
    found = listing(
        request,
        selectors.notifications_of(user=request.user),
        search=("message",),
        id_field=None,
        filters=(_states(),),
        default_sort=("-created_at", "-pk"),
        per_page=settings.NOTIFICATIONS_PER_PAGE,
        dates="created_at",
    )
    return render(request, "assessment/home/notifications.html", {"listing": found})


@login_required
@require_POST
def notification_open(request, pk: int):
    """Read the notification, then go to its page: only a page of this system (a link elsewhere is not
    followed: a notification's link is written by the system, and one that leads out is not to be trusted)."""
    try:
        note = services.notification_open(user=request.user, pk=pk)
    except Notification.DoesNotExist:
        raise not_found(request, "notification_open", f"notification={pk}") from None
    if note.url and url_has_allowed_host_and_scheme(
        note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(note.url)
    if note.url:
        messages.warning(request, _("The link of this notification leads outside the system; it was not followed."))
    return redirect("notifications")


@login_required
@require_POST
def notifications_mark_read(request):
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("notifications")
