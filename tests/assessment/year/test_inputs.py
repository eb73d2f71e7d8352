import datetime
import io
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from assessment.models import AnnualInput, AnnualResult, Sanction
from assessment.quarter import services
from assessment.year.inputs import HEADERS, annual_inputs_import, annual_inputs_template, parse_annual_inputs
from audit.models import AuditEntry
from common.workbooks import ImportRefused
from tests import factories


@pytest.fixture
def year(region, cast):
    return services.year_create(region=region, year=2025, by=cast["org"])


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(person, name=None, **cells):
    """A row in the template's column order; ``cells`` by header, e.g. row(p, 专项考核得分=90)."""
    values = {"人员编号": person.pk, "姓名": name or person.name, "单位": person.unit.name, **cells}
    return [values.get(h) for h in HEADERS]


def saved_nothing() -> bool:
    return (
        not AnnualInput.objects.exists()
        and not Sanction.objects.exists()
        and not AuditEntry.objects.filter(action="annual_inputs_import").exists()
    )


def fill(content: bytes, values: dict[int, dict[str, object]]) -> bytes:
    """The template with ``values`` ({row number: {header: value}}) written in."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb.active
    for number, cells in values.items():
        for header, value in cells.items():
            ws.cell(row=number, column=HEADERS.index(header) + 1, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_template_lists_the_units_people_and_a_filled_template_imports(cast, staff, unit, year):
    content = annual_inputs_template(assessment_year=year, by=cast["office"], unit=unit)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert [r[:2] for r in rows[1:]] == [(p.pk, p.name) for p in staff]
    assert rows[1][2:4] == (unit.name, staff[0].section.name)

    filled = fill(
        content,
        {
            2: {"专项考核得分": 92.5, "年度考评得分": 88, "请假天数": 3, "试用期": "是", "立案审查": "否"},
            3: {
                "专项考核得分": 80,
                "年度考评得分": 79.25,
                "处分类型": "警告",
                "处分开始": datetime.date(2025, 3, 1),
                "处分结束": datetime.date(2025, 8, 31),
                "处分事由": "区纪委〔2025〕3号",
                "备注": "已满期",
            },
        },
    )
    counts = annual_inputs_import(
        content=filled, file_name="年度.xlsx", assessment_year=year, by=cast["office"], unit=unit
    )

    assert counts == {"rows": 10, "created": 10, "updated": 0, "sanctions": 1}
    first = AnnualInput.objects.get(person=staff[0], assessment_year=year)
    assert (first.special_score, first.review_score, first.leave_days) == (D("92.50"), D("88.00"), 3)
    assert isinstance(first.special_score, D)
    assert (first.probation, first.under_investigation, first.updated_by) == (True, False, cast["office"])
    second = AnnualInput.objects.get(person=staff[1], assessment_year=year)
    assert (second.review_score, second.note) == (D("79.25"), "已满期")
    untouched = AnnualInput.objects.get(person=staff[2], assessment_year=year)
    assert (untouched.special_score, untouched.review_score, untouched.leave_days) == (None, None, 0)
    sanction = Sanction.objects.get()
    assert (sanction.person, sanction.kind.name, sanction.starts_on, sanction.ends_on) == (
        staff[1],
        "警告",
        datetime.date(2025, 3, 1),
        datetime.date(2025, 8, 31),
    )
    entry = AuditEntry.objects.get(action="annual_inputs_import")
    assert (entry.assessment_year, entry.actor, entry.unit) == (year, cast["office"], unit)
    assert "年度.xlsx" in entry.comment


def test_the_template_is_prefilled_with_the_stored_inputs(cast, staff, unit, year):
    annual_inputs_import(
        content=workbook([row(staff[0], 专项考核得分=91.5, 年度考评得分=85, 请假天数=2, 立案审查="Y", 备注="借调")]),
        file_name="v1.xlsx",
        assessment_year=year,
        by=cast["office"],
    )
    content = annual_inputs_template(assessment_year=year, by=cast["office"], unit=unit)
    first = next(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True))
    assert first[4:9] == (91.5, 85, 2, "否", "是")
    assert first[13] == "借调"


def test_a_reimport_updates_the_inputs_rather_than_duplicating_them_and_adds_no_sanction_twice(cast, staff, year):
    sanction = {"处分类型": "记过", "处分开始": "2025-03-01", "处分结束": "2026-02-28", "处分事由": "某决定"}
    first = workbook([row(staff[0], 专项考核得分=80, 年度考评得分=80, **sanction), row(staff[1], 年度考评得分=70)])
    annual_inputs_import(content=first, file_name="v1.xlsx", assessment_year=year, by=cast["office"])

    second = workbook([row(staff[0], 专项考核得分=85.5, 年度考评得分=80, **sanction), row(staff[1], 年度考评得分=70)])
    counts = annual_inputs_import(content=second, file_name="v2.xlsx", assessment_year=year, by=cast["office"])

    assert counts == {"rows": 2, "created": 0, "updated": 1, "sanctions": 0}
    assert AnnualInput.objects.count() == 2
    assert AnnualInput.objects.get(person=staff[0]).special_score == D("85.50")
    assert Sanction.objects.count() == 1
    entry = AuditEntry.objects.filter(action="annual_inputs_import").last()
    assert entry.changes == {str(staff[0].pk): {"special_score": ["80.00", "85.5"]}}


def test_blank_cells_leave_the_stored_values_and_yes_no_words_and_text_dates_are_accepted(cast, staff, year):
    annual_inputs_import(
        content=workbook([row(staff[0], 专项考核得分=90, 年度考评得分=91, 请假天数=5, 试用期="TRUE", 备注="甲")]),
        file_name="v1.xlsx",
        assessment_year=year,
        by=cast["office"],
    )
    annual_inputs_import(
        content=workbook(
            [
                row(staff[0], 年度考评得分=95, 立案审查=1),
                row(staff[1], 试用期="n", 立案审查="false"),
                row(
                    staff[2],
                    处分类型="诫勉",
                    处分开始="2025/04/01",
                    处分结束=datetime.datetime(2025, 9, 30),
                    处分事由="诫勉谈话",
                ),
            ]
        ),
        file_name="v2.xlsx",
        assessment_year=year,
        by=cast["office"],
    )
    kept = AnnualInput.objects.get(person=staff[0])
    assert (kept.special_score, kept.review_score, kept.leave_days) == (D("90.00"), D("95.00"), 5)
    assert (kept.probation, kept.under_investigation, kept.note) == (True, True, "甲")
    other = AnnualInput.objects.get(person=staff[1])
    assert (other.probation, other.under_investigation) == (False, False)
    assert Sanction.objects.get(person=staff[2]).starts_on == datetime.date(2025, 4, 1)


def test_a_bad_file_names_each_bad_row_with_its_column_and_reason_and_saves_nothing(cast, staff, year):
    content = workbook(
        [
            row(staff[0], 专项考核得分=90, 年度考评得分=90),  # row 2: good
            row(staff[1], 专项考核得分=101, 年度考评得分=90),  # row 3: score outside 0–100
            row(staff[2], 处分类型="罚款", 处分开始="2025-01-01", 处分结束="2025-06-30", 处分事由="x"),  # row 4
            row(staff[3], 处分类型="警告", 处分开始="2025-06-30", 处分结束="2025-01-01", 处分事由="x"),  # row 5
            row(staff[4], name="张冠李戴", 年度考评得分=80),  # row 6: name does not match
            row(staff[0], 年度考评得分=70),  # row 7: duplicate of row 2
            [None] * len(HEADERS),  # blank line: ignored
        ]
    )
    with pytest.raises(ImportRefused) as caught:
        annual_inputs_import(content=content, file_name="bad.xlsx", assessment_year=year, by=cast["office"])

    errors = caught.value.errors
    assert [(e.row, e.column) for e in errors] == [
        (3, "E（专项考核得分）"),
        (4, "J（处分类型）"),
        (5, "L（处分结束）"),
        (6, "B（姓名）"),
        (7, "A（人员编号）"),
    ]
    by_row = {e.row: e.message for e in errors}
    assert "101" in by_row[3]
    assert "罚款" in by_row[4]
    assert all(name in by_row[4] for name in ("诫勉", "警告", "记过", "记大过", "降级", "撤职"))
    assert "2025-01-01" in by_row[5]
    assert "张冠李戴" in by_row[6]
    assert by_row[7] == _("duplicate of row %(row)s (same person)") % {"row": 2}
    assert str(errors[0]).startswith(_("row %(row)s") % {"row": 3})
    assert saved_nothing()


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"年度考评得分": "九十"}, "F"),
        ({"专项考核得分": 90.555}, "E"),
        ({"请假天数": 367}, "G"),
        ({"请假天数": 2.5}, "G"),
        ({"试用期": "可能"}, "H"),
        ({"立案审查": "是的"}, "I"),
        ({"处分类型": "警告", "处分结束": "2025-06-30", "处分事由": "x"}, "K"),
        ({"处分类型": "警告", "处分开始": "昨天", "处分结束": "2025-06-30", "处分事由": "x"}, "K"),
        ({"处分类型": "警告", "处分开始": "2025-01-01", "处分结束": "2025-06-30"}, "M"),
        ({"处分开始": "2025-01-01", "处分结束": "2025-06-30", "处分事由": "x"}, "J"),
        ({"备注": "长" * 301}, "N"),
    ],
)
def test_each_bad_cell_is_refused_in_its_own_column(cast, staff, year, cells, column):
    with pytest.raises(ImportRefused) as caught:
        annual_inputs_import(
            content=workbook([row(staff[0], **cells)]), file_name="bad.xlsx", assessment_year=year, by=cast["office"]
        )
    assert [(e.row, e.column[0]) for e in caught.value.errors] == [(2, column)]
    assert saved_nothing()


def test_a_person_outside_the_importers_unit_is_refused_as_unknown(cast, staff, year, other_unit):
    stranger = factories.PersonFactory(unit=other_unit)
    content = workbook([row(staff[0], 年度考评得分=90), row(stranger, 年度考评得分=90), [999999, "无此人"]])
    with pytest.raises(ImportRefused) as caught:
        annual_inputs_import(content=content, file_name="x.xlsx", assessment_year=year, by=cast["office"])
    errors = caught.value.errors
    assert [(e.row, e.column) for e in errors] == [(3, "A（人员编号）"), (4, "A（人员编号）")]
    assert errors[0].message == _("unknown person, or outside your unit: %(n)s") % {"n": stranger.pk}
    assert saved_nothing()


def test_the_outsider_may_not_import_into_the_unit_and_nothing_is_saved(cast, staff, unit, year):
    content = workbook([row(staff[0], 年度考评得分=90)])
    with pytest.raises(PermissionError):
        annual_inputs_import(content=content, file_name="x.xlsx", assessment_year=year, by=cast["outsider"], unit=unit)
    with pytest.raises(ImportRefused):
        annual_inputs_import(content=content, file_name="x.xlsx", assessment_year=year, by=cast["outsider"])
    with pytest.raises(PermissionError):
        annual_inputs_import(content=content, file_name="x.xlsx", assessment_year=year, by=cast["leader"])
    assert saved_nothing()


def test_the_outsiders_template_lists_none_of_the_units_people(cast, staff, year):
    content = annual_inputs_template(assessment_year=year, by=cast["outsider"])
    assert list(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True)) == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "文件为空"),
        (b"this is not a workbook", "Excel"),
        (workbook([], headers=("人员编号", "姓名", "得分")), "缺少列：专项考核得分、年度考评得分"),
        (workbook([]), None),
    ],
)
def test_files_that_are_not_annual_input_sheets_are_refused_with_a_reason(cast, year, content, fragment):
    with pytest.raises(ImportRefused) as caught:
        annual_inputs_import(content=content, file_name="x.xlsx", assessment_year=year, by=cast["office"])
    assert (fragment or _("The file holds no people.")) in str(caught.value.errors[0])
    assert saved_nothing()


def test_a_final_annual_result_refuses_its_row(cast, staff, unit, year):
    AnnualResult.objects.create(
        person=staff[1], assessment_year=year, unit=unit, status=AnnualResult.Status.FINAL, final_grade="称职"
    )
    AnnualResult.objects.create(person=staff[0], assessment_year=year, unit=unit)  # still open: accepted
    content = workbook([row(staff[0], 年度考评得分=90), row(staff[1], 年度考评得分=60)])
    with pytest.raises(ImportRefused) as caught:
        parse_annual_inputs(content=content, assessment_year=year, by=cast["office"])
    [error] = caught.value.errors
    assert (error.row, error.column) == (3, "A（人员编号）")
    assert error.message == _("the annual result is final; ask for a review instead")
    assert not AnnualInput.objects.exists()


def test_the_import_writes_through_the_services_each_person_audited_as_on_the_page(cast, staff, year):
    sanction = {"处分类型": "警告", "处分开始": "2025-03-01", "处分结束": "2025-08-31", "处分事由": "某决定"}
    content = workbook([row(staff[0], 专项考核得分=90, 年度考评得分=88, **sanction), row(staff[1], 年度考评得分=70)])
    annual_inputs_import(content=content, file_name="v1.xlsx", assessment_year=year, by=cast["office"])

    entries = AuditEntry.objects.filter(action="annual_input_set").order_by("pk")
    assert [e.comment for e in entries] == [staff[0].name, staff[1].name]
    assert entries[0].changes["special_score"][0] is None
    assert AuditEntry.objects.filter(action="sanction_record", assessment_year=year).count() == 1


def test_what_the_service_refuses_is_reported_on_its_row_and_column_and_nothing_is_saved(cast, staff, year):
    # 366 days pass the file's own check, but 2025 has 365: the service refuses it.
    content = workbook([row(staff[0], 年度考评得分=90), row(staff[1], 年度考评得分=90, 请假天数=366)])
    with pytest.raises(ImportRefused) as caught:
        annual_inputs_import(content=content, file_name="x.xlsx", assessment_year=year, by=cast["office"])
    [error] = caught.value.errors
    assert (error.row, error.column) == (3, "G（请假天数）")
    assert error.message == _("Days of leave lie between 0 and %(days)s.") % {"days": 365}
    assert saved_nothing()
    assert not AuditEntry.objects.filter(action="annual_input_set").exists()


def test_the_import_costs_a_bounded_number_of_queries_per_person(cast, staff, year):
    sanction = {"处分类型": "警告", "处分开始": "2025-03-01", "处分结束": "2025-08-31", "处分事由": "某决定"}

    def cost(people) -> int:
        content = workbook([row(p, 专项考核得分=90, 年度考评得分=88, **sanction) for p in people])
        with CaptureQueriesContext(connection) as queries:
            annual_inputs_import(content=content, file_name="x.xlsx", assessment_year=year, by=cast["office"])
        return len(queries)

    one, nine = cost(staff[:1]), cost(staff[1:])
    assert one <= 30
    # Each more person costs what annual_input_set and sanction_record do (savepoints included), nothing more.
    assert nine - one <= 8 * 16
