"""The organisation department reads last year's fairness analytics of the demo county in the browser, from its
home page: the section taking turns at 好, the lenient and the severe reviewer, the unit recording no negative
event; it opens the rows behind each, exports the workbook, sets the rating's weights and adopts a unit's
suggested ratio of 优秀 for this year. The office of 区公安分局 reads its own unit's rows on a phone; a member of
staff finds no way in.

The history is kept to the units that hold what the demo plants (the rest of the county is there without
history). Nothing is written but through the browser."""

from __future__ import annotations

import datetime

import pytest

from assessment.demo import ROTATION_SECTION
from assessment.models import ExcellentRatio
from audit.models import AuditEntry
from scoring.demo import SILENT_UNITS
from tests.e2e.walk import Walk, at
from units.demo import OFFICE_UNIT, unit_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390
TODAY = datetime.date(2026, 4, 10)


@pytest.fixture
def planted(transactional_db, time_machine):
    from assessment.demo import load_demo_history
    from periods.models import AssessmentYear
    from units.demo import DEMO_REGION_CODE, load_demo
    from units.models import Region

    at(time_machine, TODAY)
    load_demo(TODAY.year)
    region = Region.objects.get(code=DEMO_REGION_CODE)
    kept = [unit_code(OFFICE_UNIT), ROTATION_SECTION[0], SILENT_UNITS[0]]
    load_demo_history(region=region, today=TODAY, unit_codes=kept)
    return AssessmentYear.objects.get(region=region, year=TODAY.year - 1)


def test_the_organisation_department_reads_and_acts_on_last_years_fairness(page, phone, live_server, planted):
    walk = Walk(page, phone, live_server.url)
    year = planted
    org = walk.log_in("org")
    walk.follow(org, org.get_by_role("link", name="公平性分析").first)
    assert org.url.endswith(f"/analytics/{year.pk}/")

    # The section taking turns, and the pairs that show it.
    suspected = org.locator("#suspected tbody tr")
    assert suspected.count() == 1
    assert ROTATION_SECTION[1] in suspected.first.inner_text()
    walk.follow(org, suspected.first.get_by_role("link"))
    assert "疑似轮流坐庄" in org.locator("h1").inner_text()
    assert org.locator("details summary", has_text="倒挂的人员组合").count() >= 3
    org.go_back()

    # The lenient and the severe reviewer; the lenient one's sheets.
    assert org.locator("#reviewers .badge", has_text="偏宽").count() == 1
    assert org.locator("#reviewers .badge", has_text="偏严").count() == 1
    lenient = org.locator("#reviewers tbody tr", has=org.locator(".badge", has_text="偏宽"))
    walk.follow(org, lenient.get_by_role("link"))
    assert org.locator("#sheets tbody tr").count() >= 5
    org.go_back()

    # The unit recording no negative event.
    silent = org.locator("#silence-table tbody tr", has=org.locator(".badge", has_text="无记录"))
    assert silent.count() == 1
    assert "区统计局" in silent.inner_text()

    # The workbook.
    with org.expect_download() as download:
        org.get_by_role("link", name="导出为 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # The weights of the rating.
    org.locator("#weights summary").click()
    org.fill("#weight-rotation", "3")
    walk.done(org, org.get_by_role("button", name="保存权重"))
    year.refresh_from_db()
    assert year.rating_weights["rotation"] == "3"

    # Adopting a unit's suggested ratio for this year, after a question naming the ratio.
    walk.follow(org, org.locator("#ratings").get_by_role("link", name="区统计局"))
    org.select_option("#performance", "average")
    walk.done(org, org.locator("#adopt button[type=submit]"))
    assert any("区统计局" in question and "2026" in question for question in walk.asked)
    setting = ExcellentRatio.objects.get(unit__code=SILENT_UNITS[0], assessment_year__year=TODAY.year)
    assert "2025" in setting.reason
    assert AuditEntry.objects.filter(action="excellent_ratio_set", unit__code=SILENT_UNITS[0]).exists()


def test_the_office_reads_its_own_unit_on_a_phone_and_staff_find_no_way_in(page, phone, live_server, planted):
    walk = Walk(page, phone, live_server.url)
    office = walk.log_in("office", on="phone")
    office.goto(f"{live_server.url}/")
    walk.follow(office, office.get_by_role("link", name="公平性分析").first)
    assert "区公安分局" in office.locator("#ratings").inner_text()
    assert "区统计局" not in office.content()
    assert office.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    staff = walk.log_in("staff")
    assert "公平性分析" not in staff.content()
    response = staff.goto(f"{live_server.url}/analytics/")
    assert response.status == 404
