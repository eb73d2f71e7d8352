from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.rules import (
    FAIR,
    GOOD,
    ORDINARY,
    POOR,
    ScoringParams,
    eligible_grade,
    matters_once,
    quarterly_breakdown,
    quarterly_total,
)

DEFAULTS = ScoringParams()


def test_the_worked_example_of_the_rulebook_gives_94_67():
    total = quarterly_total(
        common_points=D("55.5"),
        monthly_scores=[D("92"), D("88"), D("95")],
        events=[("A", D("2")), ("A", D("3")), ("B", D("1.5")), ("C", D("-1")), ("C", D("-2"))],
        params=ScoringParams(individual_weight=D("0.40"), bonus_cap=D("5")),
    )
    assert total == D("94.67")


def test_the_worked_example_shows_its_working():
    parts = quarterly_breakdown(
        common_points=D("55.5"),
        monthly_scores=[D("92"), D("88"), D("95")],
        events=[("A", D("2")), ("A", D("3")), ("B", D("1.5")), ("C", D("-1")), ("C", D("-2"))],
        params=DEFAULTS,
    )
    assert (parts.common, parts.individual, parts.bonus, parts.deduction) == (
        D("55.50"),
        D("36.67"),
        D("4.50"),
        D("2.00"),
    )
    assert parts.monthly_average == D("91.67")
    assert parts.common + parts.individual + parts.bonus - parts.deduction == parts.total


def test_one_matter_counts_once_at_the_higher_value():
    assert matters_once([("A", D("2")), ("A", D("3")), ("A", D("1"))]) == (D("3"), D("0"))
    assert matters_once([("C", D("-1")), ("C", D("-2"))]) == (D("0"), D("2"))
    # a matter with a bonus and a deduction keeps the largest of each
    assert matters_once([("M", D("2")), ("M", D("-1")), ("M", D("-3"))]) == (D("2"), D("3"))


def test_bonuses_are_capped_but_deductions_are_not():
    parts = quarterly_breakdown(
        common_points=D("60"),
        monthly_scores=[D("100")],
        events=[("A", D("3")), ("B", D("3")), ("C", D("-7"))],
        params=DEFAULTS,
    )
    assert parts.bonus_uncapped == D("6.00")
    assert parts.bonus == D("5.00")
    assert parts.total == D("98.00")


def test_the_cap_and_weight_are_parameters():
    params = ScoringParams(individual_weight=D("0.30"), bonus_cap=D("3"))
    total = quarterly_total(common_points=D("70"), monthly_scores=[D("90")], events=[("A", D("5"))], params=params)
    assert total == D("100.00")  # 70 + 27 + 3


def test_the_total_never_falls_below_zero():
    assert quarterly_total(
        common_points=D("1"), monthly_scores=[D("0")], events=[("X", D("-30"))], params=DEFAULTS
    ) == D("0.00")


def test_a_quarter_without_monthly_scores_is_incomplete_not_an_error():
    parts = quarterly_breakdown(common_points=D("50"), monthly_scores=[], events=[], params=DEFAULTS)
    assert not parts.complete
    assert parts.individual == D("0")
    assert parts.total == D("50.00")


def test_half_up_rounding_to_two_places():
    # average 80.00833…  × 0.40 = 32.00333… → 32.00;  average 83.3375 × 0.40 = 33.335 → 33.34 (half up)
    assert quarterly_breakdown(
        common_points=D("0"), monthly_scores=[D("83.3375")], events=[], params=DEFAULTS
    ).individual == D("33.34")


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ({"monthly_scores": [D("101")]}, "monthly score"),
        ({"monthly_scores": [D("-1")]}, "monthly score"),
        ({"common_points": D("-0.01")}, "common_points"),
    ],
)
def test_impossible_inputs_are_refused(bad, match):
    args = {"common_points": D("50"), "monthly_scores": [D("90")], "events": [], "params": DEFAULTS, **bad}
    with pytest.raises(ValueError, match=match):
        quarterly_total(**args)


@pytest.mark.parametrize(
    ("total", "vetoed", "grade"),
    [
        (D("90"), False, GOOD),
        (D("90"), True, FAIR),
        (D("89.99"), False, FAIR),
        (D("80"), False, FAIR),
        (D("79.99"), False, ORDINARY),
        (D("60"), False, ORDINARY),
        (D("59.99"), False, POOR),
        (D("0"), False, POOR),
        (D("105"), False, GOOD),
    ],
)
def test_the_thresholds_of_the_eligible_grade(total, vetoed, grade):
    assert eligible_grade(total, params=DEFAULTS, vetoed=vetoed) == grade


def test_the_thresholds_are_parameters():
    strict = ScoringParams(good_threshold=D("95"), fair_threshold=D("85"), ordinary_threshold=D("70"))
    assert eligible_grade(D("94"), params=strict) == FAIR
    assert eligible_grade(D("69.99"), params=strict) == POOR


def test_params_refuse_nonsense():
    with pytest.raises(ValueError, match="fraction"):
        ScoringParams(individual_weight=D("40"))
    with pytest.raises(ValueError, match="thresholds"):
        ScoringParams(good_threshold=D("50"))


# Property tests -----------------------------------------------------------------------------------------

points = st.decimals(min_value=D("-10"), max_value=D("10"), places=2, allow_nan=False, allow_infinity=False)
events_strategy = st.lists(st.tuples(st.sampled_from("ABCDE"), points), max_size=12)
monthly = st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=0, max_size=3)
common = st.decimals(min_value=0, max_value=60, places=2)
weights = st.decimals(min_value=0, max_value=1, places=2)
caps = st.decimals(min_value=0, max_value=10, places=1)


@given(common=common, months=monthly, events=events_strategy, data=st.data())
def test_the_total_never_depends_on_the_order_of_events(common, months, events, data):
    shuffled = data.draw(st.permutations(events))
    a = quarterly_total(common_points=common, monthly_scores=months, events=events, params=DEFAULTS)
    b = quarterly_total(common_points=common, monthly_scores=months, events=shuffled, params=DEFAULTS)
    assert a == b


@given(months=monthly, events=events_strategy, weight=weights, cap=caps, data=st.data())
def test_the_total_stays_between_zero_and_a_hundred_plus_the_cap(months, events, weight, cap, data):
    params = ScoringParams(individual_weight=weight, bonus_cap=cap)
    # the common and distinctive items hold what the individual part leaves of the hundred
    common_max = D("100") - params.individual_max
    common_points = data.draw(st.decimals(min_value=0, max_value=common_max, places=2))
    total = quarterly_total(common_points=common_points, monthly_scores=months, events=events, params=params)
    assert D("0") <= total <= D("100") + cap
    assert total == total.quantize(D("0.01"))


@given(common=common, months=monthly, events=events_strategy)
def test_the_parts_always_add_up_to_the_total_unless_floored(common, months, events):
    parts = quarterly_breakdown(common_points=common, monthly_scores=months, events=events, params=DEFAULTS)
    raw = parts.common + parts.individual + parts.bonus - parts.deduction
    assert parts.total == max(D("0"), raw)


@given(common=common, months=monthly, events=events_strategy.filter(bool))
def test_repeating_an_event_of_a_matter_changes_nothing(common, months, events):
    doubled = [*events, events[0]]
    assert quarterly_total(common_points=common, monthly_scores=months, events=doubled, params=DEFAULTS) == (
        quarterly_total(common_points=common, monthly_scores=months, events=events, params=DEFAULTS)
    )
