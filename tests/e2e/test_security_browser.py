"""The pages under the Content-Security-Policy in Chromium: their own scripts run (htmx, Bootstrap, ECharts,
Swagger UI, the moved handlers) and the browser reports no violation; the idle warning and the end of an idle
session."""

import re

import pytest
from django.urls import reverse

from assessment.quarter import services
from tests.assessment.conftest import results

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def violations(page):
    """What the browser's console says the policy refused, on every page the test visits."""
    found = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


def test_the_pages_scripts_run_under_the_policy(page, live_server, log_in, violations, decided, cast):
    log_in(page, cast["org"])
    page.goto(live_server.url + reverse("quarter:region_dashboard"))
    page.locator(".dashboard-chart canvas, .dashboard-chart svg").first.wait_for()  # ECharts drew
    page.goto(live_server.url + reverse("api-docs"))
    page.locator(".swagger-ui .opblock").first.wait_for()  # Swagger UI started from its own file
    page.goto(live_server.url + reverse("locked_accounts"))
    page.locator("#no-locked-accounts").wait_for()
    page.goto(live_server.url + reverse("home"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.click(".navbar-toggler")  # Bootstrap's collapse
    page.locator("#mainnav.show").wait_for()
    assert violations == []


def test_the_admin_runs_under_the_policy(page, live_server, log_in, violations, admin, officer):
    log_in(page, admin)
    page.goto(live_server.url + reverse("admin:accounts_user_changelist"))
    page.locator("#action-toggle").check()  # the admin's own script ticks every row
    assert page.locator("input.action-select").first.is_checked()
    page.goto(live_server.url + reverse("admin:accounts_user_change", args=[officer.pk]))
    page.locator("#user_form").wait_for()
    page.goto(live_server.url + reverse("admin:axes_accessfailurelog_changelist"))
    assert violations == []


def test_tick_all_and_the_counting_question_work_without_inline_handlers(
    page, live_server, log_in, violations, quarter, cast, unit, section
):
    waiting = results(quarter, section)
    services.summaries_skip(results=waiting, by=cast["office"], reason="纸质")
    for r in waiting:
        services.result_propose(result=r, grade="较好", comment="较好", by=cast["head"])
    log_in(page, cast["leader"])
    page.goto(live_server.url + reverse("quarter:review", args=[quarter.pk, unit.code]))
    boxes = page.locator("tbody input[name=result]")
    assert boxes.count() > 1
    page.locator("thead input[data-tick-all]").check()
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.locator("thead input[data-tick-all]").uncheck()
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    assert violations == []


def test_an_idle_page_warns_stays_when_asked_and_then_logs_out(page, live_server, log_in, settings, officer):
    settings.SESSION_IDLE_TIMEOUT = 8
    settings.SESSION_IDLE_WARNING = 5
    log_in(page, officer)
    warning = page.locator("#idle-warning")
    warning.wait_for(state="visible", timeout=10_000)
    assert "秒后自动退出登录" in warning.inner_text()
    assert 0 < int(page.locator("#idle-seconds").inner_text()) <= 5
    page.click("#idle-stay")
    warning.wait_for(state="hidden")
    # Nothing more: the warning comes back, counts down, and the page goes to the login page.
    page.wait_for_url(re.compile(r"/accounts/login/\?next=%2F$"), timeout=20_000)
    assert "系统已自动退出登录" in page.locator("main").inner_text()
