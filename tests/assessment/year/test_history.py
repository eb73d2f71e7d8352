"""Earlier grades (历史等次): the organisation department's all-or-nothing import of the annual and quarterly
grades from before its region went live, and the readers that see them (consequences, the first year's
roll-up and registers, the profile, the page)."""

import datetime
import io
import re
import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from assessment import annual
from assessment.models import AnnualResult, GradeHistory, QuarterlyResult
from assessment.quarter import services
from assessment.registers.export import Request, export_register
from assessment.year import services as annual_services
from assessment.year.history import ACTION, HEADERS, history_import, history_template
from assessment.year.selectors import consequences_for, consequences_of
from audit.models import AuditEntry
from common.workbooks import ImportRefused
from periods.models import AssessmentYear, Period
from scoring.models import ScoreSheet
from tests import factories
from tests.assessment.year.test_services import SCORE


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(person, year, quarter, grade, *, name=None, id_number=None):
    """A row in the template's column order: 身份证号, 姓名, 单位, 年度, 季度, 等次."""
    return [id_number or person.id_number, name or person.name, person.unit.name, year, quarter, grade]


def history(person, *grades):
    """Rows for ``person``: (year, quarter or None, grade) each."""
    return [row(person, year, quarter, grade) for year, quarter, grade in grades]


def saved_nothing() -> bool:
    return not GradeHistory.objects.exists() and not AuditEntry.objects.filter(action=ACTION).exists()


def grades_of(person) -> dict:
    return {(g.year, g.quarter): g.grade for g in GradeHistory.objects.filter(person=person)}


@pytest.fixture
def org(cast):
    return cast["org"]


def do_import(rows, org, region, file_name="历史等次.xlsx"):
    return history_import(content=workbook(rows), file_name=file_name, region=region, by=org)


def refused(rows, org, region) -> list:
    with pytest.raises(ImportRefused) as caught:
        do_import(rows, org, region)
    return caught.value.errors


# The import ---------------------------------------------------------------------------------------------


def test_the_template_lists_the_regions_people_and_a_filled_template_imports(org, region, staff):
    content = history_template(region=region, by=org)
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert [r[:2] for r in rows[1:]] == [(p.id_number, p.name) for p in staff]
    assert all(r[3:] == (None, None, None) for r in rows[1:])
    sheet = load_workbook(io.BytesIO(content)).active
    for n, values in {2: (2023, None, "优秀"), 3: (2024, "第二季度", "较好"), 4: (2024, 1, "好")}.items():
        for column, value in zip("DEF", values, strict=True):
            sheet[f"{column}{n}"] = value
    buffer = io.BytesIO()
    sheet.parent.save(buffer)

    done = history_import(content=buffer.getvalue(), file_name="历史等次.xlsx", region=region, by=org)

    assert (done.rows, done.annual, done.quarterly) == (3, 1, 2)
    assert (done.created, done.updated, done.unchanged) == (3, 0, 0)
    assert grades_of(staff[0]) == {(2023, None): "优秀"}
    assert grades_of(staff[1]) == {(2024, 2): "较好"}
    assert grades_of(staff[2]) == {(2024, 1): "好"}
    stored = GradeHistory.objects.get(person=staff[0])
    assert (stored.file_name, stored.imported_by) == ("历史等次.xlsx", org)
    entry = AuditEntry.objects.get(action=ACTION)
    assert (entry.region, entry.actor, entry.period, entry.assessment_year) == (region, org, None, None)
    assert "历史等次.xlsx" in entry.comment


