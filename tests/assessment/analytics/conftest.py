"""A year whose four quarters are closed, with results written straight into the rows the analytics read: the
first section hands 好 round to its lowest totals, the second gives it to its best; the first section's head
enters generous common points, the second's meagre ones."""

from decimal import Decimal as D

import pytest

from assessment.models import QuarterlyResult
from assessment.quarter import services
from periods.models import Period
from scoring.models import IndicatorItem, ScoreEntry, ScoreSheet
from tests import factories

# Totals per person in each quarter: the order never changes.
FIRST_TOTALS = [D("96"), D("94"), D("92"), D("91")]
SECOND_TOTALS = [D("97"), D("93"), D("91")]


@pytest.fixture
def cast(region, unit, section, other_section, other_unit):
    return {
        "org": factories.user_with_role("org", region=region, username="org"),
        "office": factories.user_with_role("office", unit=unit, username="office"),
        "head": factories.user_with_role("section_head", section=section, username="head"),
        "head2": factories.user_with_role("section_head", section=other_section, username="head2"),
        "outsider": factories.user_with_role("office", unit=other_unit, username="outsider"),
        "staff": factories.UserFactory(username="staff"),
    }


@pytest.fixture
def people(section, other_section, cast):
    first = [factories.PersonFactory(unit=section.unit, section=section, name=f"甲{n}", post_order=n) for n in range(4)]
    first[3].user = cast["staff"]
    first[3].save(update_fields=["user"])
    second = [
        factories.PersonFactory(unit=section.unit, section=other_section, name=f"乙{n}", post_order=10 + n)
        for n in range(3)
    ]
    return first, second


def _set(period, person, total: D, grade: str, *, by=None) -> QuarterlyResult:
    ScoreSheet.objects.filter(period=period, person=person).update(total=total, is_complete=True)
    QuarterlyResult.objects.filter(period=period, person=person).update(
        final_grade=grade, status=QuarterlyResult.Status.CONFIRMATION, proposed_by=by
    )
    return QuarterlyResult.objects.get(period=period, person=person)


def _common(period, person, by, points: D) -> None:
    sheet = ScoreSheet.objects.get(period=period, person=person)
    item = IndicatorItem.objects.filter(template_id=sheet.template_id, kind=IndicatorItem.Kind.COMMON).first()
    ScoreEntry.objects.create(sheet=sheet, item=item, points=points, entered_by=by)


@pytest.fixture
def closed_year(region, unit, other_unit, cast, people):
    """2025 with every quarter closed: in the first section the 好 goes, quarter by quarter, to the fourth,
    third, second and first by total (rotation); in the second always to the best. ``head`` gives 58 common
    points per sheet, ``head2`` 50."""
    first, second = people
    factories.PersonFactory(unit=other_unit, name="丙0")
    year = services.year_create(region=region, year=2025, by=cast["org"])
    for period in year.periods.order_by("quarter"):
        services.period_open(period=period, by=cast["org"])
        services.unit_start(period=period, unit=unit, by=cast["office"])
        services.unit_start(period=period, unit=other_unit, by=cast["outsider"])
        turn = 4 - period.quarter  # the fourth first, then the third, ...
        for n, person in enumerate(first):
            _set(period, person, FIRST_TOTALS[n], "好" if n == turn else "较好", by=cast["head"])
            _common(period, person, cast["head"], D("58"))
        for n, person in enumerate(second):
            _set(period, person, SECOND_TOTALS[n], "好" if n == 0 else "较好", by=cast["head2"])
            _common(period, person, cast["head2"], D("50"))
    Period.objects.filter(assessment_year=year).update(status=Period.Status.CLOSED)
    year.leniency_min_sheets = 2
    year.save(update_fields=["leniency_min_sheets"])
    return year
