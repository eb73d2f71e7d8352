import datetime

import pytest

from periods.calendar import add_workdays

D = datetime.date


def test_five_working_days_from_a_monday_end_on_friday():
    assert add_workdays(D(2026, 11, 16), 5, {}) == D(2026, 11, 20)


def test_weekends_are_skipped():
    assert add_workdays(D(2026, 11, 19), 5, {}) == D(2026, 11, 25)


def test_a_window_starting_on_saturday_starts_on_monday():
    assert add_workdays(D(2026, 11, 21), 1, {}) == D(2026, 11, 23)


def test_holidays_are_skipped_and_swapped_weekend_days_count():
    # National Day 2026: Oct 1–7 off (Thu–Wed), Sat Oct 10 a working day (调休)
    exceptions = {D(2026, 10, d): False for d in range(1, 8)} | {D(2026, 10, 10): True}
    assert add_workdays(D(2026, 9, 30), 5, exceptions) == D(2026, 10, 12)


def test_a_window_needs_a_day():
    with pytest.raises(ValueError, match="at least one"):
        add_workdays(D(2026, 1, 1), 0, {})