def test_importing_the_same_file_again_changes_nothing_and_a_changed_grade_replaces_the_old(org, region, staff):
    rows = history(staff[0], (2023, None, "优秀"), (2024, None, "称职"), (2024, 4, "好"))
    do_import(rows, org, region)
    again = do_import(rows, org, region, file_name="again.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert GradeHistory.objects.count() == 3
    assert set(GradeHistory.objects.values_list("file_name", flat=True)) == {"历史等次.xlsx"}

    changed = do_import(history(staff[0], (2024, None, "优秀")), org, region, file_name="更正.xlsx")

    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 0)
    assert grades_of(staff[0]) == {(2023, None): "优秀", (2024, None): "优秀", (2024, 4): "好"}  # the rest kept
    assert GradeHistory.objects.get(person=staff[0], year=2024, quarter=None).file_name == "更正.xlsx"
    entry = AuditEntry.objects.filter(action=ACTION).last()
    assert entry.changes == {f"{staff[0].pk} 2024": ["称职", "优秀"]}
    # The template now carries what is imported, and importing it unchanged changes nothing.
    template = history_template(region=region, by=org)
    listed = load_workbook(io.BytesIO(template)).active.iter_rows(min_row=2, values_only=True)
    mine = [r[3:] for r in listed if r[0] == staff[0].id_number]
    assert mine == [(2023, None, "优秀"), (2024, 4, "好"), (2024, None, "优秀")]
    done = history_import(content=template, file_name="template.xlsx", region=region, by=org)
    assert (done.rows, done.created, done.updated, done.unchanged) == (3, 0, 0, 3)


def test_a_bad_file_names_every_bad_row_with_its_column_and_reason_and_saves_nothing(org, region, staff):
    stranger = factories.PersonFactory(unit=factories.UnitFactory(region=factories.RegionFactory()))
    nobody = factories.make_id_number(datetime.date(1990, 1, 1), "M", 4321)
    rows = [
        row(staff[0], 2023, None, "优秀"),  # 2: good
        row(staff[1], 2023, 1, "优秀"),  # 3: an annual grade for a quarter
        row(staff[2], 2023, None, "好"),  # 4: a quarterly grade for the year
        row(staff[3], 2023, 5, "好"),  # 5: no quarter 5
        row(staff[4], "二〇二三", None, "称职"),  # 6: not a year
        row(staff[0], 2023, None, "称职"),  # 7: duplicate of row 2
        row(staff[5], 2023, None, "称职", name="张冠李戴"),  # 8: name does not match
        row(stranger, 2023, None, "称职"),  # 9: another region's person
        row(staff[6], 2023, None, "称职", id_number=nobody),  # 10: nobody has this ID number
        row(staff[7], 2023, None, "称职", id_number="12345"),  # 11: not an ID number
        row(staff[8], 2023, 2, "非常好"),  # 12: no such grade
        row(staff[9], 2023, 2, None),  # 13: no grade
        row(staff[9], 1999, None, "称职"),  # 14: a year before any assessment year
        [None] * len(HEADERS),  # blank line: ignored
        [staff[9].id_number, staff[9].name, None, None, None, None],  # a person with nothing to import: skipped
    ]
    errors = refused(rows, org, region)
    assert [(e.row, e.column) for e in errors] == [
        (3, "F（等次）"),
        (4, "F（等次）"),
        (5, "E（季度）"),
        (6, "D（年度）"),
        (7, "A（身份证号）"),
        (8, "B（姓名）"),
        (9, "A（身份证号）"),
        (10, "A（身份证号）"),
        (11, "A（身份证号）"),
        (12, "F（等次）"),
        (13, "F（等次）"),
        (14, "D（年度）"),
    ]
    by_row = {e.row: e.message for e in errors}
    assert "优秀" in by_row[3]
    assert all(g in by_row[3] for g in ("好", "较好", "一般", "较差"))
    assert all(g in by_row[4] for g in ("优秀", "称职", "基本称职", "不称职", "不定等次"))
    assert "5" in by_row[5]
    assert "二〇二三" in by_row[6]
    assert by_row[7] == _("duplicate of row %(row)s (same person, year and quarter)") % {"row": 2}
    assert "张冠李戴" in by_row[8]
    assert by_row[9] == by_row[10] == _("no person with this ID number in your region")
    assert by_row[12] == _("%(grade)s is not a quarterly grade; use one of: %(allowed)s") % {
        "grade": "非常好",
        "allowed": "好、较好、一般、较差",
    }
    assert "1999" in by_row[14]
    assert str(errors[0]).startswith(_("row %(row)s") % {"row": 3})
    assert saved_nothing()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "文件为空"),
        (b"this is not a workbook", "Excel"),
        (workbook([], headers=("身份证号", "姓名", "年份", "成绩")), "缺少列：年度、季度、等次"),
        (workbook([]), None),
    ],
)
def test_files_that_are_not_history_sheets_are_refused_with_a_reason(org, region, content, fragment):
    with pytest.raises(ImportRefused) as caught:
        history_import(content=content, file_name="x.xlsx", region=region, by=org)
    assert (fragment or _("The file holds no grades.")) in str(caught.value.errors[0])
    assert saved_nothing()


