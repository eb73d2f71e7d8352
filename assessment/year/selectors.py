"""Reads of the year, scoped to the user's roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Mod

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


def own_annual_results(*, user) -> QuerySet[AnnualResult]:
    """The user's own annual results once final, with the written notice: what the person reads, acknowledges
    (签收) and asks a review of."""
    person = getattr(user, "person", None)
    if person is None:
        return AnnualResult.objects.none()
    return AnnualResult.objects.filter(person=person, status=AnnualResult.Status.FINAL)


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


def _rules(assessment_year: AssessmentYear) -> annual.ConsequenceRules:
    return annual.ConsequenceRules(
        merit_after=assessment_year.merit_years, dismissal_after=assessment_year.dismissal_years
    )


def _streak(assessment_year: AssessmentYear):
    """The years in a row, ending with this one, in which the person's final annual grade was this result's:
    this year, less the first year of the run (a year of the grade with no such year just before it), plus
    one. One subquery per row, however long the history; years missing (not assessed) break the run, as in
    ``annual.consequences``."""
    same = {"status": AnnualResult.Status.FINAL, "person_id": OuterRef("person_id")}
    year_before = AnnualResult.objects.filter(
        **same, final_grade=OuterRef("final_grade"), assessment_year__year=OuterRef("assessment_year__year") - 1
    )
    run_starts = (
        AnnualResult.objects.filter(
            **same, final_grade=OuterRef("final_grade"), assessment_year__year__lte=assessment_year.year
        )
        .filter(~Exists(year_before))
        .order_by()
        .values("person_id")
        .annotate(first=Max("assessment_year__year"))
        .values("first")
    )
    return Value(assessment_year.year + 1) - Subquery(run_starts, output_field=IntegerField())


def consequence_conditions(assessment_year: AssessmentYear) -> dict[str, Q]:
    """Per consequence, the condition on a result of ``consequences_for`` that calls for it: the rules of
    ``annual.consequences`` over the grade and its run (``streak``)."""
    rules = _rules(assessment_year)
    excellent = Q(final_grade=annual.EXCELLENT)
    return {
        annual.COMMENDATION: excellent,
        annual.MERIT: excellent & Q(merit_turn=0) if rules.merit_after else Q(pk__in=[]),
        annual.ADMONITION: Q(final_grade=annual.BASIC),
        annual.DISMISSAL_REVIEW: Q(final_grade=annual.INCOMPETENT, streak__gte=rules.dismissal_after),
    }


def consequences_for(*, user, assessment_year: AssessmentYear) -> QuerySet[AnnualResult]:
    """The year's final graded results that call for a consequence (嘉奖, 三等功, 诫勉谈话, 辞退审查), over the
    units the organisation department covers, each with ``streak``, its grade's run of years: a queryset, to
    page, filter by kind (``consequence_conditions``) and count per unit in the database. Nothing here acts on
    them."""
    rules = _rules(assessment_year)
    conditions = consequence_conditions(assessment_year)
    return (
        annual_results_visible_to(user=user, assessment_year=assessment_year, action=Action.CONFIRM)
        .filter(
            status=AnnualResult.Status.FINAL,
            case=AnnualResult.Case.GRADED,
            final_grade__in=(annual.EXCELLENT, annual.BASIC, annual.INCOMPETENT),
        )
        .annotate(streak=_streak(assessment_year))
        .alias(merit_turn=Mod(F("streak"), max(rules.merit_after, 1)))
        # 三等功 goes with a 嘉奖: the other three conditions cover every row.
        .filter(conditions[annual.COMMENDATION] | conditions[annual.ADMONITION] | conditions[annual.DISMISSAL_REVIEW])
        .order_by("unit__order", "unit_id", "person__post_order", "person_id")
    )


def consequences_of(results, assessment_year: AssessmentYear) -> list[Consequence]:
    """What each result of ``consequences_for`` (a page of them) calls for, by the pure rule over its run."""
    rules = _rules(assessment_year)
    year = assessment_year.year
    return [
        Consequence(
            result=r,
            kinds=tuple(annual.consequences({year - n: r.final_grade for n in range(r.streak)}, year, rules=rules)),
        )
        for r in results
    ]
