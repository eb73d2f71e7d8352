"""Reads of the year, scoped to the user's roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from assessment import annual
from assessment.models import AnnualResult, GradeHistory
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


def annual_grades_of(*, person_ids, until: int) -> dict[int, dict[int, str]]:
    """Each person's annual grades up to ``until`` (person → year → grade): the final live results, and
    the grades imported from before the system (``GradeHistory``) for the years without one. Two queries."""
    grades: dict[int, dict[int, str]] = {}
    for person_id, year, grade in GradeHistory.objects.filter(
        person_id__in=person_ids, quarter__isnull=True, year__lte=until
    ).values_list("person_id", "year", "grade"):
        grades.setdefault(person_id, {})[year] = grade
    for person_id, year, grade in AnnualResult.objects.filter(
        person_id__in=person_ids, status=AnnualResult.Status.FINAL, assessment_year__year__lte=until
    ).values_list("person_id", "assessment_year__year", "final_grade"):
        grades.setdefault(person_id, {})[year] = grade  # the live result wins
    return grades


def consequences_for(*, user, assessment_year: AssessmentYear) -> list[Consequence]:
    """What the year's final annual grades call for (嘉奖, 三等功, 诫勉谈话, 辞退审查), listed for the
    organisation department over the units it covers; nothing here acts on them. The runs of 优秀 and 不称职
    count the years before the system too, as imported, and every year of a run (the merit falls on every
    ``merit_years``-th year of it), so a person's whole history is read."""
    finals = list(
        annual_results_visible_to(user=user, assessment_year=assessment_year, action=Action.CONFIRM)
        .filter(status=AnnualResult.Status.FINAL, case=AnnualResult.Case.GRADED)
        .order_by("unit__order", "unit_id", "person__post_order", "person_id")
    )
    rules = annual.ConsequenceRules(
        merit_after=assessment_year.merit_years, dismissal_after=assessment_year.dismissal_years
    )
    history = annual_grades_of(person_ids=[r.person_id for r in finals], until=assessment_year.year)
    found = []
    for result in finals:
        kinds = annual.consequences(history.get(result.person_id, {}), assessment_year.year, rules=rules)
        if kinds:
            found.append(Consequence(result=result, kinds=tuple(kinds)))
    return found