def test_quarter_words_years_written_with_the_character_and_every_grade_are_read(org, region, staff):
    rows = [
        row(staff[0], "2022年", "第四季度", "一般"),
        row(staff[0], 2022, "Q3", "较差"),
        row(staff[0], 2022.0, 2.0, "较好"),
        row(staff[0], 2022, None, "基本称职"),
        row(staff[1], 2022, None, "不称职"),
        row(staff[2], 2022, None, "不定等次"),
    ]
    assert do_import(rows, org, region).rows == 6
    assert grades_of(staff[0]) == {(2022, 4): "一般", (2022, 3): "较差", (2022, 2): "较好", (2022, None): "基本称职"}


def test_grades_not_over_yet_are_refused(org, region, staff, monkeypatch):
    monkeypatch.setattr("assessment.year.history.today", lambda: datetime.date(2026, 8, 10))
    errors = refused(
        [
            row(staff[0], 2026, 2, "好"),  # 2: Q2 of 2026 is over: good
            row(staff[0], 2026, 3, "好"),  # 3: Q3 is not over
            row(staff[0], 2026, None, "优秀"),  # 4: the year is not over
            row(staff[0], 2027, 1, "好"),  # 5: next year
        ],
        org,
        region,
    )
    assert [(e.row, e.column[0]) for e in errors] == [(3, "E"), (4, "D"), (5, "D")]
    assert saved_nothing()


def go_live_in_q3(region, unit, cast, grades: dict, *, year=2025):
    """A region whose first live quarter is Q3 of ``year``: Q1 and Q2 closed with nobody assessed in the system,
    Q3 and Q4 graded as given ({person: (Q3, Q4)}) and final."""
    assessment_year = services.year_create(region=region, year=year, by=cast["org"])
    Period.objects.filter(assessment_year=assessment_year, quarter__in=(1, 2)).update(status=Period.Status.CLOSED)
    for quarter in (3, 4):
        period = assessment_year.periods.get(quarter=quarter)
        services.period_open(period=period, by=cast["org"])
        services.unit_start(period=period, unit=unit, by=cast["office"])
        for person, (q3, q4) in grades.items():
            grade = q3 if quarter == 3 else q4
            result = QuarterlyResult.objects.get(period=period, person=person)
            ScoreSheet.objects.filter(pk=result.sheet_id).update(total=SCORE[grade], is_complete=True)
            QuarterlyResult.objects.filter(pk=result.pk).update(status="final", final_grade=grade)
        Period.objects.filter(pk=period.pk).update(status=Period.Status.CLOSED)
    return assessment_year


