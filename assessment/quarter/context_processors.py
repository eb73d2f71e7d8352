"""The current period and where the user's part of it stands, shown on every page (always visible).

The step and its deadline come from ``stage_of``, like the board's and the dashboards': a civil servant sees
their own result's, a role holder the earliest step at which the results they oversee wait (a section
head's sections, an office's or a committee's unit, the organisation department's region)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from assessment.models import QuarterlyResult
from assessment.quarter.selectors import results_visible_to
from assessment.quarter.stage import Stage, stage_of
from periods.models import Period
from units.models import Unit
from units.permissions import Action, scope_for
from units.selectors import units_visible_to


@dataclass(frozen=True)
class Current:
    period: Period
    stage: Stage | None  # None once every result the user follows is final


def current_for(user, today: datetime.date) -> Current | None:
    """The open period of the user's regions (their own unit's, and the ones they oversee) being worked now,
    and the stage of what the user follows in it. Three queries at most."""
    regions = Q(assessment_year__region_id__in=units_visible_to(user=user).values("region_id"))
    person = getattr(user, "person", None)
    if person is not None:
        regions |= Q(assessment_year__region_id__in=Unit.objects.filter(pk=person.unit_id).values("region_id"))
    # The quarter being worked now: the newest open one that has begun (a quarter opened ahead, next year's
    # first in December, does not hide the one still running); else the earliest opened ahead.
    periods = list(
        Period.objects.filter(regions, status=Period.Status.OPEN)
        .select_related("assessment_year")
        .order_by("-assessment_year__year", "-quarter")[:8]
    )
    begun = [p for p in periods if p.start_date <= today]
    period = begun[0] if begun else (periods[-1] if periods else None)
    if period is None:
        return None
    if scope_for(user, Action.VIEW).is_empty:
        followed = QuarterlyResult.objects.filter(period=period, person=person)
    else:
        followed = results_visible_to(user=user, period=period)
    counts: dict[str, int] = {}
    ends: list[datetime.date] = []
    for row in followed.order_by().values("status").annotate(n=Count("pk"), ends=Max("publicity_ends")):
        counts[row["status"]] = row["n"]
        if row["ends"]:
            ends.append(row["ends"])
    return Current(period=period, stage=stage_of(period, counts, today=today, publicity_ends=max(ends, default=None)))


def current_period(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: a page that does not show it (an htmx fragment) costs no query.
    return {"current": SimpleLazyObject(lambda: current_for(user, timezone.localdate()))}
