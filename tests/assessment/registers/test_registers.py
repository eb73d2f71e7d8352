"""The registers (登记表): read back cell by cell, limited to the exporter's scope, text never a formula,
a bounded number of queries; the download centre and the region-wide export in the background."""

from __future__ import annotations

import datetime
import io
import logging
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from assessment.models import AnnualResult, QuarterlyResult, QuotaLedger, RegisterExport, Sanction, SanctionType
from assessment.quarter import services
from assessment.registers import export as registers
from assessment.registers.export import Request, export_register
from assessment.registers.jobs import register_exports_purge
from assessment.registers.services import register_export_request
from periods.models import Period
from scoring.models import ScoreSheet
from tests import factories
from tests.assessment.conftest import INJECTED, results
from tests.assessment.year.test_services import GRADES, close_year
from units.models import RoleAssignment


def export(by, **kwargs) -> tuple[registers.Exported, bytes]:
    out = io.BytesIO()
    done = export_register(request=Request(**kwargs), by=by, out=out)
    return done, out.getvalue()


def values(ws) -> list[list]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_the_results_register_has_a_sheet_per_section_read_back_cell_by_cell(
    decided, cast, unit, section, other_section
):
    year = decided.assessment_year
    done, content = export(cast["office"], kind="quarterly-results", assessment_year=year, quarter=1, unit=unit)
    assert (done.units, done.sheets, done.rows) == (1, 2, 10)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == [section.name, other_section.name]
    ws = book[section.name]
    rows = values(ws)
    assert rows[0][0] == "平时考核结果登记表"
    assert rows[1][0] == f"单位：{unit.name}　　股室：{section.name}　　考核期间：2026年第一季度"
    assert rows[2] == ["序号", "姓名", "职务", "得分", None, None, None, "总分", "建议等次", "确定等次", "备注"]
    assert rows[3] == [None, None, None, "共性指标", "个性指标", "加分", "扣分", None, None, None, None]
    people = results(decided, section)
    assert len(people) == 7
    for n, (row, result) in enumerate(zip(rows[4:11], people, strict=True), start=1):
        sheet = result.sheet
        expected_note = {0: "", 1: "推荐未获通过"}.get(n - 1, "")
        assert row == [
            n,
            result.person.name,
            result.person.post,
            float(sheet.common_points),
            float(sheet.individual_points),
            float(sheet.bonus_points),
            float(sheet.deduction_points),
            float(sheet.total),
            result.proposed_grade,
            result.final_grade,
            expected_note or None,
        ], n
    assert rows[11][0] == "本股室参加考核 7 人，确定为“好”等次 1 人。"
    assert rows[12][0].startswith("股室负责人（签字）")
    # The paper form: merged title and headers, repeated header rows, A4 landscape fitted to the width.
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:K1", "A2:K2", "D3:G3", "A3:A4", "H3:H4", "K3:K4"} <= merged
    assert ws.print_title_rows == "$3:$4"
    assert (ws.page_setup.paperSize, ws.page_setup.orientation) == (9, "landscape")
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws["B5"].font.name == "宋体"
    assert ws["B5"].border.left.style == "thin"
    # Widths fitted to the content: the name column is wider than the number column.
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width
    picked = values(book[other_section.name])[4]
    assert (picked[9], picked[10]) == ("好", "党委研究确定")


