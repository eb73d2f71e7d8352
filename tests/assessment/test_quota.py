from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.quota import good_places, ledger

FORTY = D("0.40")


def year_with_every_place_used(size: int, ratio: D = FORTY) -> list[int]:
    """The places of each quarter when every place is used (the worked examples of domain.md §5)."""
    places, nominations = [], []
    for quarter in range(1, 5):
        now = good_places(ratio=ratio, participants=[size] * quarter, nominations=nominations)
        places.append(now)
        nominations.append(now)
    return places


@pytest.mark.parametrize(
    ("size", "places", "accumulated"),
    [
        (7, [2, 3, 3, 3], ["2.8", "3.6", "3.4", "3.2"]),
        (2, [1, 1, 1, 1], ["0.8", "0.6", "0.4", "0.2"]),
        (1, [1, 0, 1, 0], ["0.4", "-0.2", "0.2", "-0.4"]),
    ],
)
def test_the_worked_examples_of_the_rulebook(size, places, accumulated):
    assert year_with_every_place_used(size) == places
    rows = ledger(ratio=FORTY, participants=[size] * 4, nominations=places)
    assert [row.accumulated for row in rows] == [D(a) for a in accumulated]


def test_the_year_totals_of_the_worked_examples():
    assert [sum(year_with_every_place_used(n)) for n in (7, 2, 1)] == [11, 4, 2]


def test_29_percent_of_100_people_is_29_places_not_28():
    assert good_places(ratio=D("0.29"), participants=[100], nominations=[]) == 29
    # the same figure in binary floating point is 28.999999999999996
    assert int(0.29 * 100) == 28


def test_unused_places_carry_forward_inside_the_year():
    # 10 people at 40%: 4 places, only 1 used; next quarter 3 carried + 4 = 7
    assert good_places(ratio=FORTY, participants=[10, 10], nominations=[1]) == 7


def test_rejected_nominations_still_count_so_overuse_shrinks_later_places():
    # 5 people: A1 = 2 → 2 places, but 4 were nominated (2 rejected) → C1 = −2; A2 = −2 + 2 = 0 → 0 places
    assert good_places(ratio=FORTY, participants=[5, 5], nominations=[4]) == 0


@pytest.mark.parametrize(
    ("ratio", "participants", "nominations", "expected"),
    [
        (D("0"), [10, 10], [0], 0),
        (FORTY, [0], [], 0),
        (FORTY, [], [], 0),
        (FORTY, [3, 3], [50], 0),
        (FORTY, [0, 0, 0], [0, 0], 0),
        (FORTY, [10], [1, 2, 3], 4),
    ],
)
def test_any_history_is_taken_as_it_is(ratio, participants, nominations, expected):
    assert good_places(ratio=ratio, participants=participants, nominations=nominations) == expected


def test_a_unit_going_live_mid_year_enters_its_opening_balance_as_earlier_quarters():
    # Q1 and Q2 ran in an older system: 20 and 20 people, 7 and 9 nominated. Q3 has 20 people.
    assert good_places(ratio=FORTY, participants=[20, 20, 20], nominations=[7, 9]) == 8


@given(
    ratio=st.decimals(min_value=0, max_value=1, places=2),
    participants=st.lists(st.integers(min_value=0, max_value=500), min_size=0, max_size=4),
    nominations=st.lists(st.integers(min_value=0, max_value=500), max_size=4),
)
def test_places_are_never_negative_and_never_raise(ratio, participants, nominations):
    places = good_places(ratio=ratio, participants=participants, nominations=nominations)
    assert places >= 0


@given(
    ratio=st.decimals(min_value=0, max_value=1, places=2),
    sizes=st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=4),
)
def test_using_every_place_never_exceeds_the_ratio_by_more_than_one_place(ratio, sizes):
    """Over the year, places used ≤ ratio × all participants, except for the one place a small section may
    report (A < 1); the carry makes it up later."""
    nominations: list[int] = []
    for quarter in range(1, len(sizes) + 1):
        nominations.append(good_places(ratio=ratio, participants=sizes[:quarter], nominations=nominations))
    assert sum(nominations) <= ratio * sum(sizes) + 1
