"""Reads the API needs across every period, scoped like the apps' own selectors.

The apps' selectors serve pages that always name one period (and, for events, one unit); a list of the API
spans them, so these build the same scopes (``units.permissions.scope_for``) without the period.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from assessment.models import GradeHistory, QuarterlyResult, RegisterExport, ReviewRequest
from assessment.quarter.selectors import results_visible_to
from assessment.registers.selectors import exports_of
from scoring.models import Event, MonthlyImport, MonthlyScore
from scoring.selectors import shares_placed_in
from units.models import Region
from units.permissions import Action, scope_for
from units.selectors import people_visible_to, units_visible_to


def monthly_scores_visible_to(*, user) -> QuerySet[MonthlyScore]:
    """Monthly scores of the people the user's roles cover (a person's own record is not one of them: the
    own monthly scores arrive with the published result, as in the browser)."""
    scope = scope_for(user, Action.VIEW)
    scores = MonthlyScore.objects.select_related("person", "batch")
    if scope.everything:
        return scores
    if scope.is_empty:
        return scores.none()
    people = people_visible_to(user=user).exclude(user=user)
    return scores.filter(person__in=people.values("pk"))


def monthly_imports_visible_to(*, user) -> QuerySet[MonthlyImport]:
    """The import batches of every period: the user's own, and those of units the user may import for."""
    scope = scope_for(user, Action.IMPORT_MONTHLY)
    imports = MonthlyImport.objects.select_related("unit", "imported_by")
    if scope.everything:
        return imports
    if scope.is_empty:
        return imports.filter(imported_by=user)
    return imports.filter(Q(imported_by=user) | Q(unit_id__in=scope.unit_ids) | Q(unit__region_id__in=scope.region_ids))


def events_visible_to(*, user) -> QuerySet[Event]:
    """Events of the units the user's roles cover whole (as ``scoring.selectors.events_visible_to`` per
    unit), the user's own declarations, and the events of the people the user checks declarations for (the
    section head's 把关, as ``scoring.selectors.events_to_check``)."""
    scope = scope_for(user, Action.VIEW)
    events = Event.objects.select_related("standard", "period__assessment_year", "unit").prefetch_related(
        "shares__person"
    )
    if scope.everything:
        return events
    whole_units = Q(unit_id__in=scope.unit_ids) | Q(unit__region_id__in=scope.region_ids)
    checked = Q(pk__in=shares_placed_in(scope_for(user, Action.PROPOSE)).values("event_id"))
    return events.filter(whole_units | Q(declared_by=user) | checked)


def results_for_request(*, user) -> QuerySet[QuarterlyResult]:
    """The results on which ``user`` may ask for a review: their own, once published."""
    person = getattr(user, "person", None)
    if person is None:
        return QuarterlyResult.objects.none()
    return QuarterlyResult.objects.filter(person=person).select_related("person", "period", "unit", "section")


def review_requests_visible_to(*, user) -> QuerySet[ReviewRequest]:
    """Review requests on the results the user's roles cover, and the user's own."""
    covered = results_visible_to(user=user).values("pk")
    own = results_for_request(user=user).values("pk")
    return ReviewRequest.objects.filter(Q(result__in=covered) | Q(result__in=own)).select_related(
        "result__person", "result__period"
    )


def register_exports_visible_to(*, user) -> QuerySet[RegisterExport]:
    """Only the requester sees an export (as in the browser's download centre)."""
    return exports_of(user=user)


def grade_history_visible_to(*, user) -> QuerySet[GradeHistory]:
    """The grades imported from before the system of the people the user may see (their own included)."""
    scope = scope_for(user, Action.VIEW)
    grades = GradeHistory.objects.select_related("person", "imported_by")
    if scope.everything:
        return grades
    return grades.filter(person__in=people_visible_to(user=user).values("pk"))


def regions_visible_to(*, user) -> QuerySet[Region]:
    """The regions of the units the user's roles touch (the services decide what may be done there)."""
    return Region.objects.filter(pk__in=units_visible_to(user=user).values("region_id"))
