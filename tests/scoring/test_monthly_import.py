import io
from decimal import Decimal as D

import pytest
from openpyxl import Workbook, load_workbook

from common.workbooks import ImportRefused
from scoring.models import MonthlyImport, MonthlyScore, MonthlyScoreChange
from scoring.monthly import HEADERS, monthly_import, monthly_template
from tests import factories


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(person, month, score, name=None):
    return [person.pk, name or person.name, person.unit.name, "", month, score]


def test_the_template_lists_the_units_people_for_the_month(sheet, officer, period, person, unit):
    content = monthly_template(period=period, month=2, by=officer, unit=unit)
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert rows[1][:2] == (person.pk, person.name)
    assert rows[1][4] == 2


def test_a_filled_template_imports_and_recomputes_the_sheet(sheet, officer, period, person, unit):
    content = monthly_template(period=period, month=1, by=officer, unit=unit)
    wb = load_workbook(io.BytesIO(content))
    wb.active.cell(row=2, column=6, value=92.5)
    buffer = io.BytesIO()
    wb.save(buffer)
    batch = monthly_import(content=buffer.getvalue(), file_name="一月.xlsx", period=period, by=officer, unit=unit)
    assert (batch.rows, batch.created, batch.replaced) == (1, 1, 0)
    assert MonthlyScore.objects.get(person=person, month=1).score == D("92.50")
    sheet.refresh_from_db()
    assert sheet.individual_points == D("37.00")


def test_three_bad_rows_save_nothing_and_are_all_named(sheet, officer, period, person, unit, section):
    others = [factories.PersonFactory(unit=unit, section=section) for _ in range(3)]
    content = workbook(
        [
            row(person, 1, 90),
            row(others[0], 1, "九十"),  # row 3: not a number
            row(others[1], 4, 88),  # row 4: month outside the quarter
            row(others[2], 1, 101),  # row 5: outside 0–100
        ]
    )
    with pytest.raises(ImportRefused) as caught:
        monthly_import(content=content, file_name="bad.xlsx", period=period, by=officer, unit=unit)
    errors = caught.value.errors
    assert [(e.row, e.column[0]) for e in errors] == [(3, "F"), (4, "E"), (5, "F")]
    assert not MonthlyScore.objects.exists()
    assert not MonthlyImport.objects.exists()


def test_unknown_people_duplicates_and_wrong_names_are_named(sheet, officer, period, person, outsider, other_unit):
    stranger = factories.PersonFactory(unit=other_unit)
    content = workbook(
        [
            row(person, 1, 90),
            row(person, 1, 91),  # duplicate of row 2
            [999999, "无此人", "", "", 1, 80],  # unknown person
            row(stranger, 1, 80),  # another unit's person
            row(person, 2, 80, name="张冠李戴"),  # name does not match
            ["", "", "", "", "", ""],  # blank line: ignored
        ]
    )
    with pytest.raises(ImportRefused) as caught:
        monthly_import(content=content, file_name="bad.xlsx", period=period, by=officer)
    by_row = {e.row: e for e in caught.value.errors}
    assert set(by_row) == {3, 4, 5, 6}
    assert "2" in by_row[3].message
    assert by_row[4].column.startswith("A")
    assert by_row[5].column.startswith("A")
    assert by_row[6].column.startswith("B")
    assert not MonthlyScore.objects.exists()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "文件为空"),
        (b"this is not a workbook", "Excel"),
        (workbook([], headers=("姓名", "得分")), "缺少列"),
        (workbook([]), "没有得分"),
    ],
)
def test_files_that_are_not_monthly_sheets_are_refused_with_a_reason(officer, period, content, fragment, sheet):
    with pytest.raises(ImportRefused) as caught:
        monthly_import(content=content, file_name="x.xlsx", period=period, by=officer)
    assert fragment in str(caught.value.errors[0])
    assert not MonthlyScore.objects.exists()


def test_a_reimport_of_a_month_replaces_it_and_keeps_the_history(sheet, officer, period, person):
    monthly_import(content=workbook([row(person, 1, 80)]), file_name="v1.xlsx", period=period, by=officer)
    batch = monthly_import(content=workbook([row(person, 1, 85)]), file_name="v2.xlsx", period=period, by=officer)
    assert MonthlyScore.objects.get(person=person, month=1).score == D("85.00")
    assert (batch.created, batch.replaced) == (0, 1)
    change = MonthlyScoreChange.objects.get()
    assert (change.old, change.new, change.batch) == (D("80.00"), D("85.00"), batch)
    sheet.refresh_from_db()
    assert sheet.individual_points == D("34.00")


def test_an_outsider_may_not_import_into_the_unit(outsider, period, unit, person):
    with pytest.raises(PermissionError):
        monthly_import(
            content=workbook([row(person, 1, 80)]), file_name="x.xlsx", period=period, by=outsider, unit=unit
        )


def test_a_closed_period_refuses_imports(officer, period, person, sheet):
    from django.core.exceptions import ValidationError

    period.status = "closed"
    period.save()
    with pytest.raises(ValidationError):
        monthly_import(content=workbook([row(person, 1, 80)]), file_name="x.xlsx", period=period, by=officer)
