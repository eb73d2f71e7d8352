"""Reads of the year, scoped to the user's roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from assessment import annual
from assessment.models import AnnualResult
from periods.models import AssessmentYear
from units.permissions import Action, scope_for


def annual_results_visible_to(
    *, user, assessment_year: AssessmentYear | None = None, action: Action = Action.VIEW
) -> QuerySet[AnnualResult]:
    """Annual results of the year (of every year when None) whose assessing unit or section the user's roles
    cover."""
    scope = scope_for(user, action)
    results = AnnualResult.objects.select_related("person", "unit", "section")
    if assessment_year is not None:
        results = results.filter(assessment_year=assessment_year)
    if scope.everything:
        return results
    if scope.is_empty:
        return results.none()
    return results.filter(scope.place_q())


def annual_publicity_for(*, user, assessment_year: AssessmentYear) -> QuerySet[AnnualResult]:
    """What a member of a unit sees during the annual publicity: the unit's 优秀, each with the year's
    quarterly grades (seed 002 §六(一))."""
    person = getattr(user, "person", None)
    if person is None:
        return AnnualResult.objects.none()
    own_unit = AnnualResult.objects.filter(assessment_year=assessment_year, person=person).values("unit_id")
    return (
        AnnualResult.objects.filter(
            assessment_year=assessment_year,
            unit_id__in=own_unit,
            status=AnnualResult.Status.PUBLICITY,
            final_grade=annual.EXCELLENT,
        )
        .select_related("person", "section")
        .order_by("section__order", "person__post_order", "person_id")
    )


@dataclass(frozen=True)
class Consequence:
    result: AnnualResult
    kinds: tuple[str, ...]  # annual.COMMENDATION, MERIT, ADMONITION, DISMISSAL_REVIEW


def consequences_for(*, user, assessment_year: AssessmentYear) -> list[Consequence]:
    """What the year's final annual grades call for (嘉奖, 三等功, 诫勉谈话, 辞退审查), listed for the
    organisation department over the units it covers; nothing here acts on them."""
    finals = list(
        annual_results_visible_to(user=user, assessment_year=assessment_year, action=Action.CONFIRM)
        .filter(status=AnnualResult.Status.FINAL, case=AnnualResult.Case.GRADED)
        .order_by("unit__order", "unit_id", "person__post_order", "person_id")
    )
    rules = annual.ConsequenceRules(
        merit_after=assessment_year.merit_years, dismissal_after=assessment_year.dismissal_years
    )
    lookback = max(rules.merit_after, rules.dismissal_after)
    history: dict[int, dict[int, str]] = {}
    for person_id, year, grade in AnnualResult.objects.filter(
        person_id__in=[r.person_id for r in finals],
        status=AnnualResult.Status.FINAL,
        assessment_year__year__gt=assessment_year.year - lookback,
        assessment_year__year__lte=assessment_year.year,
    ).values_list("person_id", "assessment_year__year", "final_grade"):
        history.setdefault(person_id, {})[year] = grade
    found = []
    for result in finals:
        kinds = annual.consequences(history.get(result.person_id, {}), assessment_year.year, rules=rules)
        if kinds:
            found.append(Consequence(result=result, kinds=tuple(kinds)))
    return found