def test_history_never_overlaps_what_the_system_already_holds(org, region, unit, cast, staff, other_unit):
    go_live_in_q3(region, unit, cast, dict.fromkeys(staff[:2], ("好", "好")))
    # Elsewhere: staff[2] already has an annual result of 2024 in another region, staff[3] a final one of 2025.
    elsewhere = AssessmentYear.objects.create(region=factories.RegionFactory(), year=2024)
    AnnualResult.objects.create(person=staff[2], assessment_year=elsewhere, unit=other_unit)
    live_2025 = AssessmentYear.objects.get(region=region, year=2025)
    AnnualResult.objects.create(
        person=staff[3], assessment_year=live_2025, unit=unit, status=AnnualResult.Status.FINAL, final_grade="称职"
    )
    # An open period is live even before anybody has a result in it.
    open_year = services.year_create(region=region, year=2026, by=org)
    Period.objects.filter(assessment_year=open_year, quarter=1).update(status=Period.Status.OPEN)

    errors = refused(
        [
            row(staff[0], 2025, 1, "好"),  # 2: before the first live quarter: good
            row(staff[0], 2024, None, "优秀"),  # 3: a year before the system: good
            row(staff[0], 2025, 3, "好"),  # 4: a live quarter of the region
            row(staff[0], 2025, None, "优秀"),  # 5: the region runs 2025 in the system
            row(staff[2], 2024, None, "称职"),  # 6: the person's 2024 is another region's live result
            row(staff[3], 2025, 2, "好"),  # 7: the person's 2025 is final
            row(staff[4], 2026, 1, "好"),  # 8: the quarter is open
        ],
        org,
        region,
    )
    assert [(e.row, e.column) for e in errors] == [
        (4, "E（季度）"),
        (5, "D（年度）"),
        (6, "D（年度）"),
        (7, "E（季度）"),
        (8, "E（季度）"),
    ]
    by_row = {e.row: e.message for e in errors}
    assert by_row[4] == _(
        "%(year)s Q%(quarter)s is assessed in the system in this region; its grades come from there"
    ) % {"year": 2025, "quarter": 3}
    assert by_row[5] == _("%(year)s is assessed in the system in this region; its annual grades come from there") % {
        "year": 2025
    }
    assert "2024" in by_row[6]
    assert "2025" in by_row[7]
    assert saved_nothing()


def test_only_the_organisation_department_of_the_region_imports(cast, region, staff, caplog):
    content = workbook(history(staff[0], (2023, None, "优秀")))
    other_org = factories.user_with_role("org", region=factories.RegionFactory(), username="org-elsewhere")
    for user in (cast["office"], cast["leader"], staff[0].user, other_org):
        with pytest.raises(PermissionError):
            history_import(content=content, file_name="x.xlsx", region=region, by=user)
        with pytest.raises(PermissionError):
            history_template(region=region, by=user)
    assert saved_nothing()
    assert "action=grade_history_import" in caplog.text


def test_the_import_is_a_fixed_number_of_queries_whatever_its_rows(org, region, staff):
    def cost(people, year) -> int:
        rows = [row(p, year, q, "好" if q else "优秀") for p in people for q in (1, 2, 3, 4, None)]
        by = type(org).objects.get(pk=org.pk)  # as a request has it: its roles not read yet
        with CaptureQueriesContext(connection) as queries:
            done = do_import(rows, by, region)
        assert done.created == len(rows)
        return len(queries)

    five, fifty = cost(staff[:1], 2022), cost(staff, 2023)
    assert five == fifty
    assert fifty <= 15
    # A re-import that changes every grade costs no more per row either.
    rows = [row(p, 2023, q, "较好" if q else "称职") for p in staff for q in (1, 2, 3, 4, None)]
    by = type(org).objects.get(pk=org.pk)
    with CaptureQueriesContext(connection) as queries:
        assert do_import(rows, by, region).updated == 50
    assert len(queries) <= fifty


@pytest.mark.postgres
def test_two_imports_of_the_same_grades_at_once_store_each_grade_once(transactional_db):
    region = factories.RegionFactory()
    unit = factories.UnitFactory(region=region)
    people = [factories.PersonFactory(unit=unit) for _ in range(5)]
    importers = [factories.user_with_role("org", region=region) for _ in range(2)]
    content = workbook([row(p, 2023, q, "好" if q else "优秀") for p in people for q in (1, 2, 3, 4, None)])
    barrier = threading.Barrier(len(importers))
    outcomes = []

    def run(by):
        try:
            barrier.wait()
            done = history_import(content=content, file_name="x.xlsx", region=region, by=by)
            outcomes.append((done.created, done.unchanged))
        except Exception as exc:  # an IntegrityError here would be the race this test is about
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(by,)) for by in importers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [(0, 25), (25, 0)]
    assert GradeHistory.objects.count() == 25


