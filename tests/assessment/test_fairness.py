from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.fairness import (
    inversion_rate,
    leniency,
    rotation_suspected,
    suggested_ratio,
    turn_taking,
    unit_rating,
)

totals = st.decimals(min_value=D("0"), max_value=D("100"), places=2, allow_nan=False, allow_infinity=False)
sections = st.lists(st.tuples(totals, st.booleans()), min_size=0, max_size=30)


def _graded_by_total(values: list[D], good: int, *, highest: bool) -> list[tuple[D, bool]]:
    ordered = sorted(values, reverse=highest)
    return [(total, index < good) for index, total in enumerate(ordered)]


def test_an_inversion_is_a_pair_where_the_one_left_out_scored_strictly_higher():
    rows = [(D("90"), True), (D("95"), False), (D("80"), False), (D("90"), False)]
    # pairs (90 good, 95) inverted, (90, 80) not, (90, 90) equal: not an inversion
    assert inversion_rate(rows) == Fraction(1, 3)


def test_there_is_no_inversion_rate_without_a_pair():
    assert inversion_rate([]) is None
    assert inversion_rate([(D("90"), True), (D("80"), True)]) is None
    assert inversion_rate([(D("90"), False)]) is None


@given(st.lists(totals, min_size=2, max_size=30, unique=True), st.data())
def test_no_inversion_when_good_went_to_the_highest_totals_and_all_when_it_went_to_the_lowest(values, data):
    good = data.draw(st.integers(min_value=1, max_value=len(values) - 1))
    assert inversion_rate(_graded_by_total(values, good, highest=True)) == 0
    assert inversion_rate(_graded_by_total(values, good, highest=False)) == 1


@given(sections, st.randoms(use_true_random=False))
def test_the_inversion_rate_does_not_depend_on_row_order(rows, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    assert inversion_rate(shuffled) == inversion_rate(rows)


@given(sections)
def test_the_inversion_rate_counts_exactly_the_inverted_pairs(rows):
    pairs = [(g, o) for g, good in rows if good for o, other_good in rows if not other_good]
    expected = Fraction(sum(o > g for g, o in pairs), len(pairs)) if pairs else None
    rate = inversion_rate(rows)
    assert rate == expected
    assert rate is None or 0 <= rate <= 1


def test_turn_taking_is_distinct_people_over_grades_given():
    assert turn_taking([{"a"}, {"b"}, {"c"}]) == 1
    assert turn_taking([{"a", "b"}, {"a"}, {"a", "c"}]) == Fraction(3, 5)
    assert turn_taking([set(), set()]) is None
    assert turn_taking([]) is None


@given(st.lists(st.sets(st.integers(0, 20), max_size=6), max_size=8))
def test_turn_taking_is_one_exactly_when_nobody_had_good_twice(grants):
    rate = turn_taking(grants)
    given_ = sum(len(quarter) for quarter in grants)
    if not given_:
        assert rate is None
        return
    seen_twice = any(a & b for i, a in enumerate(grants) for b in grants[i + 1 :])
    assert (rate == 1) is not seen_twice
    assert 0 < rate <= 1


def _quarter(totals_by_person: dict[str, str], good: set[str]) -> list[tuple[str, D, bool]]:
    return [(key, D(total), key in good) for key, total in totals_by_person.items()]


SCORES = {"a": "95", "b": "90", "c": "85", "d": "80"}


def test_a_section_handing_good_round_regardless_of_totals_is_suspected():
    quarters = [_quarter(SCORES, {"d"}), _quarter(SCORES, {"c"}), _quarter(SCORES, {"b"}), _quarter(SCORES, {"a"})]
    # inversions: d 3/3, c 2/3, b 1/3, a 0/3 -> mean 1/2
    assert rotation_suspected(quarters) is True
    assert rotation_suspected(quarters, min_inversion=D("0.5")) is True
    assert rotation_suspected(quarters, min_inversion=D("0.51")) is False
    assert rotation_suspected(quarters, min_quarters=5) is False


def test_a_section_giving_good_twice_to_one_person_or_to_the_best_is_not_suspected():
    twice = [_quarter(SCORES, {"d"}), _quarter(SCORES, {"c"}), _quarter(SCORES, {"d"})]
    assert rotation_suspected(twice) is False
    deserved = [
        _quarter({"a": "95", "b": "80"}, {"a"}),
        _quarter({"a": "80", "b": "95"}, {"b"}),
        _quarter({"c": "99", "d": "70"}, {"c"}),
    ]
    assert turn_taking([{"a"}, {"b"}, {"c"}]) == 1
    assert rotation_suspected(deserved) is False  # round, but each time to the best


def test_quarters_without_a_good_neither_count_nor_pull_the_mean():
    quiet = _quarter(SCORES, set())
    quarters = [_quarter(SCORES, {"d"}), quiet, _quarter(SCORES, {"c"}), quiet, _quarter(SCORES, {"b"})]
    assert rotation_suspected(quarters) is True  # mean of 1, 2/3, 1/3 = 2/3
    assert rotation_suspected(quarters[:3]) is False  # only two quarters gave a 好


def test_leniency_is_the_difference_of_means_rounded_half_up():
    assert leniency([D("30"), D("29")], [D("28"), D("27"), D("28")]) == D("1.83")
    assert leniency([D("27")], [D("28"), D("28.005")]) == D("-1.00")  # -1.0025 -> -1.00
    assert leniency([D("1.005")], [D("0")]) == D("1.01")  # half-up, not to even
    assert leniency([D("0")], [D("1.005")]) == D("-1.01")
    assert leniency([], [D("1")]) is None
    assert leniency([D("1")], []) is None


@given(st.lists(totals, min_size=1, max_size=20), st.lists(totals, min_size=1, max_size=20))
def test_leniency_is_antisymmetric_and_exact(own, others):
    forwards = leniency(own, others)
    assert forwards == -leniency(others, own)
    exact = Fraction(sum(own)) / len(own) - Fraction(sum(others)) / len(others)
    assert abs(Fraction(forwards) - exact) <= Fraction(1, 200)
    assert forwards.as_tuple().exponent == -2


def test_the_unit_rating_weighs_what_can_be_judged():
    weights = {"deadlines": D("2"), "records": D("1"), "rotation": D("1"), "unused": D("0")}
    rating = unit_rating(
        {"deadlines": D("1"), "records": D("0.5"), "rotation": None, "unused": D("0")}, weights=weights
    )
    assert rating.score == D("83.33")
    assert rating.judged == ("deadlines", "records")
    assert rating.not_judged == ("rotation",)
    assert unit_rating({"deadlines": None}, weights=weights) is None


@pytest.mark.parametrize(
    ("score", "ratio"),
    [(D("0"), D("0.15")), (D("50"), D("0.25")), (D("100"), D("0.35")), (D("83.33"), D("0.31")), (D("120"), D("0.35"))],
)
def test_the_suggested_ratio_moves_within_the_band(score, ratio):
    assert suggested_ratio(score, low=D("0.15"), high=D("0.35")) == ratio


@given(st.decimals(min_value=0, max_value=100, places=2), st.decimals(min_value=0, max_value=100, places=2))
def test_a_better_rating_never_suggests_a_smaller_ratio(a, b):
    low, high = D("0.15"), D("0.35")
    worse, better = sorted([a, b])
    assert low <= suggested_ratio(worse, low=low, high=high) <= suggested_ratio(better, low=low, high=high) <= high
