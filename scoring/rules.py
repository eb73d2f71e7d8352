"""The quarterly score (百分制) and the grade it makes a person eligible for (domain.md §4–§5).

Pure functions over plain values: no ORM, ``Decimal`` throughout, every number a parameter. Results are
given to two places, rounded half-up; each part is rounded before the parts are added, so the parts
shown on a sheet always add up to its total.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

GOOD = "好"
FAIR = "较好"
ORDINARY = "一般"
POOR = "较差"
GRADES = (GOOD, FAIR, ORDINARY, POOR)


@dataclass(frozen=True)
class ScoringParams:
    """The parameters of one region and year; the defaults are those of domain.md §4–§5."""

    individual_weight: Decimal = Decimal("0.40")  # a fraction: the monthly average × this = individual points
    bonus_cap: Decimal = Decimal("5")  # points
    good_threshold: Decimal = Decimal("90")  # a total at or above: eligible for 好
    fair_threshold: Decimal = Decimal("80")  # at or above: 较好
    ordinary_threshold: Decimal = Decimal("60")  # at or above: 一般; below: must be 较差
    monthly_max: Decimal = HUNDRED  # a monthly performance score lies in 0..monthly_max

    def __post_init__(self) -> None:
        if not ZERO <= self.individual_weight <= 1:
            raise ValueError("individual_weight is a fraction between 0 and 1")
        if self.bonus_cap < 0:
            raise ValueError("bonus_cap cannot be negative")
        if not self.ordinary_threshold <= self.fair_threshold <= self.good_threshold:
            raise ValueError("thresholds must rise: ordinary <= fair <= good")

    @property
    def individual_max(self) -> Decimal:
        return round2(self.monthly_max * self.individual_weight)


@dataclass(frozen=True)
class Breakdown:
    """A quarterly total with its working, as a sheet shows it."""

    common: Decimal
    monthly_average: Decimal | None  # None while the quarter has no monthly score
    individual: Decimal
    bonus: Decimal  # after one-matter-once and the cap
    bonus_uncapped: Decimal
    deduction: Decimal  # a positive number of points taken off
    total: Decimal

    @property
    def complete(self) -> bool:
        return self.monthly_average is not None


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def monthly_average(monthly_scores: Sequence[Decimal]) -> Decimal | None:
    """The quarter's average monthly performance score, unrounded; None when there is none yet."""
    if not monthly_scores:
        return None
    return sum(monthly_scores, ZERO) / Decimal(len(monthly_scores))


def matters_once(events: Iterable[tuple[Hashable, Decimal]]) -> tuple[Decimal, Decimal]:
    """One matter counts once, at the higher value (同一考核事项…只记一次，分值就高不就低).

    Events are grouped by their matter; in each group the bonuses keep their single largest bonus and the
    deductions their single largest deduction. Returns (bonus total, deduction total), both positive.
    """
    best_bonus: dict[Hashable, Decimal] = {}
    best_deduction: dict[Hashable, Decimal] = {}
    for matter, points in events:
        if points > 0:
            best_bonus[matter] = max(best_bonus.get(matter, ZERO), points)
        elif points < 0:
            best_deduction[matter] = max(best_deduction.get(matter, ZERO), -points)
    return sum(best_bonus.values(), ZERO), sum(best_deduction.values(), ZERO)


def quarterly_breakdown(
    *,
    common_points: Decimal,
    monthly_scores: Sequence[Decimal],
    events: Iterable[tuple[Hashable, Decimal]],
    params: ScoringParams,
) -> Breakdown:
    """The total and its parts. With no monthly score yet the individual part is 0 and the sheet incomplete."""
    if common_points < 0:
        raise ValueError("common_points cannot be negative")
    for score in monthly_scores:
        if not ZERO <= score <= params.monthly_max:
            raise ValueError(f"a monthly score must lie between 0 and {params.monthly_max}: {score}")
    average = monthly_average(monthly_scores)
    individual = ZERO if average is None else round2(average * params.individual_weight)
    bonus_uncapped, deduction = matters_once(events)
    bonus = min(bonus_uncapped, params.bonus_cap)
    common = round2(common_points)
    bonus, deduction = round2(bonus), round2(deduction)
    total = max(ZERO, common + individual + bonus - deduction)
    return Breakdown(
        common=common,
        monthly_average=None if average is None else round2(average),
        individual=individual,
        bonus=bonus,
        bonus_uncapped=round2(bonus_uncapped),
        deduction=deduction,
        total=round2(total),
    )


def quarterly_total(
    *,
    common_points: Decimal,
    monthly_scores: Sequence[Decimal],
    events: Iterable[tuple[Hashable, Decimal]],
    params: ScoringParams,
) -> Decimal:
    """The quarterly total: common + average monthly × individual_weight + capped bonus − deductions, ≥ 0.

    ``events`` are ``(matter_key, points)`` pairs, bonuses positive and deductions negative.
    """
    return quarterly_breakdown(
        common_points=common_points, monthly_scores=monthly_scores, events=events, params=params
    ).total


def eligible_grade(total: Decimal, *, params: ScoringParams, vetoed: bool = False) -> str:
    """The best grade a total allows (domain.md §5). 好 also needs a quota place, which is not decided here.

    A veto item (一票否优) bars 好 whatever the score; below the ordinary threshold the grade must be 较差.
    """
    if total >= params.good_threshold and not vetoed:
        return GOOD
    if total >= params.fair_threshold:
        return FAIR
    if total >= params.ordinary_threshold:
        return ORDINARY
    return POOR