# The readers ------------------------------------------------------------------------------------------


def final_annual(person, assessment_year, grade):
    return AnnualResult.objects.create(
        person=person,
        assessment_year=assessment_year,
        unit=person.unit,
        status=AnnualResult.Status.FINAL,
        final_grade=grade,
    )


def test_imported_years_make_the_runs_of_excellent_and_incompetent(org, region, unit, staff):
    year = AssessmentYear.objects.create(region=region, year=2025)
    do_import(
        [
            *history(staff[0], (2023, None, "优秀"), (2024, None, "优秀")),  # + live 2025: 三等功
            *history(staff[1], (2024, None, "不称职")),  # + live 2025: 辞退审查
            *history(staff[2], (2022, None, "优秀"), (2023, None, "优秀"), (2024, None, "优秀")),  # 4th year: no merit
            *history(staff[3], (2023, None, "优秀"), (2024, None, "不定等次")),  # the run is broken
        ],
        org,
        region,
    )
    final_annual(staff[0], year, "优秀")
    final_annual(staff[1], year, "不称职")
    final_annual(staff[2], year, "优秀")
    final_annual(staff[3], year, "优秀")
    final_annual(staff[4], year, "不称职")  # no history: one year only

    listed = {
        c.result.person_id: c.kinds for c in consequences_of(consequences_for(user=org, assessment_year=year), year)
    }

    assert listed[staff[0].pk] == (annual.COMMENDATION, annual.MERIT)
    assert listed[staff[1].pk] == (annual.DISMISSAL_REVIEW,)
    assert listed[staff[2].pk] == (annual.COMMENDATION,)
    assert listed[staff[3].pk] == (annual.COMMENDATION,)
    assert staff[4].pk not in listed
    # The region's dashboard counts them too.
    from assessment.year import region_selectors

    board = region_selectors.dashboard(user=org, assessment_year=year, units=[unit])
    assert board.rows[0].consequences == 4


def test_the_quarters_before_going_live_count_in_the_first_years_roll_up_and_registers(org, region, unit, cast, staff):
    year = go_live_in_q3(region, unit, cast, {staff[0]: ("好", "较好"), staff[1]: ("较好", "较好")})
    do_import(
        [*history(staff[0], (2025, 1, "好"), (2025, 2, "好")), *history(staff[1], (2025, 1, "一般"))],
        org,
        region,
    )
    annual_services.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])

    first = AnnualResult.objects.get(person=staff[0], assessment_year=year)
    assert first.grades_by_quarter == ["好", "好", "好", "较好"]
    assert (first.quarters, first.goods, first.excellent_eligible) == (4, 3, True)
    assert first.average_quarterly == D("90.00")  # the live quarters' scores only: the imported have none
    second = AnnualResult.objects.get(person=staff[1], assessment_year=year)
    assert second.grades_by_quarter == ["一般", "", "较好", "较好"]
    assert (second.quarters, second.excellent_eligible) == (3, False)
    # A second roll-up changes nothing.
    assert annual_services.annual_rollup(assessment_year=year, unit=unit, by=cast["office"]).unchanged == 2

    out = io.BytesIO()
    export_register(request=Request(kind="year-summary", assessment_year=year, unit=unit), by=org, out=out)
    rows = [list(r) for r in load_workbook(io.BytesIO(out.getvalue()))[unit.name].iter_rows(values_only=True)]
    by_name = {r[1]: r for r in rows[4:] if r[1]}
    assert by_name[staff[0].name][4:13] == ["好", "好", "好", "较好", 3, 1, 0, 0, "是"]
    assert "第一季度为系统启用前等次（导入）" in by_name[staff[0].name][13]
    assert by_name[staff[1].name][4:8] == ["一般", None, "较好", "较好"]

    out = io.BytesIO()
    export_register(request=Request(kind="annual-person", assessment_year=year, unit=unit), by=org, out=out)
    rows = [list(r) for r in load_workbook(io.BytesIO(out.getvalue()))[staff[0].name].iter_rows(values_only=True)]
    grades_at = next(n for n, r in enumerate(rows) if r[0] == "平时考核等次")
    assert rows[grades_at + 1][1:5] == ["好", "好", "好", "较好"]


