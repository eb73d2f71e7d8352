"""A whole quarter of the demo unit, from the year's set-up to the period's close, through the pages only.

The organisation department sets up the next year and opens its first quarter; 区公安分局's office starts
it; the member of staff writes a summary; the office moves the paper summaries on, imports the monthly
performance from the template it downloads and enters the quarterly items in the grids; every section head
proposes on a phone; the leaders approve and the committee decides on phones (their deputies act on their
own results); the office publishes, reports after publicity and records the feedback; the organisation
department confirms and closes the period; the member of staff records an opinion.

Inside the test nothing is written but through the browser, logged in through the login page: no API, no
ORM write, no service, no admin, no command. The clock is moved to the quarter's dates. The checks read
models and selectors."""

from __future__ import annotations

import datetime
import io
import re
import zoneinfo
from collections import Counter
from decimal import Decimal as D

import openpyxl
import pytest

from assessment.models import QuarterlyResult, QuotaLedger
from assessment.quarter.places import unit_places
from periods.models import Period
from scoring.models import ScoreSheet
from units.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, OFFICE_UNIT, unit_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
YEAR = 2027
Step = QuarterlyResult.Status


def at(time_machine, day: datetime.date) -> None:
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(9), tzinfo=SHANGHAI), tick=True)


class Walk:
    """One browser tab per viewport, logged in as the demo account whose turn it is; every question the
    pages ask before an irreversible act is answered yes, and kept."""

    def __init__(self, page, phone, url):
        self.tabs = {"desk": page, "phone": phone}
        self.url = url
        self.asked: list[str] = []
        for tab in self.tabs.values():
            tab.on("dialog", lambda dialog: (self.asked.append(dialog.message), dialog.accept()))

    def log_in(self, username: str, *, on: str = "desk"):
        page = self.tabs[on]
        page.context.clear_cookies()
        page.goto(f"{self.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
        return page

    @staticmethod
    def done(page, button) -> str:
        """Click ``button`` and wait for the page's verdict; a refusal fails the test with its text."""
        button.click()
        page.wait_for_load_state()
        alert = page.locator(".alert-success, .alert-danger, .alert-warning").first
        alert.wait_for()
        text = alert.inner_text()
        assert "alert-success" in (alert.get_attribute("class") or ""), text
        return text


def statuses(period) -> Counter:
    return Counter(QuarterlyResult.objects.filter(period=period).values_list("status", flat=True))


def test_a_quarter_of_the_demo_unit_from_opening_to_closing(
    page, phone, live_server, demo_county, time_machine, tmp_path
):
    walk = Walk(page, phone, live_server.url)
    code = unit_code(OFFICE_UNIT)

    # 1. The organisation department sets up the year and opens its first quarter.
    at(time_machine, datetime.date(YEAR, 1, 4))
    org = walk.log_in("org")
    org.get_by_role("link", name="考核年度与考核期").click()
    org.locator("input[name=year]").first.fill(str(YEAR))
    walk.done(org, org.get_by_role("button", name="设立考核年度").first)
    period = Period.objects.get(assessment_year__year=YEAR, quarter=1)
    assert period.status == Period.Status.DRAFT
    walk.done(org, org.locator(f"form[action$='/periods/{period.pk}/open/'] button"))
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN

    # 2. The office starts its unit's period from the board its home page leads to.
    office = walk.log_in("office")
    office.get_by_role("link", name=re.compile("待办")).first.click()
    walk.done(office, office.get_by_role("button", name=re.compile("启动")))
    started = QuarterlyResult.objects.filter(period=period, unit__code=code).count()
    assert started > 150
    assert statuses(period) == Counter({Step.SUMMARY: started})