def test_the_person_register_writes_a_formula_as_text_and_drops_control_characters(decided, cast, unit, staff):
    year = decided.assessment_year
    done, content = export(cast["office"], kind="quarterly-person", assessment_year=year, quarter=1, unit=unit)
    assert done.sheets == 10
    book = load_workbook(io.BytesIO(content))
    own = staff[0]
    ws = book[own.name]
    rows = values(ws)
    assert rows[0][0] == "平时考核登记表"
    assert rows[1][0] == "（2026年第一季度）"
    assert rows[2] == ["姓名", own.name, "性别", "男", "出生年月", "1988.05"]
    assert rows[3] == ["政治面貌", "群众", "职务", own.post, "职级", own.rank]
    summary_row = next(r for r in rows if r[0] == "个人小结")
    assert summary_row[1] == INJECTED + "\n+1 -2 @SUM(A1)"
    summary_cell = next(c for c in ws["B"] if c.value == summary_row[1])
    assert summary_cell.data_type == "s"
    assert summary_cell.quotePrefix is True
    # Another reader agrees: the text is text, nothing was evaluated.
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(own.name).to_python()
    assert any(cell == INJECTED + "\n+1 -2 @SUM(A1)" for row in calamine for cell in row)
    comment = next(r for r in values(book[staff[1].name]) if r[0] == "股组长评鉴意见")
    assert comment[1].startswith("=1+1")
    # Each indicator with its maximum and its points, the parts and the total.
    result = QuarterlyResult.objects.select_related("sheet__template").get(period=decided, person=own)
    entries = {e.item.name: e.points for e in result.sheet.entries.select_related("item")}
    items = {r[1]: r for r in rows if r[1] in entries}
    assert set(items) == set(entries)
    for name, points in entries.items():
        assert items[name][5] == float(points)
    assert next(r for r in rows if r[0] == "总分")[5] == float(result.sheet.total)
    assert next(r for r in rows if r[0] == "考核结果")[1] == result.final_grade
    assert ws.print_title_rows is None
    assert ws.page_setup.orientation == "portrait"


def test_the_quota_register_lists_each_section_and_the_unit_total(decided, cast, unit, section, other_section):
    """Before publication writes the ledger: the figures come from the results as they stand."""
    year = decided.assessment_year
    assert not QuotaLedger.objects.filter(period=decided, participants__gt=0).exists()
    _done, content = export(cast["office"], kind="quota-usage", assessment_year=year, quarter=1, unit=unit)
    rows = values(load_workbook(io.BytesIO(content))[unit.name])
    assert rows[0][0] == "优秀等次比例使用申报表"
    assert rows[1][0] == f"单位（盖章）：{unit.name}　　考核期间：2026年第一季度　　“好”等次比例：40%"
    assert rows[2][:6] == ["序号", "股室", "参加考核人数", "比例", "累计基数", "本季度名额"]
    assert rows[2][6:] == ["本年累计名额", "推荐人数", "确定人数", "结转", "备注"]
    # 7 people at 40%: 2.8 → 2 places, two nominated, one approved; 3 people: 1.2 → 1 place.
    assert rows[3][:10] == [1, section.name, 7, "40%", 2.8, 2, 2, 2, 1, 0.8]
    # The committee's pick is 好 in the second section but takes none of its places: 1.2 carried on.
    assert rows[4][:10] == [2, other_section.name, 3, "40%", 1.2, 1, 1, 0, 1, 1.2]
    assert rows[3][10] == "名额已用完"
    # The unit: 10 people at 40% → 4 places; two nominations and the pick proposed, 2 graded 好, and the
    # unit carries what its 好 grades left (4 − 2).
    assert rows[5][0] == "单位合计"
    assert rows[5][2:10] == [10, "40%", 4, 4, 4, 3, 2, 2]


