"""Browser tests: Playwright for Python driving Debian's Chromium headless against pytest-django's live
server. They skip where Chromium or Playwright is missing, and fail instead where REQUIRE_SERVICES=1 (CI).
A failing test leaves a screenshot of its page in tests/e2e/screenshots/."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

# The review chain's cast and staff, shared with the assessment tests.
from tests.assessment.conftest import cast, decided, during_quarter, quarter, staff  # noqa: F401
from tests.conftest import _missing
from tests.factories import PASSWORD
from tests.scoring.conftest import period, templates  # noqa: F401

# Playwright's sync API runs an event loop in the test's thread; Django's ORM, used by the test to arrange
# data and check outcomes, refuses to run beside one unless told the loop is not its caller.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The flags Debian's Chromium needs headless in a container without a network (the machine's env notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed")
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        _missing(f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _new_page(browser, request, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is None or report.failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(browser, request, live_server):
    yield from _new_page(browser, request, DESKTOP)


@pytest.fixture
def phone(browser, request, live_server):
    yield from _new_page(browser, request, PHONE)


@pytest.fixture
def log_in(live_server):
    """Log a page in as a user (the factories' password), leaving it on the home page."""

    def act(page, user) -> None:
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))

    return act


@pytest.fixture
def demo_county(transactional_db):
    """The demo county as `make run` builds it before any history: its region, units, sections, people and
    the demo accounts (password DEMO_PASSWORD). No act of the assessment chain is taken here."""
    from units.demo import load_demo

    load_demo(2026)


@pytest.fixture
def demo_last_year(transactional_db, time_machine):
    """The demo county as `make run` builds it in April, its history kept to 区公安分局 and the cadre group
    that assesses its 局长 (the rest of the county is there, without history, to keep the set-up short):
    last year's four quarters closed and the unit's annual assessment waiting before the roll-up, as the
    seed leaves it; no act of the annual chain is taken here. Returns last year."""
    import datetime

    from assessment.demo import load_demo_history
    from periods.models import AssessmentYear
    from tests.e2e.walk import at
    from units.demo import CADRE_GROUP_CODE, DEMO_REGION_CODE, OFFICE_UNIT, load_demo, unit_code
    from units.models import Region

    this_year = 2026
    at(time_machine, datetime.date(this_year, 4, 10))
    load_demo(this_year)
    region = Region.objects.get(code=DEMO_REGION_CODE)
    kept = [unit_code(OFFICE_UNIT), CADRE_GROUP_CODE]
    load_demo_history(region=region, today=datetime.date(this_year, 4, 10), unit_codes=kept)
    return AssessmentYear.objects.get(region=region, year=this_year - 1)
