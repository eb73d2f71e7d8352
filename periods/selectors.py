"""Reads of the calendar: the periods a user works in, and the days that break the working week."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from periods.models import CalendarDay, Period
from units.selectors import units_visible_to


def periods_visible_to(*, user) -> QuerySet[Period]:
    """Periods of the regions in which the user sees at least one unit."""
    regions = units_visible_to(user=user).values("region_id")
    return Period.objects.filter(assessment_year__region_id__in=regions).select_related("assessment_year__region")


def workday_exceptions() -> dict[datetime.date, bool]:
    """The holiday calendar: each day that breaks the Monday-to-Friday rule, and whether it is worked."""
    return dict(CalendarDay.objects.values_list("date", "is_workday"))