def test_the_year_summary_counts_each_persons_quarters_and_flags_the_candidates(region, unit, cast, staff):
    year = close_year(region, unit, cast["org"], cast["office"], dict(zip(staff, GRADES[:10], strict=True)))
    ScoreSheet.objects.filter(person=staff[7], period__assessment_year=year, period__quarter=2).update(vetoed=True)
    # A warning given that year bars 优秀 as the annual rules say, whatever the quarters.
    Sanction.objects.create(
        person=staff[2],
        kind=SanctionType.objects.get(name="警告"),
        starts_on=datetime.date(2025, 6, 1),
        ends_on=datetime.date(2025, 12, 1),
        reason="违反工作纪律",
        recorded_by=cast["org"],
    )
    # A quarter not yet confirmed is not on the register (the annual roll-up ignores it too).
    QuarterlyResult.objects.filter(person=staff[4], period__assessment_year=year, period__quarter=4).update(
        status="publicity"
    )
    done, content = export(cast["org"], kind="year-summary", assessment_year=year, unit=unit)
    assert (done.sheets, done.rows) == (1, 10)
    rows = values(load_workbook(io.BytesIO(content))[unit.name])
    assert rows[0][0] == "平时考核简明情况登记表"
    assert rows[1][0] == f"单位：{unit.name}　　考核年度：2025年"
    assert rows[2][:5] == ["序号", "姓名", "股室", "职务", "平时考核等次"]
    assert rows[3][4:12] == ["第一季度", "第二季度", "第三季度", "第四季度", "好", "较好", "一般", "较差"]
    by_name = {row[1]: row for row in rows[4:14]}
    grades = [list(g) for g in GRADES[:10]]
    grades[4][3] = None
    expected_candidates = {0, 1}  # 2 has a warning; 7 has 好 every quarter but a veto item in Q2
    for n, person in enumerate(staff):
        row = by_name[person.name]
        assert row[4:8] == grades[n], person.name
        assert row[8:12] == [grades[n].count(g) for g in ("好", "较好", "一般", "较差")]
        assert row[12] == ("是" if n in expected_candidates else None), person.name
    assert "一票否优" in by_name[staff[7].name][13]
    assert "警告" in by_name[staff[2].name][13]
    total = rows[14]
    assert total[0] == "合计"
    assert total[8:13] == [sum(g.count(k) for g in grades) for k in ("好", "较好", "一般", "较差")] + [2]
    # The register and the annual roll-up agree on who may be 优秀.
    from assessment.year import services as annual_services

    annual_services.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    eligible = set(
        AnnualResult.objects.filter(assessment_year=year, excellent_eligible=True).values_list("person_id", flat=True)
    )
    assert eligible == {staff[n].pk for n in expected_candidates}


def test_the_annual_register_has_a_sheet_per_person_with_the_year(region, unit, cast, staff):
    from assessment.year import services as annual_services

    year = close_year(region, unit, cast["org"], cast["office"], dict(zip(staff, GRADES[:10], strict=True)))
    annual_services.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    done, content = export(cast["office"], kind="annual-person", assessment_year=year, unit=unit)
    assert done.sheets == 10
    book = load_workbook(io.BytesIO(content))
    rows = values(book[staff[6].name])
    assert rows[0][0] == "公务员年度考核登记表"
    assert rows[1][0] == "（2025年度）"
    grades_at = next(n for n, r in enumerate(rows) if r[0] == "平时考核等次")
    assert rows[grades_at][1:6] == ["第一季度", "第二季度", "第三季度", "第四季度", "年度考核得分"]
    assert rows[grades_at + 1][1:5] == ["较差"] * 4
    assert next(r for r in rows if r[0] == "奖惩情况")[1] == "无"


def test_an_export_never_reaches_outside_the_exporters_scope(decided, cast, unit, region, caplog):
    year = decided.assessment_year
    with caplog.at_level(logging.WARNING, logger="kaohe.security"), pytest.raises(PermissionError):
        export(cast["outsider"], kind="quarterly-results", assessment_year=year, quarter=1, unit=unit)
    assert "register_export" in caplog.text
    for user in (cast["head"], cast["leader"], cast["outsider"], cast["office"]):
        with pytest.raises(PermissionError):
            export(user, kind="year-summary", assessment_year=year, unit=None)
    with pytest.raises(PermissionError):
        export(cast["head"], kind="quarterly-results", assessment_year=year, quarter=1, unit=unit)
    # The organisation department exports its region; another region's organisation department may not.
    stranger = factories.user_with_role("org", region=factories.RegionFactory(), username="far-org")
    with pytest.raises(PermissionError):
        export(stranger, kind="quarterly-results", assessment_year=year, quarter=1)
    with pytest.raises(PermissionError):
        export(stranger, kind="quarterly-results", assessment_year=year, quarter=1, unit=unit)
    done, content = export(cast["org"], kind="quarterly-results", assessment_year=year, quarter=1)
    book = load_workbook(io.BytesIO(content))
    assert done.units == 1
    assert all(name.startswith(f"{unit.name}-") for name in book.sheetnames)


