"""Reads of the year, scoped to the user's roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

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


def unit_year_work(units: list, *, user) -> dict[int, UnitYearWork]:
    """Per unit, its newest closed year's annual work, the user's own result left out (nobody acts on it):
    three queries for all the units together. A unit whose region has no closed year yet is left out."""
    if not units:
        return {}
    years: dict[int, AssessmentYear] = {}
    for year in (
        AssessmentYear.objects.filter(region_id__in={u.region_id for u in units})
        .annotate(
            quarters=Count("periods"),
            still_open=Count("periods", filter=~Q(periods__status=Period.Status.CLOSED)),
        )
        .filter(quarters__gt=0, still_open=0)
        .order_by("region_id", "-year")
    ):
        years.setdefault(year.region_id, year)
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
