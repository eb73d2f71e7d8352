"""A unit of two sections with every role, and a quarter whose sheets are filled."""

import datetime
from decimal import Decimal as D

import pytest

from assessment.models import QuarterlyResult
from assessment.quarter import services
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
        monkeypatch.setattr("assessment.quarter.services.today", lambda: day)

    set_today(datetime.date(2026, 3, 20))
    return set_today


INJECTED = '=HYPERLINK("http://evil.example","点此")'


def results(period, section=None):
    rows = QuarterlyResult.objects.filter(period=period).select_related("sheet", "person")
    if section is not None:
        rows = rows.filter(section=section)
    return list(rows.order_by("person__post_order", "person_id"))


@pytest.fixture
def decided(quarter, cast, staff, unit, section, other_section, during_quarter):
    """Q1 taken to the committee's decisions: two nominations in the first section (one approved, one
    rejected), a pick in the second; the first person's summary tries to be a formula."""
    period = quarter
    first, second = results(period, section), results(period, other_section)
    own = next(r for r in first if r.person.user_id)
    services.summary_submit(result=own, summary=INJECTED + "\n+1 -2 @SUM(A1)\x07", by=own.person.user)
    services.summaries_skip(results=[r for r in first + second if r.pk != own.pk], by=cast["office"], reason="纸质")
    head, head2 = cast["head"], cast["head2"]
    services.result_propose(result=first[0], grade="好", nominate=True, comment="表现突出", by=head)
    services.result_propose(result=first[1], grade="好", nominate=True, comment="=1+1", by=head)
    for r in first[2:]:
        services.result_propose(result=r, grade="较好", comment="较好", by=head)
    for r in second:
        services.result_propose(
            result=r, grade="一般" if r.sheet.eligible_grade == "一般" else "较好", comment="称职", by=head2
        )
    services.results_review_bulk(results=results(period), by=cast["leader"], comment="同意")
    committee = cast["committee"]
    services.committee_decide(result=first[0], grade="好", by=committee)
    services.committee_decide(result=first[1], grade="较好", by=committee, comment="名额统筹")
    services.committee_decide(result=second[0], grade="好", by=committee, comment="党委推荐")
    for r in results(period):
        if r.status == "committee":
            services.committee_decide(result=r, grade=r.proposed_grade, by=committee)
    return period