def test_a_person_placed_in_is_registered_by_the_unit_that_assesses_them(quarter, cast, unit, region, staff):
    host = factories.UnitFactory(region=region, code="HOST", name="接收单位")
    host_office = factories.user_with_role("office", unit=host, username="host-office")
    guest = staff[3]
    QuarterlyResult.objects.filter(period=quarter, person=guest).update(unit=host, section=None)
    _done, content = export(
        host_office, kind="quarterly-results", assessment_year=quarter.assessment_year, quarter=1, unit=host
    )
    rows = values(load_workbook(io.BytesIO(content))[registers.NO_SECTION])
    assert rows[4][1] == guest.name
    assert rows[4][10] == f"原单位：{unit.name}"
    _done, content = export(
        cast["office"], kind="quarterly-results", assessment_year=quarter.assessment_year, quarter=1, unit=unit
    )
    everyone = {v for ws in load_workbook(io.BytesIO(content)) for row in ws.iter_rows(values_only=True) for v in row}
    assert guest.name not in everyone


def test_a_request_that_cannot_be_met_names_the_reason(quarter, cast, unit):
    year = quarter.assessment_year
    with pytest.raises(ValidationError, match="季度"):
        export(cast["office"], kind="quarterly-results", assessment_year=year, quarter=None, unit=unit)
    with pytest.raises(ValidationError):
        export(cast["office"], kind="no-such-register", assessment_year=year, quarter=1, unit=unit)
    Period.objects.filter(assessment_year=year, quarter=4).delete()
    with pytest.raises(ValidationError):
        export(cast["office"], kind="quota-usage", assessment_year=year, quarter=4, unit=unit)


def test_an_empty_export_is_a_workbook_that_says_so(quarter, cast, region):
    empty = factories.UnitFactory(region=region, code="EMPTY")
    office = factories.user_with_role("office", unit=empty, username="empty-office")
    done, content = export(
        office, kind="quarterly-results", assessment_year=quarter.assessment_year, quarter=1, unit=empty
    )
    assert done.sheets == 0
    rows = values(load_workbook(io.BytesIO(content)).active)
    assert rows[0][0] == "平时考核结果登记表"
    assert "Nothing" in rows[1][0] or "没有" in rows[1][0]


@pytest.mark.parametrize("kind", ["year-summary", "annual-person"])
def test_the_queries_of_a_yearly_export_do_not_grow_with_its_people(region, unit, cast, staff, admin, kind):
    from assessment.year import services as annual_services

    small = factories.UnitFactory(region=region, code="SMALL")
    small_section = factories.SectionFactory(unit=small, name="小股")
    few = [factories.PersonFactory(unit=small, section=small_section, name=f"小{n}") for n in range(3)]
    grades = dict(zip(staff + few, GRADES[:10] + GRADES[:3], strict=True))
    year = close_year(region, [unit, small], cast["org"], admin, grades)
    for one in (unit, small):
        annual_services.annual_rollup(assessment_year=year, unit=one, by=cast["org"])

    def count(one) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            done, _content = export(cast["org"], kind=kind, assessment_year=year, unit=one)
        return len(queries), done.rows

    (small_queries, small_rows), (big_queries, big_rows) = count(small), count(unit)

    assert (small_rows, big_rows) == (3, 10)
    assert big_queries == small_queries


@pytest.mark.parametrize("kind", ["quarterly-results", "quarterly-person"])
def test_the_queries_of_an_export_do_not_grow_with_its_people(quarter, cast, unit, section, kind):
    year = quarter.assessment_year

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            export(cast["office"], kind=kind, assessment_year=year, quarter=1, unit=unit)
        return len(queries)

    before = count()
    for n in range(6):
        factories.PersonFactory(unit=unit, section=section, name=f"新增{n}")
    services.unit_start(period=quarter, unit=unit, by=cast["office"])
    assert QuarterlyResult.objects.filter(period=quarter).count() == 16
    assert count() == before


