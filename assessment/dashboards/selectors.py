"""Reads of the dashboards: the organisation department's region at a glance (per unit its grades and its
deadline, the region's grades quarter by quarter, the histogram of the quarter's totals), in a fixed number
of aggregate queries whatever the size of the region."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Count, Max, Q

from assessment.models import GRADE_ORDER, QuarterlyResult
from assessment.quarter.stage import Stage, stage_of
from periods.models import Period
from scoring.models import ScoreSheet
from units.models import Unit
from units.permissions import Action, scope_for

DEFAULT_BIN_WIDTH = 5  # points per bar of the score histogram
MAX_BIN_WIDTH = 50


def dashboard_periods_for(*, user) -> list[Period]:
    """The periods of the regions whose results the user confirms (the organisation department), newest
    first."""
    scope = scope_for(user, Action.CONFIRM)
    if scope.is_empty:
        return []
    periods = Period.objects.select_related("assessment_year__region").order_by(
        "assessment_year__region__name", "-assessment_year__year", "-quarter"
    )
    if not scope.everything:
        periods = periods.filter(assessment_year__region_id__in=scope.region_ids)
    return list(periods)


def default_dashboard_period(periods: list[Period]) -> Period | None:
    """The latest open period, else the latest one that has begun, else the latest."""

    def latest(candidates):
        return max(candidates, key=lambda p: (p.year, p.quarter), default=None)

    return (
        latest([p for p in periods if p.status == Period.Status.OPEN])
        or latest([p for p in periods if p.status != Period.Status.DRAFT])
        or latest(periods)
    )


@dataclass(frozen=True)
class UnitQuarter:
    """One unit in the chosen quarter: its people, their final grades, and its current deadline."""

    unit: Unit
    people: int
    grades: dict[str, int]  # 好, 较好, 一般, 较差 → people given that final grade
    deadline: Stage | None

    @property
    def undecided(self) -> int:
        return self.people - sum(self.grades.values())


@dataclass(frozen=True)
class ScoreBin:
    low: int  # from this total (included) …
    high: int  # … to this one (excluded)
    people: int


@dataclass(frozen=True)
class RegionDashboard:
    period: Period
    bin_width: int
    units: list[UnitQuarter]
    quarters: dict[int, dict[str, int]]  # the region's final grades in each quarter of the year
    bins: list[ScoreBin]  # complete score sheets of the quarter, by total
    grades: tuple[str, ...] = field(default=tuple(GRADE_ORDER))

    @property
    def behind(self) -> list[UnitQuarter]:
        """The units past the deadline of their current step, the latest first."""
        late = [u for u in self.units if u.deadline and u.deadline.is_late]
        return sorted(late, key=lambda u: (-u.deadline.days_late, u.unit.order, u.unit.code))

    @property
    def totals(self) -> dict[str, int]:
        return {g: sum(u.grades[g] for u in self.units) for g in self.grades}

    @property
    def people(self) -> int:
        return sum(u.people for u in self.units)


def region_dashboard(
    *, user, period: Period, today: datetime.date, bin_width: int = DEFAULT_BIN_WIDTH
) -> RegionDashboard | None:
    """The region of ``period`` at a glance for the organisation department: per unit, its final grades
    and its deadline; the region's grades in each quarter of the year; the histogram of the quarter's
    totals in bins of ``bin_width`` points. None when the user does not confirm that region's results.

    Three aggregate queries (GROUP BY) and one for the units, whatever the number of units and people."""
    scope = scope_for(user, Action.CONFIRM)
    region_id = period.assessment_year.region_id
    if not scope.covers_region(region_id):
        return None
    if not 1 <= bin_width <= MAX_BIN_WIDTH:
        raise ValueError(f"bin width {bin_width} outside 1..{MAX_BIN_WIDTH}")
    results = QuarterlyResult.objects.filter(period__assessment_year_id=period.assessment_year_id).order_by()
    per_unit: dict[int, dict[str, int]] = {}
    steps: dict[int, set[str]] = {}
    quarters: dict[int, dict[str, int]] = {q: dict.fromkeys(GRADE_ORDER, 0) for q in range(1, 5)}
    ends: dict[int, datetime.date] = {}  # the last day of each unit's publicity, once published
    rows_ = results.values("unit_id", "period__quarter", "status", "final_grade").annotate(
        n=Count("pk"), publicity_ends=Max("publicity_ends")
    )
    for row in rows_:
        grade = row["final_grade"]
        if grade:
            quarters[row["period__quarter"]][grade] += row["n"]
        if row["period__quarter"] != period.quarter:
            continue
        figures = per_unit.setdefault(row["unit_id"], {"": 0} | dict.fromkeys(GRADE_ORDER, 0))
        figures[""] += row["n"]
        if grade:
            figures[grade] += row["n"]
        steps.setdefault(row["unit_id"], set()).add(row["status"])
        if day := row["publicity_ends"]:
            ends[row["unit_id"]] = max(ends.get(row["unit_id"], day), day)
    units = Unit.objects.filter(region_id=region_id).filter(Q(is_active=True) | Q(pk__in=list(per_unit)))
    rows = []
    for unit in units.order_by("order", "code"):
        figures = per_unit.get(unit.pk, {"": 0} | dict.fromkeys(GRADE_ORDER, 0))
        rows.append(
            UnitQuarter(
                unit=unit,
                people=figures[""],
                grades={g: figures[g] for g in GRADE_ORDER},
                deadline=stage_of(period, steps.get(unit.pk, set()), today=today, publicity_ends=ends.get(unit.pk)),
            )
        )
    return RegionDashboard(
        period=period,
        bin_width=bin_width,
        units=rows,
        quarters=quarters,
        bins=score_bins(period=period, bin_width=bin_width),
    )


def score_bins(*, period: Period, bin_width: int) -> list[ScoreBin]:
    """How many complete score sheets of the period's region fall in each bin of ``bin_width`` points,
    from the lowest bin used to the highest, empty bins included (one GROUP BY query). Callers check the
    user's scope over the region."""
    # The database counts each distinct total (at most one per hundredth of a point, whatever the number of
    # people); the bins are cut here in Decimal, flooring, so a total on a boundary opens the next bin and a
    # negative total falls below zero, never towards it.
    totals = (
        ScoreSheet.objects.filter(period=period, is_complete=True)
        .order_by()
        .values("total")
        .annotate(n=Count("pk"))
        .values_list("total", "n")
    )
    counts: dict[int, int] = {}
    for total, n in totals:
        k = int((Decimal(total) / bin_width).to_integral_value(rounding=ROUND_FLOOR))
        counts[k] = counts.get(k, 0) + n
    if not counts:
        return []
    return [
        ScoreBin(low=k * bin_width, high=(k + 1) * bin_width, people=counts.get(k, 0))
        for k in range(min(counts), max(counts) + 1)
    ]
