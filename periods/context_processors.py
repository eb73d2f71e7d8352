"""The current period and its next deadline, shown on every page (issue #7: always visible)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from periods.models import Period
from units.models import Unit
from units.selectors import units_visible_to

# The deadlines of a quarter, in the order they fall.
DEADLINES = (
    ("summary_due", _("self-summaries")),
    ("section_due", _("section proposals")),
    ("leader_due", _("leader review")),
    ("committee_due", _("committee decision")),
    ("submit_by", _("results to the organisation department")),
)


@dataclass(frozen=True)
class Current:
    period: Period
    step: str  # what falls due next
    due: datetime.date | None
    days_left: int | None  # negative once every deadline has passed


def current_for(user, today: datetime.date) -> Current | None:
    """The newest open period of the user's regions (their own unit's, and the ones they oversee)."""
    regions = Q(assessment_year__region_id__in=units_visible_to(user=user).values("region_id"))
    person = getattr(user, "person", None)
    if person is not None:
        regions |= Q(assessment_year__region_id__in=Unit.objects.filter(pk=person.unit_id).values("region_id"))
    period = (
        Period.objects.filter(regions, status=Period.Status.OPEN)
        .select_related("assessment_year")
        .order_by("-assessment_year__year", "-quarter")
        .first()
    )
    if period is None:
        return None
    dated = [(label, getattr(period, field)) for field, label in DEADLINES if getattr(period, field)]
    upcoming = [(label, day) for label, day in dated if day >= today]
    label, day = upcoming[0] if upcoming else (dated[-1] if dated else ("", None))
    return Current(period=period, step=str(label), due=day, days_left=(day - today).days if day else None)


def current_period(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: a page that does not show it (an htmx fragment) costs no query.
    return {"current": SimpleLazyObject(lambda: current_for(user, timezone.localdate()))}
