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
from collections import Counter
from decimal import Decimal as D

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from assessment.models import QuarterlyResult, QuotaLedger
from assessment.quarter.places import unit_places
from assessment.registers.export import QUARTERLY_RESULTS, Request, export_register
from periods.models import Period
from scoring.models import ScoreSheet
from tests.e2e.walk import Walk, at
from units.demo import OFFICE_UNIT, unit_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

User = get_user_model()
YEAR = 2027
Step = QuarterlyResult.Status


def statuses(period) -> Counter:
    return Counter(QuarterlyResult.objects.filter(period=period).values_list("status", flat=True))


HEADS = ("section", "head-zzc", "head-zhzx", "head-zadd", "head-jjdd", "head-cg", "head-dc", "head-xc")


def fill_grid(walk, page) -> int:
    """Enter every editable row of a section's grid, the best first, and save all; how many rows."""
    rows = page.locator("tr[data-row-url]")
    filled = 0
    for n in range(rows.count()):
        cells = rows.nth(n).locator("input.grid-input:not([disabled])")
        for c in range(cells.count()):
            cell = cells.nth(c)
            top = D(cell.get_attribute("data-max"))
            cell.fill(str(max(top - (n % 5), D(0))))
        filled += int(cells.count() > 0)
    if filled:
        walk.done(page, page.get_by_role("button", name="全部保存").first)
    return filled


