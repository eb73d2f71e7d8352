"""Reads of the organisation department's own pages for the quarter: its regions' assessment years and
periods, the ratio of 好 of every unit for a year with its history, and the confirmation queue (核准) of a
period. Each is scoped to the regions the user's roles cover, and each is a fixed number of queries
whatever the number of units, periods or people."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet

from assessment.models import GRADE_ORDER, QuarterlyResult, QuotaLedger, UnitYear
from audit.models import AuditEntry
from periods.models import AssessmentYear, Period
from units.models import Region, Unit
from units.permissions import Action, scope_for

Step = QuarterlyResult.Status


def regions_for(*, user, action: Action) -> QuerySet[Region]:
    """The regions whose whole tree the user's roles cover for ``action`` (a unit-level role covers none)."""
    scope = scope_for(user, action)
    if scope.everything:
        return Region.objects.order_by("code")
    return Region.objects.filter(pk__in=scope.region_ids).order_by("code")


# Years and periods ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    period: Period
    counts: dict[str, int]  # step → results standing there

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def not_final(self) -> int:
        return self.total - self.counts.get(Step.FINAL, 0)

    def steps(self) -> list[tuple[str, int]]:
        """(label, count) of the steps at which some result stands, in the order of the chain."""
        return [(label, self.counts[value]) for value, label in Step.choices if self.counts.get(value)]


@dataclass(frozen=True)
class YearRow:
    year: AssessmentYear
    periods: list[PeriodRow]


@dataclass(frozen=True)
class RegionYears:
    region: Region
    years: list[YearRow]
    next_year: int  # what the form to set up a year suggests: the latest year + 1


def years_for(*, user, today: datetime.date) -> list[RegionYears]:
    """Per region the user sets ratios in: its assessment years, newest first, each with its four periods
    and how many results stand at each step (one aggregate query for every period shown)."""
    regions = list(regions_for(user=user, action=Action.SET_RATIOS))
    years = list(
        AssessmentYear.objects.filter(region__in=regions)
        .select_related("region")
        .prefetch_related("periods")
        .order_by("region_id", "-year")
    )
    counts: dict[int, dict[str, int]] = {}
    for row in (
        QuarterlyResult.objects.filter(period__assessment_year__in=years)
        .order_by()
        .values("period_id", "status")
        .annotate(n=Count("pk"))
    ):
        counts.setdefault(row["period_id"], {})[row["status"]] = row["n"]
    found = []
    for region in regions:
        own = [y for y in years if y.region_id == region.pk]
        rows = []
        for year in own:
            periods = sorted(year.periods.all(), key=lambda p: p.quarter)
            for period in periods:
                period.assessment_year = year  # known: str(period) needs no query of its own
            rows.append(YearRow(year=year, periods=[PeriodRow(p, counts.get(p.pk, {})) for p in periods]))
        latest = max((y.year for y in own), default=today.year - 1)
        found.append(RegionYears(region=region, years=rows, next_year=latest + 1))
    return found


# Ratios of 好 --------------------------------------------------------------------------------------------


def years_visible_to(*, user, action: Action = Action.SET_RATIOS) -> QuerySet[AssessmentYear]:
    """The assessment years of the regions the user covers for ``action``."""
    return AssessmentYear.objects.filter(region__in=regions_for(user=user, action=action)).select_related("region")


def ratio_units(*, assessment_year: AssessmentYear, q: str = "") -> QuerySet[Unit]:
    """The active units of the year's region, searched by name or code, in the region's order."""
    units = Unit.objects.filter(region_id=assessment_year.region_id, is_active=True)
    q = q.strip()
    if q:
        units = units.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return units.order_by("order", "code")


@dataclass(frozen=True)
class RatioChange:
    """One change of a unit's ratio from the audit trail, as percentages (None: the year's default)."""

    entry: AuditEntry
    before: Decimal | None
    after: Decimal | None


