"""Working days: Monday to Friday, except holidays, plus weekend days swapped into working days (调休)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping


def is_workday(day: datetime.date, exceptions: Mapping[datetime.date, bool]) -> bool:
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_workdays(start: datetime.date, days: int, exceptions: Mapping[datetime.date, bool]) -> datetime.date:
    """The last day of a window of ``days`` working days that begins on ``start`` (or the next working day
    if ``start`` is not one). ``exceptions`` maps a date to whether it is a working day."""
    if days < 1:
        raise ValueError("a window has at least one working day")
    day = start
    counted = 0
    while True:
        if is_workday(day, exceptions):
            counted += 1
            if counted == days:
                return day
        day += datetime.timedelta(days=1)
