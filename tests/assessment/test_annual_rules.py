"""The annual rules of domain.md §6 as a table, with the edges (fewer than four quarters, exact halves)."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment import annual
from assessment.annual import (
    Candidate,
    annual_score,
    consequences,
    excellent_places,
    more_than_half,
    rank_candidates,
    suggest_annual,
)

# quarters, suggested grade, eligible for 优秀
TABLE = [
    (["好", "好", "好", "好"], "称职", True),
    (["好", "好", "较好", "较好"], "称职", True),  # 好 in exactly half
    (["好", "较好", "较好", "较好"], "称职", False),  # 好 in a quarter only
    (["好", "好", "好", "一般"], "称职", False),  # any 一般 excludes 优秀
    (["好", "好", "好", "较差"], "称职", False),
    (["较好", "较好", "较好", "较好"], "称职", False),
    (["一般", "一般", "较好", "较好"], "称职", False),  # exactly half is not more than half
    (["一般", "一般", "一般", "较好"], "基本称职", False),
    (["一般", "较差", "较差", "好"], "基本称职", False),  # 一般 and 较差 together
    (["较差", "较差", "较差", "一般"], "基本称职", False),  # not every quarter 较差
    (["较差", "较差", "较差", "较差"], "不称职", False),
    # Fewer than four quarters (joined mid-year).
    (["好"], "称职", True),
    (["较好"], "称职", False),
    (["好", "较好"], "称职", True),
    (["好", "较好", "较好"], "称职", False),  # 1 of 3 is less than half
    (["好", "好", "较好"], "称职", True),
    (["一般", "较好"], "称职", False),
    (["一般", "较差", "较好"], "基本称职", False),  # 2 of 3
    (["较差"], "不称职", False),
    (["较差", "较差"], "不称职", False),
]


@pytest.mark.parametrize(("quarters", "grade", "eligible"), TABLE)
def test_the_rules_table_of_domain_6(quarters, grade, eligible):
    suggestion = suggest_annual(quarters)
    assert (suggestion.grade, suggestion.excellent_eligible) == (grade, eligible)


def test_the_share_of_good_quarters_is_a_parameter():
    assert not suggest_annual(["好", "好", "较好", "较好"], min_good_share=D("0.75")).excellent_eligible
    assert suggest_annual(["好", "好", "好", "较好"], min_good_share=D("0.75")).excellent_eligible
    assert suggest_annual(["好", "较好", "较好", "较好"], min_good_share=D("0.25")).excellent_eligible


def test_the_first_argument_is_positional_only():
    with pytest.raises(TypeError):
        suggest_annual(quarter_grades=["好"])


def test_no_quarter_gives_nothing_to_go_on():
    suggestion = suggest_annual([])
    assert (suggestion.grade, suggestion.excellent_eligible, suggestion.quarters) == ("称职", False, 0)


def test_an_unknown_grade_is_refused():
    with pytest.raises(ValueError, match="优秀"):
        suggest_annual(["好", "优秀"])


def test_the_committee_may_lower_but_never_raise_past_the_ceiling():
    assert suggest_annual(["好", "好", "好", "好"]).allowed == ("优秀", "称职", "基本称职", "不称职")
    assert suggest_annual(["较好"] * 4).allowed == ("称职", "基本称职", "不称职")
    # More than half poor: in principle 基本称职 or 不称职.
    assert suggest_annual(["一般", "一般", "一般", "较好"]).allowed == ("基本称职", "不称职")
    # Every quarter 较差: 不称职 directly, 基本称职 still open to the committee.
    assert suggest_annual(["较差"] * 4).allowed == ("基本称职", "不称职")


@given(st.lists(st.sampled_from(annual.QUARTER_GRADES), min_size=1, max_size=4))
def test_suggestions_hold_their_invariants(quarters):
    s = suggest_annual(quarters)
    poor = sum(g in ("一般", "较差") for g in quarters)
    assert s.grade in ("称职", "基本称职", "不称职")
    assert s.grade in s.allowed
    if s.excellent_eligible:
        assert poor == 0
        assert s.grade == "称职"
    if 2 * poor > len(quarters):
        assert s.grade != "称职"
        assert "称职" not in s.allowed
    assert (s.grade == "不称职") == all(g == "较差" for g in quarters)
    # The order of the quarters never matters.
    assert suggest_annual(list(reversed(quarters))) == s


def test_the_annual_score_weighs_the_three_parts():
    # 0.6 × 91 + 0.1 × 88 + 0.3 × 95 = 54.6 + 8.8 + 28.5
    score = annual_score(
        [D("90"), D("92")], special=D("88"), review=D("95"), routine_weight=D("0.6"), special_weight=D("0.1")
    )
    assert score == D("91.90")
    # 40% from the quarters (seed 004): 0.4 × 91 + 0.1 × 88 + 0.5 × 95
    assert annual_score(
        [D("90"), D("92")], special=D("88"), review=D("95"), routine_weight=D("0.4"), special_weight=D("0.1")
    ) == D("92.70")


def test_the_annual_score_waits_for_missing_parts():
    kw = {"routine_weight": D("0.6"), "special_weight": D("0.1")}
    assert annual_score([D("90")], special=None, review=D("90"), **kw) is None
    assert annual_score([D("90")], special=D("90"), review=None, **kw) is None
    assert annual_score([], special=D("90"), review=D("90"), **kw) is None
    # A part weighted zero is not needed.
    assert annual_score([D("90")], special=None, review=None, routine_weight=D("1"), special_weight=D("0")) == D(
        "90.00"
    )
    with pytest.raises(ValueError, match="weights"):
        annual_score([D("90")], special=D("1"), review=D("1"), routine_weight=D("0.8"), special_weight=D("0.3"))


@pytest.mark.parametrize(
    ("ratio", "graded", "places"),
    [
        ("0.20", 100, 20),
        ("0.29", 100, 29),
        ("0.20", 23, 4),
        ("0.12", 25, 3),
        ("0.30", 9, 2),
        ("0.20", 4, 0),
        ("0", 50, 0),
    ],
)
def test_places_of_excellent_are_floored_exactly(ratio, graded, places):
    assert excellent_places(ratio=D(ratio), graded=graded) == places


def test_candidates_rank_by_goods_then_score_then_post_order():
    a = Candidate("a", goods=3, annual_score=D("90"), average_quarterly=D("91"), post_order=5)
    b = Candidate("b", goods=4, annual_score=D("85"), average_quarterly=D("88"), post_order=9)
    c = Candidate("c", goods=3, annual_score=D("92"), average_quarterly=D("90"), post_order=7)
    d = Candidate("d", goods=3, annual_score=None, average_quarterly=D("99"), post_order=1)
    ranked = rank_candidates([a, b, c, d], places=2)
    assert [r.candidate.key for r in ranked] == ["b", "c", "a", "d"]
    assert [r.within_places for r in ranked] == [True, True, False, False]
    assert not any(r.tied_at_cut for r in ranked)


def test_a_tie_at_the_last_place_is_flagged_for_the_committee():
    a = Candidate("a", goods=3, annual_score=D("90"), average_quarterly=D("91"), post_order=5)
    b = Candidate("b", goods=3, annual_score=D("90"), average_quarterly=D("91"), post_order=2)
    c = Candidate("c", goods=4, annual_score=D("80"), average_quarterly=D("80"), post_order=9)
    ranked = rank_candidates([a, b, c], places=2)
    assert [r.candidate.key for r in ranked] == ["c", "b", "a"]  # post order decides, repeatably
    assert [r.tied_at_cut for r in ranked] == [False, True, True]


def test_consequences_are_listed_from_the_history():
    assert consequences({2025: "优秀"}, 2025) == [annual.COMMENDATION]
    assert consequences({2023: "优秀", 2024: "优秀", 2025: "优秀"}, 2025) == [annual.COMMENDATION, annual.MERIT]
    assert consequences({2022: "优秀", 2024: "优秀", 2025: "优秀"}, 2025) == [annual.COMMENDATION]
    # The fourth year in a row starts a new run: merit again only in the sixth.
    run = dict.fromkeys(range(2020, 2026), "优秀")
    assert consequences(run, 2023) == [annual.COMMENDATION]
    assert consequences(run, 2025) == [annual.COMMENDATION, annual.MERIT]
    assert consequences({2025: "基本称职"}, 2025) == [annual.ADMONITION]
    assert consequences({2024: "不称职", 2025: "不称职"}, 2025) == [annual.DISMISSAL_REVIEW]
    assert consequences({2023: "不称职", 2025: "不称职"}, 2025) == []
    assert consequences({2025: "称职"}, 2025) == []
    rules = annual.ConsequenceRules(merit_after=2)
    assert annual.MERIT in consequences({2024: "优秀", 2025: "优秀"}, 2025, rules=rules)


def test_leave_of_more_than_half_the_year_is_exact():
    assert not more_than_half(182, of=365)
    assert more_than_half(183, of=365)
    assert not more_than_half(183, of=366)
    assert more_than_half(100, of=365, share=D("0.25"))
