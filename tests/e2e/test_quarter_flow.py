"""A quarter for one section, through the browser only: the office enters the scores, the section head
proposes, the leader approves, the committee decides, the office publishes, and the member of staff sees
the published grade on a phone."""

from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from assessment.models import QuarterlyResult
from assessment.quarter import services
from scoring.models import MonthlyImport, MonthlyScore
from tests.assessment.conftest import fill_sheet, results

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def opened(cast, staff, unit, region, other_section, during_quarter):
    """Q1 2026 opened; the other section is taken to its decisions by the services, so the browser's part is
    the first section alone. Everyone but the member of staff with a login handed in a paper summary."""
    year = services.year_create(region=region, year=2026, by=cast["org"])
    period = year.periods.get(quarter=1)
    services.period_open(period=period, by=cast["org"])
    services.unit_start(period=period, unit=unit, by=cast["office"])
    for person in staff[7:]:
        fill_sheet(person.score_sheets.get(period=period), cast["office"], common=D("50"), monthly=D("95"))
    # The first section's monthly performance is in; its quarterly items are left for the browser.
    batch = MonthlyImport.objects.create(period=period, file_name="月度.xlsx", sha256="-", imported_by=cast["office"])
    MonthlyScore.objects.bulk_create(
        MonthlyScore(person=person, year=2026, month=month, score=D("97.5"), batch=batch)
        for person in staff[:7]
        for month in period.months
    )
    services.summaries_skip(
        results=[r for r in results(period) if r.person.user_id is None], by=cast["office"], reason="纸质总结"
    )
    for r in results(period, other_section):
        services.result_propose(result=r, grade="较好", comment="称职", by=cast["head2"])
        services.result_review(result=r, by=cast["leader"])
        services.committee_decide(result=r, grade="较好", by=cast["committee"])
    period.refresh_from_db()
    return period


def test_a_section_goes_from_scores_to_a_published_grade(
    page,
    phone,
    live_server,
    log_in,
    opened,
    cast,
    staff,
    unit,
    section,
):
    period = opened
    url = live_server.url
    first = staff[0]
    # The chain's irreversible acts ask first; the users say yes, and the questions are kept to be read.
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    phone.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))

    # The member of staff writes the quarterly summary on a phone, from the menu.
    log_in(phone, first.user)
    phone.click(".navbar-toggler")
    phone.get_by_role("link", name="我的平时考核").click()
    phone.get_by_role("link", name=str(period)).first.click()
    phone.locator("#summary textarea").fill("本季度完成了全部任务。")
    phone.get_by_role("button", name="提交小结").click()
    phone.locator(".alert-success").wait_for()
    assert QuarterlyResult.objects.get(period=period, person=first).summary == "本季度完成了全部任务。"

    # The office enters the section's scores in the grid, row by row; each row saves itself on leaving it.
    log_in(page, cast["office"])
    page.goto(f"{url}/quarter/{period.pk}/units/{unit.code}/")
    page.locator("tr", has_text=section.name).get_by_role("link", name="评分").click()
    page.wait_for_url(f"**/sections/{section.pk}/grid/")
    rows = page.locator("tr[data-row-url]")
    expect(rows).to_have_count(7)
    for n in range(7):
        cells = rows.nth(n).locator("input.grid-input")
        for c in range(cells.count()):
            cell = cells.nth(c)
            top = D(cell.get_attribute("data-max"))
            cell.fill(str(top - n - 1 if c == 0 else top))
    page.locator("#grid-reason").click()  # leaving the last row saves it too
    for n in range(7):
        expect(rows.nth(n).locator(".grid-status")).to_have_attribute("data-status", "saved")
    sheets = [r.sheet for r in results(period, section)]
    assert all(sheet.is_complete for sheet in sheets)
    assert [sheet.total for sheet in sheets] == sorted((sheet.total for sheet in sheets), reverse=True)
    assert sheets[0].eligible_grade == "好"

    # The section head proposes: 好 for the first (nominated), 较好 for the rest, from the board.
    log_in(page, cast["head"])
    page.goto(f"{url}/quarter/{period.pk}/units/{unit.code}/")
    page.locator("tr", has_text=section.name).get_by_role("link", name="提出建议").click()
    page.wait_for_url(f"**/sections/{section.pk}/propose/")
    for n, r in enumerate(results(period, section)):
        page.select_option(f"select[name=grade-{r.pk}]", "好" if n == 0 else "较好")
        if n == 0:
            page.check(f"input[name=nominate-{r.pk}]")
        page.fill(f"input[name=comment-{r.pk}]", "工作扎实")
    page.get_by_role("button", name="报送领导审核").click()
    page.locator(".alert-success").wait_for()
    assert {r.status for r in results(period, section)} == {QuarterlyResult.Status.LEADER_REVIEW}

    # The leader approves them all at once.
    log_in(page, cast["leader"])
    page.goto(f"{url}/quarter/{period.pk}/units/{unit.code}/review/")
    page.locator("thead").get_by_label("全选").check()
    page.get_by_role("button", name="审核通过所勾选的建议").click()
    page.locator(".alert-success").wait_for()

    # The committee confirms the proposals.
    log_in(page, cast["committee"])
    page.goto(f"{url}/quarter/{period.pk}/units/{unit.code}/decide/")
    page.get_by_role("button", name="记录审定结果").click()
    page.locator(".alert-success").wait_for()

    assert "7" in asked[-1]  # the committee is asked to confirm the seven grades first

    # The office publishes.
    log_in(page, cast["office"])
    page.goto(f"{url}/quarter/{period.pk}/units/{unit.code}/")
    page.get_by_role("button", name="公示考核结果").click()
    page.locator(".alert-success").wait_for()
    assert {r.status for r in results(period)} == {QuarterlyResult.Status.PUBLICITY}

    # The member of staff sees the published grade on a phone.
    phone.goto(f"{url}/quarter/mine/")
    mine = phone.get_by_role("link", name=str(period)).first
    assert "好" in mine.inner_text()
    mine.click()
    assert "好" in phone.locator("main").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
