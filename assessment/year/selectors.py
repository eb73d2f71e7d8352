"""Reads of the year, scoped to the user's roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Mod

from assessment import annual
from assessment.models import AnnualAppeal, AnnualResult, GradeHistory
from periods.models import AssessmentYear, Period
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
    """The years in a row, ending with this one, in which the person's annual grade was this result's: this
    year, less the first year of the run, plus one. The first year of the run is the latest year up to this
    one with the grade and without it the year before; a year's grade is the final live result or, for the
    years before the system, the imported one (``GradeHistory``; the import refuses a year with a live
    result). Years missing (not assessed) break the run, as in ``annual.consequences``. A fixed number of
    subqueries per row, however long the history."""
    person, grade = OuterRef("person_id"), OuterRef("final_grade")

    def not_the_year_before(grade_field: str, year_field: str) -> Q:
        """Neither source holds the grade in the year before the enclosing row's (its fields named)."""
        same = {"person_id": OuterRef("person_id"), "year": OuterRef(year_field) - 1, "grade": OuterRef(grade_field)}
        live = AnnualResult.objects.filter(
            status=AnnualResult.Status.FINAL,
            person_id=same["person_id"],
            final_grade=same["grade"],
            assessment_year__year=same["year"],
        )
        imported = GradeHistory.objects.filter(quarter__isnull=True, **same)
        return ~Exists(live) & ~Exists(imported)

    live_starts = (
        AnnualResult.objects.filter(
            status=AnnualResult.Status.FINAL,
            person_id=person,
            final_grade=grade,
            assessment_year__year__lte=assessment_year.year,
        )
        .filter(not_the_year_before("final_grade", "assessment_year__year"))
        .order_by()
        .values("person_id")
        .annotate(first=Max("assessment_year__year"))
        .values("first")
    )
    imported_starts = (
        GradeHistory.objects.filter(person_id=person, quarter__isnull=True, grade=grade, year__lte=assessment_year.year)
        .filter(not_the_year_before("grade", "year"))
        .order_by()
        .values("person_id")
        .annotate(first=Max("year"))
        .values("first")
    )
    first = Greatest(
        Coalesce(Subquery(live_starts, output_field=IntegerField()), Value(0)),
        Coalesce(Subquery(imported_starts, output_field=IntegerField()), Value(0)),
    )
    return Value(assessment_year.year + 1) - first


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


@dataclass
class UnitYearWork:
    """A unit's annual assessment as its roles see it on their home page: the newest year whose quarters
    are all closed, how many of the unit's results wait at each step (none yet: the roll-up is due), and
    the reviews (复核) waiting for the committee's answer."""

    assessment_year: AssessmentYear
    at_step: dict[str, int]
    reviews_open: int = 0

    @property
    def rolled_up(self) -> bool:
        return bool(self.at_step)

    @property
    def proposing(self) -> int:
        return self.at_step.get(AnnualResult.Status.PROPOSAL, 0)

    @property
    def deciding(self) -> int:
        return self.at_step.get(AnnualResult.Status.COMMITTEE, 0)

    @property
    def publishing(self) -> int:
        return self.at_step.get(AnnualResult.Status.DECIDED, 0)

    @property
    def reporting(self) -> int:
        return self.at_step.get(AnnualResult.Status.PUBLICITY, 0)


def closed_years(region_ids) -> dict[int, AssessmentYear]:
    """Per region, its newest year whose quarters are all closed: the year of the annual assessment. One
    query; a region with no such year is left out."""
    years: dict[int, AssessmentYear] = {}
    for year in (
        with_quarters_open(AssessmentYear.objects.filter(region_id__in=region_ids))
        .filter(quarters__gt=0, still_open=0)
        .order_by("region_id", "-year")
    ):
        years.setdefault(year.region_id, year)
    return years


def with_quarters_open(years: QuerySet[AssessmentYear]) -> QuerySet[AssessmentYear]:
    """Each year with ``quarters`` (its periods) and ``still_open`` (those not closed): a year whose
    quarters are all closed (``quarters`` and no ``still_open``) is the year of the annual assessment."""
    return years.annotate(
        quarters=Count("periods"),
        still_open=Count("periods", filter=~Q(periods__status=Period.Status.CLOSED)),
    )


def unit_year_work(units: list, *, user) -> dict[int, UnitYearWork]:
    """Per unit, its newest closed year's annual work, the user's own result left out (nobody acts on it):
    three queries for all the units together. A unit whose region has no closed year yet is left out."""
    if not units:
        return {}
    years = closed_years({u.region_id for u in units})
    work = {u.pk: UnitYearWork(years[u.region_id], {}) for u in units if u.region_id in years}
    if not work:
        return {}

    def chosen(prefix: str = "") -> Q:
        return Q(
            *[
                Q(**{f"{prefix}unit_id": pk, f"{prefix}assessment_year_id": w.assessment_year.pk})
                for pk, w in work.items()
            ],
            _connector=Q.OR,
        )

    for row in (
        AnnualResult.objects.filter(chosen())
        .exclude(person__user_id=user.pk)
        .values("unit_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        work[row["unit_id"]].at_step[row["status"]] = row["n"]
    for row in (
        AnnualAppeal.objects.filter(chosen("result__"), kind=AnnualAppeal.Kind.REVIEW, answered_on__isnull=True)
        .exclude(result__person__user_id=user.pk)
        .values("result__unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        work[row["result__unit_id"]].reviews_open = row["n"]
    return work


def notice_waiting(person) -> AnnualResult | None:
    """The person's newest written notice of an annual result not yet acknowledged (签收), if any."""
    return (
        AnnualResult.objects.filter(
            person=person,
            status=AnnualResult.Status.FINAL,
            notified_on__isnull=False,
            notice_acknowledged_at__isnull=True,
        )
        .select_related("assessment_year")
        .order_by("-assessment_year__year")
        .first()
    )
