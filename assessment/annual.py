"""The annual assessment rules (domain.md §6, seed 002 §六(一)). Pure functions over plain values.

From the year's quarterly grades (好 / 较好 / 一般 / 较差):

- 优秀 candidates have no 一般 or 较差, and 好 in at least ``min_good_share`` of the quarters they were
  assessed in (someone who joined mid-year may have fewer than four);
- 一般 and 较差 together in more than half of the quarters: in principle 基本称职 or 不称职;
- every quarter 较差: 不称职 may be given directly;
- everyone else: 称职.

A grade may be lowered below the suggestion with a written reason, never raised above its ceiling: 优秀
needs eligibility (and a place), and more than half poor quarters cap the grade at 基本称职.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

GOOD, FAIR, ORDINARY, POOR = "好", "较好", "一般", "较差"
QUARTER_GRADES = (GOOD, FAIR, ORDINARY, POOR)

EXCELLENT = "优秀"
COMPETENT = "称职"
BASIC = "基本称职"
INCOMPETENT = "不称职"
# Best first.
ANNUAL_GRADES = (EXCELLENT, COMPETENT, BASIC, INCOMPETENT)

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class AnnualSuggestion:
    """What the quarters suggest; the committee decides within ``allowed``."""

    grade: str  # 称职, 基本称职 or 不称职
    excellent_eligible: bool
    quarters: int  # quarters assessed
    goods: int  # quarters graded 好
    poor_quarters: int  # quarters graded 一般 or 较差

    @property
    def ceiling(self) -> str:
        """The best grade the rules allow."""
        if self.excellent_eligible:
            return EXCELLENT
        return BASIC if self.grade in (BASIC, INCOMPETENT) else COMPETENT

    @property
    def allowed(self) -> tuple[str, ...]:
        """Every grade the committee may give: the ceiling and everything below it."""
        return ANNUAL_GRADES[ANNUAL_GRADES.index(self.ceiling) :]


def suggest_annual(quarter_grades: Sequence[str], /, *, min_good_share: Decimal = Decimal("0.5")) -> AnnualSuggestion:
    """The suggested annual grade and 优秀 eligibility from the quarters a person was assessed in.

    With no quarter at all there is nothing to go on: 称职, not eligible for 优秀 (whether such a person
    is assessed at all is decided by the no-grade rules, not here).
    """
    unknown = [g for g in quarter_grades if g not in QUARTER_GRADES]
    if unknown:
        raise ValueError(f"not a quarterly grade: {unknown[0]!r}")
    if not ZERO <= min_good_share <= ONE:
        raise ValueError("min_good_share is a fraction between 0 and 1")
    quarters = len(quarter_grades)
    goods = sum(1 for g in quarter_grades if g == GOOD)
    poor = sum(1 for g in quarter_grades if g in (ORDINARY, POOR))
    if quarters and all(g == POOR for g in quarter_grades):
        grade = INCOMPETENT
    elif 2 * poor > quarters:
        grade = BASIC
    else:
        grade = COMPETENT
    # Compared as goods ≥ share × quarters in exact arithmetic: 2 of 4 is half, 1 of 3 is not.
    eligible = quarters > 0 and poor == 0 and Decimal(goods) >= min_good_share * quarters
    return AnnualSuggestion(
        grade=grade, excellent_eligible=eligible, quarters=quarters, goods=goods, poor_quarters=poor
    )


def annual_score(
    quarter_scores: Sequence[Decimal],
    *,
    special: Decimal | None,
    review: Decimal | None,
    routine_weight: Decimal,
    special_weight: Decimal,
) -> Decimal | None:
    """routine_weight × the average quarterly score + special_weight × the special-assessment score + the
    rest (1 − both weights) × the annual-review score, to two places half-up. None while a part is missing."""
    if not (routine_weight >= ZERO and special_weight >= ZERO and routine_weight + special_weight <= ONE):
        raise ValueError("the weights are fractions that add up to at most 1")
    review_weight = ONE - routine_weight - special_weight
    if not quarter_scores:
        return None
    if (special is None and special_weight) or (review is None and review_weight):
        return None
    average = sum(quarter_scores, ZERO) / Decimal(len(quarter_scores))
    total = routine_weight * average + special_weight * (special or ZERO) + review_weight * (review or ZERO)
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def excellent_places(*, ratio: Decimal, graded: int) -> int:
    """floor(ratio × people graded), exactly: 20% of 23 is 4 places."""
    if graded <= 0 or ratio <= ZERO:
        return 0
    return int((ratio * graded).to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class Candidate:
    key: object
    goods: int
    annual_score: Decimal | None
    average_quarterly: Decimal | None
    post_order: int


def candidate_order(candidate: Candidate) -> tuple[int, Decimal, Decimal, int]:
    """How 优秀 candidates are ranked (the documented tie rule):

    1. more quarters graded 好 first ("好等次较多");
    2. then the higher annual score (a missing score ranks last);
    3. then the higher average quarterly score;
    4. then the unit's post order (职务排序), lowest first, so the ranking is total and repeatable.
    """
    missing = Decimal("-1")
    return (
        -candidate.goods,
        -(candidate.annual_score if candidate.annual_score is not None else missing),
        -(candidate.average_quarterly if candidate.average_quarterly is not None else missing),
        candidate.post_order,
    )


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    rank: int  # 1-based
    within_places: bool
    tied_at_cut: bool  # ranks level with the last place on goods and both scores: the committee decides


def rank_candidates(candidates: Sequence[Candidate], *, places: int) -> list[Ranked]:
    ordered = sorted(candidates, key=candidate_order)
    cut = ordered[places - 1] if 0 < places <= len(ordered) else None
    cut_key = candidate_order(cut)[:3] if cut is not None else None
    beyond = ordered[places] if 0 < places < len(ordered) else None
    tie_at_cut = beyond is not None and candidate_order(beyond)[:3] == cut_key
    return [
        Ranked(
            candidate=c,
            rank=i,
            within_places=i <= places,
            tied_at_cut=tie_at_cut and candidate_order(c)[:3] == cut_key,
        )
        for i, c in enumerate(ordered, start=1)
    ]


# Consequences (domain.md §6, §7): listed for the organisation department, never acted on here.
COMMENDATION = "commendation"  # 嘉奖
MERIT = "merit"  # 三等功
ADMONITION = "admonition"  # 诫勉谈话
DISMISSAL_REVIEW = "dismissal_review"  # 辞退审查


@dataclass(frozen=True)
class ConsequenceRules:
    merit_after: int = 3  # 优秀 this many years in a row (then counted afresh)
    dismissal_after: int = 2  # 不称职 this many years in a row


def _streak(history: Mapping[int, str], year: int, grade: str) -> int:
    n = 0
    while history.get(year - n) == grade:
        n += 1
    return n


def consequences(history: Mapping[int, str], year: int, *, rules: ConsequenceRules | None = None) -> list[str]:
    """What a person's final annual grades (year → grade) call for in ``year``."""
    rules = rules or ConsequenceRules()
    grade = history.get(year)
    found = []
    if grade == EXCELLENT:
        found.append(COMMENDATION)
        # Every full run of ``merit_after`` years: the third year, then the sixth, not every year after.
        if rules.merit_after and _streak(history, year, EXCELLENT) % rules.merit_after == 0:
            found.append(MERIT)
    if grade == BASIC:
        found.append(ADMONITION)
    if grade == INCOMPETENT and _streak(history, year, INCOMPETENT) >= rules.dismissal_after:
        found.append(DISMISSAL_REVIEW)
    return found


def ratio_in_band(ratio: Decimal, *, low: Decimal, high: Decimal) -> bool:
    return low <= ratio <= high


def more_than_half(days: int, *, of: int, share: Decimal = Decimal("0.5")) -> bool:
    """Leave of more than ``share`` of the year (exact: 183 of 365 days is more than half)."""
    return Decimal(days) > share * of