def test_the_profile_shows_the_imported_grades_a_year_to_a_line(org, region, staff, client):
    grades = ((2023, None, "优秀"), (2024, 1, "好"), (2024, 4, "较好"), (2024, None, "称职"))
    do_import(history(staff[0], *grades), org, region)
    client.force_login(org)
    html = client.get(reverse("person_detail", args=[staff[0].pk])).content.decode()
    table = html[html.index('id="grade-history"') :]
    table = table[: table.index("</table>")]
    texts = re.findall(r"<td[^>]*>(.*?)</td>", table)
    assert texts[:6] == ["2024", "好", "—", "—", "较好", "称职"]
    assert texts[7:13] == ["2023", "—", "—", "—", "—", "优秀"]


# The page -----------------------------------------------------------------------------------------------


def upload(content: bytes, name: str = "历史等次.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return file


def test_the_org_home_page_leads_to_the_page_and_the_page_imports(org, region, staff, client):
    client.force_login(org)
    url = reverse("annual:history", args=[region.pk])
    assert url in client.get(reverse("home")).content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert reverse("annual:history_template", args=[region.pk]) in page.content.decode()

    content = workbook(history(staff[0], (2023, None, "优秀"), (2024, 1, "好"), (2024, 2, "较好")))
    response = client.post(url, {"file": upload(content)}, follow=True)

    assert response.redirect_chain[-1][0] == url
    html = response.content.decode()
    message = _(
        "Imported %(annual)s annual and %(quarterly)s quarterly grades: %(created)s new, "
        "%(updated)s changed, %(unchanged)s already there."
    ) % {"annual": 1, "quarterly": 2, "created": 3, "updated": 0, "unchanged": 0}
    assert message in html
    counts = html[html.index('id="history-counts"') :]
    assert "<td>2024</td>" in counts
    assert "历史等次.xlsx" in html
    template = client.get(reverse("annual:history_template", args=[region.pk]))
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(template.content)).active["A1"].value == "身份证号"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "提交的是空文件"),  # the form's own check
        (b"%PDF-1.4 not a workbook", "Excel"),
        (workbook([], headers=("身份证号", "姓名")), "缺少列：年度、季度、等次"),
        ("bad rows", "季度应为 1、2、3 或 4"),
    ],
)
def test_the_page_lists_every_problem_of_a_bad_file_and_saves_nothing(org, region, staff, client, content, fragment):
    if content == "bad rows":
        content = workbook([row(staff[0], 2023, 7, "好"), row(staff[1], "去年", None, "极好")])
    client.force_login(org)
    response = client.post(reverse("annual:history", args=[region.pk]), {"file": upload(content)})
    assert response.status_code == 200
    html = response.content.decode()
    assert fragment in html
    if fragment != "提交的是空文件":
        assert "未保存任何数据" in html
    if content != b"" and fragment.startswith("季度"):
        assert html.count("<td>2</td>") + html.count("<td>3</td>") >= 2  # both rows named
    assert saved_nothing()


def test_the_page_and_its_template_are_404_to_anyone_but_the_regions_organisation_department(
    cast, region, staff, client, caplog
):
    other_org = factories.user_with_role("org", region=factories.RegionFactory(), username="org-elsewhere")
    content = workbook(history(staff[0], (2023, None, "优秀")))
    for user in (cast["office"], cast["outsider"], staff[0].user, other_org):
        client.force_login(user)
        assert client.get(reverse("annual:history", args=[region.pk])).status_code == 404
        assert client.get(reverse("annual:history_template", args=[region.pk])).status_code == 404
        response = client.post(reverse("annual:history", args=[region.pk]), {"file": upload(content)})
        assert response.status_code == 404
        assert reverse("annual:history", args=[region.pk]) not in client.get(reverse("home")).content.decode()
    assert saved_nothing()
    assert "refused user=office action=grade_history" in caplog.text
