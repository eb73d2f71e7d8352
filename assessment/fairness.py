"""Fairness measures (domain.md §9, seed 003 §二(一), §三(四)): what makes routine assessment fail, measured per
section, reviewer and unit. Pure functions over plain values with exact arithmetic; every threshold is a
parameter. Nothing here changes a grade: the figures inform the people who decide.

The functions filter nothing: the caller leaves out the people who could not have been graded 好 (a veto) before
calling. Rates are exact (``Fraction``) and unrounded; only ``leniency``, a difference of points shown to people,
is rounded, half-up to two places as points are everywhere else.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def inversion_rate(rows: Iterable[tuple[Decimal, bool]]) -> Fraction | None:
    """Over every pair of one person graded 好 and one not, in one section and quarter, the share of pairs where
    the one not graded 好 has the strictly higher total (equal totals are no inversion). ``None`` when there is
    no such pair. ``rows`` are ``(total, good)``."""
    good: list[Decimal] = []
    other: list[Decimal] = []
    for total, is_good in rows:
        (good if is_good else other).append(total)
    if not good or not other:
        return None
    other.sort()
    above: int = sum((len(other) - bisect_right(other, total) for total in good), 0)
    return Fraction(above, len(good) * len(other))


def turn_taking(grants: Iterable[Collection[Hashable]]) -> Fraction | None:
    """Distinct people graded 好 divided by the 好 grades given, over one section's quarters (轮流坐庄): 1 means
    nobody had it twice. ``grants`` holds, per quarter, the keys of the people graded 好. ``None`` when none was
    given."""
    distinct: set[Hashable] = set()
    given = 0
    for quarter in grants:
        keys = set(quarter)
        distinct |= keys
        given += len(keys)
    return Fraction(len(distinct), given) if given else None


def rotation_suspected(
    quarters: Iterable[Iterable[tuple[Hashable, Decimal, bool]]],
    *,
    min_quarters: int = 3,
    min_inversion: Decimal | Fraction | str = Decimal("0.25"),
) -> bool:
    """A section takes turns at 好 when at least ``min_quarters`` quarters gave a 好, nobody was graded 好 in two
    of them, and the mean of the quarters' defined inversion rates is at least ``min_inversion``: the places went
    round regardless of the totals. ``quarters`` holds, per quarter, ``(person_key, total, good)`` rows."""
    grants: list[set[Hashable]] = []
    rates: list[Fraction] = []
    for rows in quarters:
        rows = list(rows)
        granted = {key for key, _, good in rows if good}
        if granted:
            grants.append(granted)
        rate = inversion_rate((total, good) for _, total, good in rows)
        if rate is not None:
            rates.append(rate)
    if len(grants) < min_quarters or turn_taking(grants) != 1 or not rates:
        return False
    return sum(rates, Fraction(0)) / len(rates) >= Fraction(min_inversion)


def _mean(values: Sequence[Decimal]) -> Fraction:
    return sum((Fraction(value) for value in values), Fraction(0)) / len(values)


def half_up(value: Fraction, places: Decimal = CENT) -> Decimal:
    """``value`` rounded half-up (ties away from zero, as ``Decimal`` does) to ``places``, exactly."""
    scaled = abs(value) / Fraction(places)
    whole = math.floor(scaled + Fraction(1, 2))
    rounded = Decimal(whole) * places
    return -rounded if value < 0 else rounded


def leniency(own: Sequence[Decimal], others: Sequence[Decimal]) -> Decimal | None:
    """How much more a reviewer gives: the mean of ``own`` (the common-indicator points this reviewer gave) minus
    the mean of ``others`` (those the unit's other reviewers gave), rounded half-up to two places. ``None`` when
    either is empty."""
    if not own or not others:
        return None
    return half_up(_mean(own) - _mean(others)).quantize(CENT)


# The unit rating (平时考核工作评价).


@dataclass(frozen=True)
class Rating:
    """A unit's rating for a year: the score out of 100 over the measures that could be judged, and the measures
    left out because there was not enough to judge them."""

    score: Decimal
    judged: tuple[str, ...]
    not_judged: tuple[str, ...]


def unit_rating(measures: Mapping[str, Decimal | Fraction | None], *, weights: Mapping[str, Decimal]) -> Rating | None:
    """The weighted mean of a unit's measures, each a share from 0 (worst) to 1 (best), as a score out of 100
    rounded half-up to two places. A measure that is ``None`` (not enough to judge) is left out and the weights of
    the rest carry the score; a measure with weight 0 counts for nothing. ``None`` when nothing could be judged."""
    shares = {
        name: Fraction(value)
        for name, weight in weights.items()
        if weight > 0 and (value := measures.get(name)) is not None
    }
    judged = list(shares)
    if not judged:
        return None
    total_weight = sum((Fraction(weights[name]) for name in judged), Fraction(0))
    weighted = sum((Fraction(weights[name]) * share for name, share in shares.items()), Fraction(0))
    left_out = tuple(name for name, weight in weights.items() if weight > 0 and name not in judged)
    return Rating(score=half_up(100 * weighted / total_weight), judged=tuple(judged), not_judged=left_out)


def suggested_ratio(score: Decimal, *, low: Decimal, high: Decimal, step: Decimal = Decimal("0.01")) -> Decimal:
    """Next year's 优秀 ratio suggested by a rating: the band from ``low`` (a score of 0) to ``high`` (100),
    linear between, rounded down to ``step`` so the suggestion never exceeds what the score earned (seed 003:
    最高上浮至35%，最低降至15%)."""
    share = min(max(Fraction(score) / 100, Fraction(0)), Fraction(1))
    raw = Fraction(low) + (Fraction(high) - Fraction(low)) * share
    steps = math.floor(raw / Fraction(step))
    return max(min(Decimal(steps) * step, high), low).quantize(step, rounding=ROUND_FLOOR)