def propose_all(walk, page, board_url: str, period, *, nominate: bool) -> None:
    """Propose on every proposal page the board offers: the grades the scores allow filled in, the section's
    places of 好 given to the first eligible people, one comment for all."""
    page.goto(board_url)
    links = [a.get_attribute("href") for a in page.get_by_role("link", name="提出建议").all()]
    for href in links:
        page.goto(walk.url + href)
        page.get_by_role("button", name="按得分填入可评等次").click()
        page.wait_for_load_state()
        if nominate:
            left = int(page.locator("[data-places-left]").get_attribute("data-places-left") or 0)
            boxes = page.locator("input[data-nominates]")
            for n in range(min(left, boxes.count())):
                boxes.nth(n).check()
        page.fill("#comment-all", "政治坚定，履职尽责")
        walk.done(page, page.get_by_role("button", name="报送领导审核"))


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
    walk.done(org, org.locator(f"form[action$='/quarter/{period.pk}/open/'] button"))
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN

    # 2. The office starts its unit's period from the board its home page leads to.
    office = walk.log_in("office")
    walk.follow(office, office.get_by_role("link", name=re.compile("待办")).first)
    board_url = office.url
    walk.done(office, office.get_by_role("button", name=re.compile("启动本单位考核")))
    started = QuarterlyResult.objects.filter(period=period, unit__code=code).count()
    assert started >= 140  # 区公安分局 (150 in the demo)
    # Its 局长 is a 县管干部: the organisation department's group assesses him, not his unit.
    assert not QuarterlyResult.objects.filter(period=period, person__user__username="leader").exists()
    assert statuses(period) == Counter({Step.SUMMARY: started})

    # 3. The member of staff writes the quarterly summary on a phone.
    at(time_machine, datetime.date(YEAR, 3, 20))
    staff = walk.log_in("staff", on="phone")
    staff.get_by_role("link", name=re.compile("我的.*第1季度")).first.click()
    staff.locator("#summary textarea").fill("本季度参与专案侦破三起，完成全部任务。")
    walk.done(staff, staff.locator("#summary button[type=submit]"))
    assert statuses(period)[Step.SCORING] == 1

    # 4. The office moves the paper summaries on, section by section; its own waits for the deputy.
    office = walk.log_in("office")
    office.goto(board_url)
    actions = [f.get_attribute("action") for f in office.locator("form[action*='skip-summaries']").all()]
    assert len(actions) >= 12
    for action in actions:
        form = office.locator(f"form[action='{action}']")
        form.locator("xpath=..").locator("summary").click()
        form.locator("input[name=reason]").fill("纸质个人小结已交考核办")
        walk.done(office, form.get_by_role("button", name="转入评分"))
    assert statuses(period)[Step.SUMMARY] == 1
    deputy = walk.log_in("office-deputy")
    deputy.goto(board_url)
    form = deputy.locator("form[action*='skip-summaries']")
    form.locator("xpath=..").locator("summary").click()
    form.locator("input[name=reason]").fill("纸质个人小结已交考核办")
    walk.done(deputy, form.get_by_role("button", name="转入评分"))
    assert statuses(period) == Counter({Step.SCORING: started})

    # 5. The office imports the monthly performance: each month's template downloaded, filled, uploaded.
    office = walk.log_in("office")
    office.goto(board_url)
    walk.follow(office, office.get_by_role("link", name="月度绩效导入"))
    monthly_url = office.url
    for month in period.months:
        office.goto(monthly_url)
        with office.expect_download() as download:
            office.get_by_role("link", name=f"{month}月").click()
        path = tmp_path / f"monthly-{month}.xlsx"
        download.value.save_as(path)
        book = openpyxl.load_workbook(path)
        sheet = book.active
        for row in range(2, sheet.max_row + 1):
            if sheet.cell(row, 1).value is not None:
                sheet.cell(row, 6).value = 98 - (row % 7)
        book.save(path)
        office.set_input_files("input[name=file]", str(path))
        walk.done(office, office.get_by_role("button", name="导入"))

    # 6. The office enters the quarterly items in each section's grid, the deputy its own row, and the
    # leaders' sheets one by one from the unit's list of sheets.
    office.goto(board_url)
    grids = [a.get_attribute("href") for a in office.get_by_role("link", name="评分", exact=True).all()]
    assert len(grids) == 12
    for href in grids:
        office.goto(walk.url + href)
        fill_grid(walk, office)
    office.goto(board_url)
    office.get_by_role("link", name="评分表").first.click()
    office.select_option("#list-section", "none")  # the people outside every section
    walk.follow(office, office.get_by_role("button", name="筛选"))
    sheets_url = office.url
    leaders = list(
        ScoreSheet.objects.filter(period=period, unit__code=code, section__isnull=True).values_list("pk", flat=True)
    )
    for pk in leaders:
        office.goto(sheets_url)
        office.locator(f"a[href$='/sheets/{pk}/']").click()
        inputs = office.locator("input[name^=item-]")
        for n in range(inputs.count()):
            inputs.nth(n).fill("6")  # within every item's maximum (the smallest is 6)
        walk.done(office, office.get_by_role("button", name="保存", exact=True))
    deputy = walk.log_in("office-deputy")
    deputy.goto(walk.url + grids[0])
    fill_grid(walk, deputy)  # the rows already entered keep their values: only its own is new
    assert not ScoreSheet.objects.filter(period=period, is_complete=False).exists()

    # 7. Every section head proposes on a phone; the office proposes for the heads themselves and for the
    # people outside the sections.
    at(time_machine, datetime.date(YEAR, 4, 1))
    for username in HEADS:
        head = walk.log_in(username, on="phone")
        propose_all(walk, head, board_url, period, nominate=True)
    office = walk.log_in("office")
    propose_all(walk, office, board_url, period, nominate=False)
    assert statuses(period) == Counter({Step.LEADER_REVIEW: started})

    # 8. The leader approves on a phone, the deputy leader the leader's own proposal.
    at(time_machine, datetime.date(YEAR, 4, 4))
    # (The 局长 is a 县管干部, assessed in the organisation department's group: leader2 finds nothing left.)
    for username in ("leader", "leader2"):
        leader = walk.log_in(username, on="phone")
        walk.follow(leader, leader.get_by_role("link", name="领导审核").first)
        if leader.locator("input[name=result]").count():
            leader.locator("#tick-all-phone").check()
            walk.done(leader, leader.get_by_role("button", name="审核通过所勾选的建议"))
    assert statuses(period) == Counter({Step.COMMITTEE: started})

    # 9. The committee decides on a phone, the second member the first one's own result.
    at(time_machine, datetime.date(YEAR, 4, 6))
    for username in ("committee", "committee2"):
        committee = walk.log_in(username, on="phone")
        walk.follow(committee, committee.get_by_role("link", name="党委审定").first)
        if committee.locator("select[name^=grade-]").count():
            walk.done(committee, committee.get_by_role("button", name="记录审定结果"))
    assert statuses(period) == Counter({Step.DECIDED: started})
    for tab in ("phone",):
        assert walk.tabs[tab].evaluate("document.documentElement.scrollWidth") <= 390

    # 10. The office publishes; publicity runs its working days.
    at(time_machine, datetime.date(YEAR, 4, 7))
    office = walk.log_in("office")
    office.goto(board_url)
    walk.done(office, office.get_by_role("button", name="公示考核结果"))
    assert statuses(period) == Counter({Step.PUBLICITY: started})
    ends = QuarterlyResult.objects.filter(period=period).values_list("publicity_ends", flat=True).first()
    staff = walk.log_in("staff", on="phone")
    staff.goto(board_url.replace(f"/units/{code}/", f"/units/{code}/publicity/"))
    assert "公示" in staff.locator("main").inner_text()

    # 11. After publicity the office reports to the organisation department.
    at(time_machine, ends + datetime.timedelta(days=1))
    office = walk.log_in("office")
    office.goto(board_url)
    walk.done(office, office.get_by_role("button", name="上报组织部门"))
    assert statuses(period) == Counter({Step.CONFIRMATION: started})

    # 12. The organisation department confirms the unit from its queue.
    org = walk.log_in("org")
    org.get_by_role("link", name=re.compile("核准")).first.click()
    org.locator("input[name=unit]").first.check()
    walk.done(org, org.get_by_role("button", name="核准所勾选单位"))
    assert statuses(period) == Counter({Step.FINAL: started})

    # 13. The office records how everyone was told; the deputy records the office officer's own.
    for username in ("office", "office-deputy"):
        office = walk.log_in(username)
        office.goto(board_url)
        walk.follow(office, office.get_by_role("link", name="结果反馈"))
        office.check("#f-untold")
        walk.follow(office, office.get_by_role("button", name="筛选"))
        untold = office.url
        while office.locator("input[name=result]").count():
            office.locator("thead input[type=checkbox]").check()
            office.select_option("select[name=method]", index=1)
            walk.done(office, office.get_by_role("button", name="为勾选人员登记反馈"))
            office.goto(untold)
    assert not QuarterlyResult.objects.filter(period=period, feedback_method="").exists()

    # 14. The member of staff records an opinion on the final result.
    staff = walk.log_in("staff", on="phone")
    staff.get_by_role("link", name=re.compile("我的.*第1季度")).first.click()
    staff.locator("#opinion textarea").fill("对考核结果无异议。")
    walk.done(staff, staff.get_by_role("button", name="提交我的意见"))

    # 15. The organisation department closes the period.
    org = walk.log_in("org")
    org.get_by_role("link", name="考核年度与考核期").click()
    walk.done(org, org.locator(f"form[action$='/quarter/{period.pk}/close/'] button"))
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED

    # The final grades, the ledgers and the register.
    finals = Counter(QuarterlyResult.objects.filter(period=period).values_list("final_grade", flat=True))
    assert sum(finals.values()) == started
    assert finals["好"] > 0
    unit_row = QuotaLedger.objects.get(period=period, unit__code=code, section__isnull=True)
    assert unit_row.approved == finals["好"] <= unit_row.places
    assert unit_places(period, unit_row.unit).used == finals["好"]
    assert QuarterlyResult.objects.get(period=period, person__user__username="staff").opinion == "对考核结果无异议。"
    out = io.BytesIO()
    exported = export_register(
        request=Request(kind=QUARTERLY_RESULTS, assessment_year=period.assessment_year, quarter=1, unit=unit_row.unit),
        by=User.objects.get(username="org"),
        out=out,
    )
    assert exported.rows == started
    cells = [
        str(c)
        for ws in openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert cells.count("好") >= finals["好"]
    assert len(walk.asked) >= 10  # every irreversible act asked first