def _recorded_percent(value) -> Decimal | None:
    """A ratio as ``ratio_set`` recorded it in the audit entry (a string, "None" before the first)."""
    try:
        return as_percent(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return None


@dataclass(frozen=True)
class RatioRow:
    unit: Unit
    ratio: Decimal
    is_default: bool
    setting: UnitYear | None
    history: list[RatioChange] = field(default_factory=list)  # newest first

    @property
    def percent(self) -> Decimal:
        return as_percent(self.ratio)


def as_percent(ratio: Decimal) -> Decimal:
    """A ratio as the officer types it: 0.400 → 40, 0.375 → 37.5 (exact, no float)."""
    value = ratio.scaleb(2).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def ratio_rows(*, assessment_year: AssessmentYear, units: list[Unit]) -> list[RatioRow]:
    """Each unit's ratio of 好 for the year (its own, or the year's default) with who set it and the history
    of its changes: two queries for the whole page, however many units it shows."""
    settings = {
        s.unit_id: s
        for s in UnitYear.objects.filter(assessment_year=assessment_year, unit__in=units).select_related("set_by")
    }
    history: dict[int, list[RatioChange]] = {}
    for entry in (
        AuditEntry.objects.filter(action="ratio_set", period__assessment_year=assessment_year, unit__in=units)
        .select_related("actor")
        .order_by("-at", "-pk")
    ):
        before, after = (entry.changes.get("good_ratio") or [None, None])[:2]
        history.setdefault(entry.unit_id, []).append(
            RatioChange(entry=entry, before=_recorded_percent(before), after=_recorded_percent(after))
        )
    rows = []
    for unit in units:
        setting = settings.get(unit.pk)
        rows.append(
            RatioRow(
                unit=unit,
                ratio=setting.good_ratio if setting else assessment_year.default_good_ratio,
                is_default=setting is None,
                setting=setting,
                history=history.get(unit.pk, []),
            )
        )
    return rows


# The confirmation queue (核准) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    """One unit of the region in a period: its people, their final grades, where its results stand, its
    places of 好 this quarter (from the ledger the publication wrote) and when it reported."""

    unit: Unit
    counts: dict[str, int]  # step → results
    grades: dict[str, int]  # 好, 较好, 一般, 较差 → people given that final grade
    places: int | None = None
    reported_at: datetime.datetime | None = None

    @property
    def people(self) -> int:
        return sum(self.counts.values())

    @property
    def good(self) -> int:
        return self.grades.get(GRADE_ORDER[0], 0)

    @property
    def over_places(self) -> bool:
        return self.places is not None and self.good > self.places

    def steps(self) -> list[tuple[str, int]]:
        return [(label, self.counts[value]) for value, label in Step.choices if self.counts.get(value)]


@dataclass(frozen=True)
class Queue:
    ready: list[QueueRow]  # every result reported: waiting for the organisation department
    before: list[QueueRow]  # some result still before confirmation (or the unit has not started)
    confirmed: int  # units whose results are all final
    grades: tuple[str, ...] = tuple(GRADE_ORDER)

    @property
    def ready_people(self) -> int:
        return sum(r.people for r in self.ready)


def confirmation_queue(*, user, period: Period) -> Queue | None:
    """The region's units in ``period`` as the organisation department confirms them: those that reported
    (every result at confirmation), and those still before it with the steps they stand at. None when
    the user does not confirm the region's results. Four queries whatever the size of the region."""
    region_id = period.assessment_year.region_id
    if not scope_for(user, Action.CONFIRM).covers_region(region_id):
        return None
    counts: dict[int, dict[str, int]] = {}
    grades: dict[int, dict[str, int]] = {}
    for row in (
        QuarterlyResult.objects.filter(period=period)
        .order_by()
        .values("unit_id", "status", "final_grade")
        .annotate(n=Count("pk"))
    ):
        unit_counts = counts.setdefault(row["unit_id"], {})
        unit_counts[row["status"]] = unit_counts.get(row["status"], 0) + row["n"]
        if row["final_grade"]:
            unit_grades = grades.setdefault(row["unit_id"], {})
            unit_grades[row["final_grade"]] = unit_grades.get(row["final_grade"], 0) + row["n"]
    ready_ids = [pk for pk, c in counts.items() if set(c) == {Step.CONFIRMATION}]
    places = dict(
        QuotaLedger.objects.filter(period=period, unit_id__in=ready_ids, section__isnull=True).values_list(
            "unit_id", "places"
        )
    )
    reported = dict(
        AuditEntry.objects.filter(period=period, unit_id__in=ready_ids, action="unit_report")
        .order_by()
        .values("unit_id")
        .annotate(last=Max("at"))
        .values_list("unit_id", "last")
    )
    units = Unit.objects.filter(region_id=region_id).filter(Q(is_active=True) | Q(pk__in=list(counts)))
    ready, before, confirmed = [], [], 0
    for unit in units.order_by("order", "code"):
        unit_counts = counts.get(unit.pk, {})
        row = QueueRow(
            unit=unit,
            counts=unit_counts,
            grades={g: grades.get(unit.pk, {}).get(g, 0) for g in GRADE_ORDER},
            places=places.get(unit.pk),
            reported_at=reported.get(unit.pk),
        )
        if unit.pk in ready_ids:
            ready.append(row)
        elif unit_counts and set(unit_counts) == {Step.FINAL}:
            confirmed += 1
        else:
            before.append(row)
    return Queue(ready=ready, before=before, confirmed=confirmed)
