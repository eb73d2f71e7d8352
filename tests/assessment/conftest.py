"""A unit of two sections with every role, and a quarter whose sheets are filled."""

import datetime
from decimal import Decimal as D

import pytest

from assessment import services
from scoring import services as scoring
from scoring.models import MonthlyImport, MonthlyScore, ScoreSheet
from tests import factories


@pytest.fixture
def cast(region, unit, section, other_section):
    """The people who act: org, office, leader, committee, two section heads, and an outsider."""
    return {
        "org": factories.user_with_role("org", region=region, username="org"),
        "office": factories.user_with_role("office", unit=unit, username="office"),
        "leader": factories.user_with_role("principal", unit=unit, username="leader"),
        "committee": factories.user_with_role("committee", unit=unit, username="committee"),
        "head": factories.user_with_role("section_head", section=section, username="head"),
        "head2": factories.user_with_role("section_head", section=other_section, username="head2"),
        "outsider": factories.user_with_role(
            "office", unit=factories.UnitFactory(region=region, code="U-OUT"), username="outsider"
        ),
    }


@pytest.fixture
def staff(section, other_section):
    """Seven people in the first section (the first has a login), three in the second."""
    people = []
    for n in range(10):
        target = section if n < 7 else other_section
        user = factories.UserFactory(username=f"p{n}") if n == 0 else None
        people.append(factories.PersonFactory(unit=section.unit, section=target, user=user, name=f"人员{n}"))
    return people


def fill_sheet(sheet: ScoreSheet, by, *, common: D, monthly: D) -> None:
    items = list(sheet.template.items.filter(kind__in=("common", "distinctive")).order_by("pk"))
    maxima = sum(i.max_points for i in items)
    values, left = {}, common
    for n, item in enumerate(items):
        share = left if n == len(items) - 1 else (common * item.max_points / maxima).quantize(D("0.01"))
        values[item.pk] = share
        left -= share
    batch = MonthlyImport.objects.create(period=sheet.period, file_name="t", sha256="-", imported_by=by)
    for month in sheet.period.months:
        MonthlyScore.objects.update_or_create(
            person=sheet.person, year=sheet.period.year, month=month, defaults={"score": monthly, "batch": batch}
        )
    scoring.sheet_enter(sheet=sheet, values=values, by=by)


@pytest.fixture
def quarter(cast, staff, unit, region):
    """Q1 of 2026 opened and started, every sheet filled: scores 98, 97, … so the first nine are eligible
    for 好 (≥ 90) and the last one is 一般."""
    year = services.year_create(region=region, year=2026, by=cast["org"])
    period = year.periods.get(quarter=1)
    services.period_open(period=period, by=cast["org"])
    services.unit_start(period=period, unit=unit, by=cast["office"])
    for n, person in enumerate(staff):
        sheet = person.score_sheets.get(period=period)
        common = D("59") - n if n < 9 else D("40")
        fill_sheet(sheet, cast["office"], common=common, monthly=D("97.5"))
    period.refresh_from_db()
    return period


@pytest.fixture
def during_quarter(monkeypatch):
    """Today is inside the quarter unless a test moves it."""

    def set_today(day: datetime.date):
        monkeypatch.setattr("assessment.services.today", lambda: day)

    set_today(datetime.date(2026, 3, 20))
    return set_today
