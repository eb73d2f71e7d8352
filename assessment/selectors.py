"""Reads of the quarterly procedure, scoped to the user's roles."""

from __future__ import annotations

from django.db.models import QuerySet

from assessment.models import Period, QuarterlyResult
from units.models import Section
from units.permissions import Action, scope_for

# The order in which eligible people are suggested for 好 (domain.md §5): score first, then the monthly
# performance part, then the common items, and last the order of registration in the system — a stable
# key that never depends on a name.
SUGGESTION_ORDER = ("-sheet__total", "-sheet__individual_points", "-sheet__common_points", "person_id")


def nomination_suggestions(*, user, period: Period, section: Section) -> QuerySet[QuarterlyResult]:
    """The section's people eligible for 好 this quarter, best first, for the section head to nominate."""
    if not scope_for(user, Action.PROPOSE).covers_place(unit=section.unit, section=section):
        return QuarterlyResult.objects.none()
    return (
        QuarterlyResult.objects.filter(
            period=period, section=section, sheet__is_complete=True, sheet__eligible_grade="好", sheet__vetoed=False
        )
        .select_related("person", "sheet")
        .order_by(*SUGGESTION_ORDER)
    )


def results_visible_to(*, user, period: Period, action: Action = Action.VIEW) -> QuerySet[QuarterlyResult]:
    """Results of ``period`` whose assessing unit or section the user's roles cover."""
    scope = scope_for(user, action)
    results = QuarterlyResult.objects.filter(period=period).select_related("person", "unit", "section", "sheet")
    if scope.everything:
        return results
    if scope.is_empty:
        return results.none()
    return results.filter(scope.place_q())


def published_results_for(*, user, period: Period) -> QuerySet[QuarterlyResult]:
    """What a member of a unit sees during publicity: the unit's published grades (公示)."""
    person = getattr(user, "person", None)
    if person is None:
        return QuarterlyResult.objects.none()
    own_unit = QuarterlyResult.objects.filter(period=period, person=person).values("unit_id")
    return (
        QuarterlyResult.objects.filter(period=period, unit_id__in=own_unit, status=QuarterlyResult.Status.PUBLICITY)
        .select_related("person", "section")
        .order_by("section__order", "person__post_order", "person_id")
    )


def own_results(*, user) -> QuerySet[QuarterlyResult]:
    """A person's own results once published, newest first."""
    person = getattr(user, "person", None)
    if person is None:
        return QuarterlyResult.objects.none()
    shown = (QuarterlyResult.Status.PUBLICITY, QuarterlyResult.Status.CONFIRMATION, QuarterlyResult.Status.FINAL)
    return (
        QuarterlyResult.objects.filter(person=person, status__in=shown)
        .select_related("period__assessment_year", "sheet")
        .order_by("-period__assessment_year__year", "-period__quarter")
    )