def test_the_command_writes_the_file_and_refuses_a_bad_request_without_one(quarter, unit, tmp_path):
    out = tmp_path / "r.xlsx"
    stdout = io.StringIO()
    call_command(
        "export_register",
        "quarterly-results",
        "--year",
        "2026",
        "--quarter",
        "1",
        "--unit",
        unit.code,
        "-o",
        str(out),
        stdout=stdout,
    )
    assert "平时考核结果登记表: 1 units, 2 sheets, 10 rows" in stdout.getvalue()
    assert load_workbook(out).sheetnames == ["综合股", "业务股"]
    bad = tmp_path / "bad.xlsx"
    with pytest.raises(CommandError, match="季度"):
        call_command("export_register", "quota-usage", "--year", "2026", "--unit", unit.code, "-o", str(bad))
    assert not bad.exists()
    with pytest.raises(CommandError):
        call_command("export_register", "quota-usage", "--year", "2026", "--unit", "NOPE", "-o", str(bad))


# The download centre -------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path
    return tmp_path


def test_a_units_register_downloads_at_once_and_an_outsider_gets_404(quarter, cast, unit, client):
    params = {
        "unit-kind": "quarterly-results",
        "unit-year": quarter.assessment_year.pk,
        "unit-quarter": 1,
        "unit-unit": unit.code,
    }
    client.force_login(cast["office"])
    page = client.get(reverse("registers:centre"))
    assert page.status_code == 200
    assert "平时考核结果登记表" in page.content.decode()
    response = client.get(reverse("registers:download"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["综合股", "业务股"]
    client.force_login(cast["outsider"])
    refused = client.get(reverse("registers:download"), params)
    assert refused.status_code == 404
    assert "综合股" not in refused.content.decode()
    for user in (cast["head"], factories.UserFactory(username="nobody")):
        client.force_login(user)
        assert client.get(reverse("registers:centre")).status_code == 404
        assert client.get(reverse("registers:download"), params).status_code == 404


def test_a_missing_quarter_is_explained_on_the_page(quarter, cast, unit, client):
    client.force_login(cast["office"])
    params = {
        "unit-kind": "quota-usage",
        "unit-year": quarter.assessment_year.pk,
        "unit-quarter": "",
        "unit-unit": unit.code,
    }
    response = client.get(reverse("registers:download"), params, follow=True)
    assert response.redirect_chain[-1][0] == reverse("registers:centre")
    assert "季度" in response.content.decode()


def test_the_region_is_built_in_the_background_with_its_progress_and_kept_for_its_days(
    quarter, cast, unit, client, media, django_capture_on_commit_callbacks
):
    client.force_login(cast["org"])
    form = {"region-kind": "quarterly-results", "region-year": quarter.assessment_year.pk, "region-quarter": 1}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registers:start"), form)
    job = RegisterExport.objects.get()
    assert response.url == reverse("registers:export", args=[job.pk])
    assert (job.status, job.done, job.total, job.sheets) == ("done", 1, 1, 2)
    assert job.expires_at > timezone.now() + datetime.timedelta(days=6)
    page = client.get(response.url)
    assert "100%" in page.content.decode()
    fragment = client.get(response.url, headers={"HX-Request": "true"})
    assert "hx-trigger" not in fragment.content.decode()  # done: the fragment stops polling
    download = client.get(reverse("registers:export_file", args=[job.pk]))
    assert load_workbook(io.BytesIO(b"".join(download.streaming_content))).sheetnames == [
        f"{unit.name}-综合股",
        f"{unit.name}-业务股",
    ]
    # Only the requester sees it.
    client.force_login(cast["office"])
    assert client.get(reverse("registers:export", args=[job.pk])).status_code == 404
    assert client.get(reverse("registers:export_file", args=[job.pk])).status_code == 404
    # A unit's office may not build the region's.
    assert client.post(reverse("registers:start"), form).status_code == 403
    assert RegisterExport.objects.count() == 1
    # Someone who has lost the role since the export no longer gets the file.
    client.force_login(cast["org"])
    RoleAssignment.objects.filter(user=cast["org"]).delete()
    assert client.get(reverse("registers:export_file", args=[job.pk])).status_code == 404
    # Kept for its days, then purged with its file.
    path = job.file.path
    assert register_exports_purge(now=timezone.now()) == 0
    assert register_exports_purge(now=job.expires_at + datetime.timedelta(seconds=1)) == 1
    assert not RegisterExport.objects.exists()
    assert not os.path.exists(path)


def test_exports_that_never_finished_are_purged_once_as_old(quarter, cast, media):
    year = quarter.assessment_year
    stuck = RegisterExport.objects.create(kind="year-summary", assessment_year=year, requested_by=cast["org"])
    RegisterExport.objects.filter(pk=stuck.pk).update(status="running")
    fresh = RegisterExport.objects.create(kind="year-summary", assessment_year=year, requested_by=cast["org"])
    later = timezone.now() + datetime.timedelta(days=8)
    RegisterExport.objects.filter(pk=fresh.pk).update(requested_at=later)
    assert register_exports_purge(now=later) == 1
    assert list(RegisterExport.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_a_queued_export_runs_once(quarter, cast, media, django_capture_on_commit_callbacks):
    from assessment.registers.jobs import register_export_run

    with django_capture_on_commit_callbacks(execute=True):
        job = register_export_request(
            request=Request(kind="year-summary", assessment_year=quarter.assessment_year), by=cast["org"]
        )
    job.refresh_from_db()
    first = (job.status, job.file.name, job.finished_at)
    again = register_export_run(export_id=job.pk)
    assert (again.status, again.file.name, again.finished_at) == first


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_region_register_is_built_by_a_worker_through_redis(region, settings, tmp_path):
    from celery.contrib.testing.worker import start_worker

    from assessment.registers.tasks import register_export_task
    from config.celery import app

    settings.PRIVATE_ROOT = tmp_path
    unit = factories.UnitFactory(region=region)
    org = factories.user_with_role("org", region=region, username="org-w")
    office = factories.user_with_role("office", unit=unit, username="office-w")
    for _ in range(3):
        factories.PersonFactory(unit=unit)
    year = services.year_create(region=region, year=2026, by=org)
    period = year.periods.get(quarter=1)
    services.period_open(period=period, by=org)
    services.unit_start(period=period, unit=unit, by=office)
    job = RegisterExport.objects.create(kind="quarterly-results", assessment_year=year, quarter=1, requested_by=org)
    app.conf.update(task_always_eager=False, broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            outcome = register_export_task.delay(job.pk).get(timeout=30)
    finally:
        app.conf.update(task_always_eager=True, broker_url="memory://", result_backend="cache+memory://")
    job.refresh_from_db()
    assert outcome == {"status": "done", "sheets": 1, "size": job.size}
    assert (job.done, job.total) == (1, 1)
    assert load_workbook(job.file.path).sheetnames == [f"{unit.name}-{registers.NO_SECTION}"]


def test_sheet_titles_keep_the_persons_name_and_stay_valid():
    from assessment.registers.layout import SheetTitles, joined

    titles = SheetTitles()
    unit = "某某市某某区人力资源和社会保障局劳动保障监察大队综合科"  # 28 characters
    first = titles(joined(unit, "张三"))
    assert first.endswith("-张三")
    assert len(first) <= 31
    assert titles(joined(unit, "张三")).endswith("-张三（2）")
    assert titles(joined(unit, "李四")).endswith("-李四")
    assert titles("a" * 30 + "'b") == "a" * 30  # cut, then no trailing apostrophe
    assert titles("'引号'") == "引号"
    assert titles("股室[一]/二:三*?") == "股室_一__二_三__"


def test_the_people_outside_every_section_come_first_in_their_own_block_without_a_section_heads_line(
    quarter, cast, unit, staff
):
    leader = staff[9]  # the last in post order, moved out of the sections: the unit's 副局长
    leader.section = None
    leader.post = "副局长"
    leader.save()
    QuarterlyResult.objects.filter(period=quarter, person=leader).update(section=None)
    year = quarter.assessment_year
    _done, content = export(cast["office"], kind="quarterly-results", assessment_year=year, quarter=1, unit=unit)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == [registers.NO_SECTION, "综合股", "业务股"]
    block = values(book[registers.NO_SECTION])
    assert block[4][1] == leader.name
    signed = {v for row in block for v in row if v}
    assert "主要领导（签字）：" in signed
    assert "股室负责人（签字）：" not in signed
    assert "股室负责人（签字）：" in {v for row in values(book["综合股"]) for v in row if v}
    _done, content = export(cast["office"], kind="quarterly-person", assessment_year=year, quarter=1, unit=unit)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames[0] == leader.name
    labels = {ws.title: {row[0] for row in values(ws)} for ws in book}
    assert "股组长评鉴意见" not in labels[leader.name]  # no section head appraises a leader
    assert "股组长评鉴意见" in labels[staff[0].name]
    _done, content = export(
        cast["office"], kind="quarterly-publicity", assessment_year=year, quarter=1, unit=unit
    )  # nothing published yet: an empty workbook that says so
    assert load_workbook(io.BytesIO(content)).sheetnames == ["平时考核结果公示表"]


def test_each_sheets_footer_numbers_its_own_pages_of_its_own_total(decided, cast, unit):
    year = decided.assessment_year
    done, content = export(cast["office"], kind="quarterly-person", assessment_year=year, quarter=1, unit=unit)
    book = load_workbook(io.BytesIO(content))
    assert done.pages == len(book.sheetnames) == 10
    for ws in book:
        assert ws.page_setup.useFirstPageNumber
        assert ws.page_setup.firstPageNumber == 1
        assert ws.oddFooter.center.text == f"{ws.title}　第 &P 页　共 1 页"


def test_a_pdf_is_refused_with_the_reason_where_libreoffice_is_missing(quarter, cast, unit, client, settings):
    settings.REGISTER_SOFFICE = "no-such-soffice"
    params = {
        "unit-kind": "quarterly-results",
        "unit-year": quarter.assessment_year.pk,
        "unit-quarter": 1,
        "unit-unit": unit.code,
        "unit-format": "pdf",
    }
    client.force_login(cast["outsider"])
    assert client.get(reverse("registers:download"), params).status_code == 404  # who asks comes first
    client.force_login(cast["office"])
    response = client.get(reverse("registers:download"), params, follow=True)
    assert response.redirect_chain[-1][0] == reverse("registers:centre")
    assert "服务器未安装 LibreOffice" in response.content.decode()


def test_a_region_pdf_fails_with_the_reason_where_libreoffice_is_missing(
    quarter, cast, client, media, settings, django_capture_on_commit_callbacks
):
    settings.REGISTER_SOFFICE = "no-such-soffice"
    client.force_login(cast["org"])
    form = {
        "region-kind": "quarterly-results",
        "region-year": quarter.assessment_year.pk,
        "region-quarter": 1,
        "region-format": "pdf",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registers:start"), form)
    job = RegisterExport.objects.get()
    assert job.file_name.endswith(".pdf")
    assert job.status == "failed"
    assert "服务器未安装 LibreOffice" in job.error
    assert "服务器未安装 LibreOffice" in client.get(reverse("registers:export", args=[job.pk])).content.decode()


@pytest.mark.libreoffice
def test_a_units_register_downloads_as_a_pdf_and_an_outsider_gets_404(quarter, cast, unit, client):
    params = {
        "unit-kind": "quarterly-results",
        "unit-year": quarter.assessment_year.pk,
        "unit-quarter": 1,
        "unit-unit": unit.code,
        "unit-format": "pdf",
    }
    client.force_login(cast["outsider"])
    assert client.get(reverse("registers:download"), params).status_code == 404
    client.force_login(cast["office"])
    assert "下载 PDF" in client.get(reverse("registers:centre")).content.decode()
    response = client.get(reverse("registers:download"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert ".pdf" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


@pytest.mark.libreoffice
def test_the_regions_pdf_is_built_in_the_background_and_kept_privately(
    quarter, cast, client, media, django_capture_on_commit_callbacks
):
    client.force_login(cast["org"])
    form = {
        "region-kind": "quarterly-results",
        "region-year": quarter.assessment_year.pk,
        "region-quarter": 1,
        "region-format": "pdf",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registers:start"), form)
    job = RegisterExport.objects.get()
    assert (job.status, job.format) == ("done", "pdf")
    assert job.file.path.startswith(str(media))
    download = client.get(reverse("registers:export_file", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    client.force_login(cast["outsider"])
    assert client.get(reverse("registers:export_file", args=[job.pk])).status_code == 404
