"""Reads of the organisation department's pages for the year (年度考核): each unit's ratio of 优秀 with its
history, the confirmation queue (核准), the appeals (申诉) it decides, and the year's dashboard. Each is scoped
to the regions the user's roles cover, and each is a fixed number of aggregate queries whatever the number
of units or people."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, QuerySet

from assessment import annual
from assessment.models import (
    AnnualAppeal,
    AnnualGrade,
    AnnualLedger,
    AnnualResult,
    ExcellentRatio,
    GradeHistory,
    Performance,
)
from assessment.quarter.region_selectors import as_percent, regions_for, years_visible_to
from assessment.year.selectors import consequences_for
from audit.models import AuditEntry
from periods.models import AssessmentYear
from units.models import Region, Unit

Step = AnnualResult.Status
GRADES = tuple(AnnualGrade.values)

__all__ = ["as_percent", "regions_for", "years_visible_to"]


def region_units(*, assessment_year: AssessmentYear) -> QuerySet[Unit]:
    """The active units of the year's region, in the region's order."""
    return Unit.objects.filter(region_id=assessment_year.region_id, is_active=True).order_by("order", "code")


def unit_choices(*, assessment_year: AssessmentYear) -> list[tuple[str, str]]:
    """The units of the year's region, as a list's filter offers them (a county's: a few hundred at most)."""
    units = Unit.objects.filter(region_id=assessment_year.region_id).order_by("order", "code")
    return [(str(pk), name) for pk, name in units.values_list("pk", "name")]


# Ratios of 优秀 ------------------------------------------------------------------------------------------


def _percent_or_none(value) -> Decimal | None:
    try:
        return as_percent(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return None


@dataclass(frozen=True)
class ExcellentChange:
    """One change of a unit's ratio of 优秀 from the audit trail, as percentages (None: the default)."""

    entry: AuditEntry
    before: Decimal | None
    after: Decimal | None
    performance: str


@dataclass(frozen=True)
class ExcellentRow:
    unit: Unit
    ratio: Decimal
    setting: ExcellentRatio | None
    history: list[ExcellentChange] = field(default_factory=list)  # newest first

    @property
    def percent(self) -> Decimal:
        return as_percent(self.ratio)

    @property
    def performance(self) -> str:
        return self.setting.performance if self.setting else ""


def excellent_rows(*, assessment_year: AssessmentYear, units: list[Unit]) -> list[ExcellentRow]:
    """Each unit's ratio of 优秀 (its own, or the year's default), its organisational performance, who set
    it, and the history of its changes: two queries for the page, however many units it shows."""
    settings = {
        s.unit_id: s
        for s in ExcellentRatio.objects.filter(assessment_year=assessment_year, unit__in=units).select_related("set_by")
    }
    labels = dict(annual_performance_choices())
    history: dict[int, list[ExcellentChange]] = {}
    for entry in (
        AuditEntry.objects.filter(action="excellent_ratio_set", assessment_year=assessment_year, unit__in=units)
        .select_related("actor")
        .order_by("-at", "-pk")
    ):
        before, after = (entry.changes.get("excellent_ratio") or [None, None])[:2]
        performance = (entry.changes.get("performance") or [None, ""])[-1] or ""
        history.setdefault(entry.unit_id, []).append(
            ExcellentChange(
                entry=entry,
                before=_percent_or_none(before),
                after=_percent_or_none(after),
                performance=str(labels.get(performance, performance)),
            )
        )
    return [
        ExcellentRow(
            unit=unit,
            ratio=settings[unit.pk].ratio if unit.pk in settings else assessment_year.default_excellent_ratio,
            setting=settings.get(unit.pk),
            history=history.get(unit.pk, []),
        )
        for unit in units
    ]


def annual_performance_choices() -> list[tuple[str, str]]:
    return list(Performance.choices)


def performance_percents(assessment_year: AssessmentYear) -> list[tuple[str, str, Decimal]]:
    """(value, label, percent) of each organisational performance rating, with the year's ratio for it."""
    return [
        (
            value,
            label,
            as_percent(
                Decimal(str(assessment_year.performance_ratios.get(value, assessment_year.default_excellent_ratio)))
            ),
        )
        for value, label in annual_performance_choices()
    ]


# Results per unit -----------------------------------------------------------------------------------------


@dataclass
class UnitYearRow:
    """One unit's annual results: at which steps they stand, the final (else proposed) grades, the cases
    without a grade, the places of 优秀 and the ratio, the open reviews and appeals, the consequences due."""

    unit: Unit
    counts: dict[str, int] = field(default_factory=dict)  # step → results
    grades: dict[str, int] = field(default_factory=dict)  # grade → people
    no_grade: int = 0
    not_assessed: int = 0
    ratio: Decimal | None = None
    places: int | None = None
    used: int = 0
    reported_at: datetime.datetime | None = None
    reviews_open: int = 0
    reviews_due: datetime.date | None = None
    appeals_open: int = 0
    appeals_due: datetime.date | None = None
    consequences: int = 0

    @property
    def people(self) -> int:
        return sum(self.counts.values())

    @property
    def percent(self) -> Decimal | None:
        return as_percent(self.ratio) if self.ratio is not None else None

    @property
    def over_places(self) -> bool:
        return self.places is not None and self.used > self.places

    def grade_counts(self) -> list[int]:
        return [self.grades.get(g, 0) for g in GRADES]

    def steps(self) -> list[tuple[str, int]]:
        return [(label, self.counts[value]) for value, label in Step.choices if self.counts.get(value)]


def _unit_rows(assessment_year: AssessmentYear, units: list[Unit]) -> dict[int, UnitYearRow]:
    """Three aggregate queries: results by step, case and grade; the ledgers; the ratios."""
    rows = {u.pk: UnitYearRow(unit=u) for u in units}
    for row in (
        AnnualResult.objects.filter(assessment_year=assessment_year, unit__in=units)
        .order_by()
        .values("unit_id", "status", "case", "final_grade", "proposed_grade")
        .annotate(n=Count("pk"))
    ):
        one = rows[row["unit_id"]]
        one.counts[row["status"]] = one.counts.get(row["status"], 0) + row["n"]
        if row["case"] == AnnualResult.Case.NO_GRADE:
            one.no_grade += row["n"]
        elif row["case"] == AnnualResult.Case.NOT_ASSESSED:
            one.not_assessed += row["n"]
        else:
            grade = row["final_grade"] or row["proposed_grade"]
            if grade:
                one.grades[grade] = one.grades.get(grade, 0) + row["n"]
    for unit_id, places, proposed, excellent in AnnualLedger.objects.filter(
        assessment_year=assessment_year, unit__in=units
    ).values_list("unit_id", "places", "proposed", "excellent"):
        one = rows[unit_id]
        one.places, one.used = places, max(proposed, excellent)
    ratios = dict(
        ExcellentRatio.objects.filter(assessment_year=assessment_year, unit__in=units).values_list("unit_id", "ratio")
    )
    for one in rows.values():
        one.ratio = ratios.get(one.unit.pk, assessment_year.default_excellent_ratio)
        one.used = max(one.used, one.grades.get(annual.EXCELLENT, 0))
    return rows


def _region_units_with_results(assessment_year: AssessmentYear) -> list[Unit]:
    with_results = AnnualResult.objects.filter(assessment_year=assessment_year).values("unit_id")
    return list(
        Unit.objects.filter(region_id=assessment_year.region_id)
        .filter(Q(is_active=True) | Q(pk__in=with_results))
        .order_by("order", "code")
    )


# The confirmation queue (核准) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnualQueue:
    ready: list[UnitYearRow]  # every result reported: waiting for the organisation department
    before: list[UnitYearRow]  # some result still before confirmation (or not rolled up yet)
    confirmed: int  # units whose results are all final
    grades: tuple[str, ...] = GRADES

    @property
    def ready_people(self) -> int:
        return sum(r.people for r in self.ready)


def annual_confirmation_queue(*, assessment_year: AssessmentYear) -> AnnualQueue:
    """The region's units as the organisation department confirms their annual results: those that
    reported (every result at confirmation) with their grades and places, and those still before it with
    their steps. Six queries whatever the size of the region."""
    units = _region_units_with_results(assessment_year)
    rows = _unit_rows(assessment_year, units)
    ready_ids = [pk for pk, r in rows.items() if r.counts and set(r.counts) == {Step.CONFIRMATION}]
    for unit_id, last in (
        AuditEntry.objects.filter(assessment_year=assessment_year, unit_id__in=ready_ids, action="annual_report")
        .order_by()
        .values("unit_id")
        .annotate(last=Max("at"))
        .values_list("unit_id", "last")
    ):
        rows[unit_id].reported_at = last
    ready, before, confirmed = [], [], 0
    for unit in units:
        row = rows[unit.pk]
        if unit.pk in ready_ids:
            ready.append(row)
        elif row.counts and set(row.counts) == {Step.FINAL}:
            confirmed += 1
        else:
            before.append(row)
    return AnnualQueue(ready=ready, before=before, confirmed=confirmed)


# Appeals (申诉) -------------------------------------------------------------------------------------------


def appeals_for(*, assessment_year: AssessmentYear) -> QuerySet[AnnualAppeal]:
    """The year's appeals to the organisation department in its region: open ones first, soonest due first,
    then the answered ones, latest first."""
    return (
        AnnualAppeal.objects.filter(
            kind=AnnualAppeal.Kind.APPEAL,
            result__assessment_year=assessment_year,
            result__unit__region_id=assessment_year.region_id,
        )
        .select_related("result__person", "result__unit", "answered_by")
        .order_by(F("answered_on").desc(nulls_first=True), "answer_due", "pk")
    )


# The year's dashboard -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    rows: list[UnitYearRow]
    grades: tuple[str, ...] = GRADES

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.rows)

    @property
    def people(self) -> int:
        return self.total("people")

    @property
    def appeals_open(self) -> int:
        return self.total("appeals_open")

    @property
    def reviews_open(self) -> int:
        return self.total("reviews_open")

    @property
    def consequences(self) -> int:
        return self.total("consequences")


def dashboard(*, user, assessment_year: AssessmentYear, units: list[Unit]) -> Dashboard:
    """Per unit of ``units`` (one page): ratio, places used, grades, cases without a grade, reviews and
    appeals open with their earliest due date, consequences due. A fixed number of aggregate queries."""
    rows = _unit_rows(assessment_year, units)
    for row in (
        AnnualAppeal.objects.filter(result__assessment_year=assessment_year, result__unit__in=units)
        .filter(answered_on__isnull=True)
        .order_by()
        .values("result__unit_id", "kind")
        .annotate(n=Count("pk"), due=Min("answer_due"))
    ):
        one = rows[row["result__unit_id"]]
        if row["kind"] == AnnualAppeal.Kind.REVIEW:
            one.reviews_open, one.reviews_due = row["n"], row["due"]
        else:
            one.appeals_open, one.appeals_due = row["n"], row["due"]
    for unit_id, n in (
        consequences_for(user=user, assessment_year=assessment_year)
        .filter(unit__in=units)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    ):
        rows[unit_id].consequences = n
    return Dashboard(rows=[rows[u.pk] for u in units])


# Earlier grades (历史等次) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryCount:
    """How many grades of one year are imported for the region's people: the year's and the quarters'."""

    year: int
    annual: int
    quarterly: int


def history_counts(*, region: Region) -> list[HistoryCount]:
    """The grades imported for the people of the region, per year, newest first: one aggregate query."""
    return [
        HistoryCount(**row)
        for row in GradeHistory.objects.filter(person__unit__region=region)
        .order_by()
        .values("year")
        .annotate(
            annual=Count("pk", filter=Q(quarter__isnull=True)), quarterly=Count("pk", filter=Q(quarter__isnull=False))
        )
        .order_by("-year")
    ]


def history_imports(*, region: Region) -> QuerySet[AuditEntry]:
    """The region's imports of earlier grades, latest first, with who imported them."""
    return (
        AuditEntry.objects.filter(region=region, action="grade_history_import")
        .select_related("actor")
        .order_by("-at", "-pk")
    )
