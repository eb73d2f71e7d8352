"""The file-level limits every workbook import checks before a reader parses the file (``check_workbook``): its
size, a real .xlsx, its size once unzipped (from the zip's directory, then as it really unzips), its sheets, and
each sheet's rows and columns (its dimension, then its rows and cells as they stream); and the capped list of a
refused file's problems (``ShownErrors``)."""

import io
import struct
import zipfile

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import Workbook

from common import workbooks
from common.workbooks import NOT_XLSX, ImportRefused, RowError, ShownErrors, check_workbook, read_checked_table
from tests.helpers import MAIN, xlsx


@pytest.fixture
def reader_calls(monkeypatch):
    """The calls that reached the workbook reader (calamine): a refused file must never get there."""
    calls = []
    real = workbooks.CalamineWorkbook

    class Spy:
        @staticmethod
        def from_filelike(stream):
            calls.append(stream)
            return real.from_filelike(stream)

    monkeypatch.setattr(workbooks, "CalamineWorkbook", Spy)
    return calls


def refusal(content: bytes) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_checked_table(content, required=("a",))
    [error] = caught.value.errors
    assert (error.row, error.column) == (0, "")
    return error.message


def sheet_xml(body: bytes, dimension: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0"?><worksheet xmlns="'
        + MAIN.encode()
        + b'">'
        + dimension
        + b"<sheetData>"
        + body
        + (b"</sheetData></worksheet>")
    )


def bomb(rows: int) -> bytes:
    """A workbook whose sheet repeats one row ``rows`` times: it compresses about a thousand to one."""
    return xlsx([], sheet=sheet_xml(b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * rows))


def understated(content: bytes, name: str, claimed: int) -> bytes:
    """``content`` with the part ``name``'s unzipped size given as ``claimed`` in both of its headers."""
    data = bytearray(content)
    encoded = name.encode()
    local = 0
    while True:  # the local header of the part: signature, then the name at offset 30
        local = data.find(b"PK\x03\x04", local)
        (length,) = struct.unpack("<H", data[local + 26 : local + 28])
        if data[local + 30 : local + 30 + length] == encoded:
            break
        local += 4
    struct.pack_into("<I", data, local + 22, claimed)
    central = data.find(b"PK\x01\x02")
    while True:  # its central directory entry: the name at offset 46
        (length,) = struct.unpack("<H", data[central + 28 : central + 30])
        if data[central + 46 : central + 46 + length] == encoded:
            break
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, claimed)
    return bytes(data)


def test_a_workbook_within_every_limit_is_read(settings, reader_calls):
    headers, table = read_checked_table(xlsx([["a", "b"], [1, "张三"]]), required=("a",))
    assert headers == ["a", "b"]
    assert table[1] == [1.0, "张三"]
    assert len(reader_calls) == 1


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_unzipped(settings, reader_calls, monkeypatch):
    settings.IMPORT_MAX_EXPANDED_BYTES = 2 * 1024 * 1024
    content = bomb(100_000)  # 4.9 MB of sheet in about 10 KB
    assert len(content) < 50_000
    unzipped = []
    monkeypatch.setattr(workbooks._Unzipper, "chunks", lambda self, part: unzipped.append(part) or iter(()))
    claimed = sum(p.file_size for p in zipfile.ZipFile(io.BytesIO(content)).infolist())
    assert refusal(content) == _(
        "The workbook unzips to %(size)s, more than the %(limit)s an import reads. Keep only the template's sheet "
        "and its rows."
    ) % {"size": filesizeformat(claimed), "limit": filesizeformat(2 * 1024 * 1024)}
    assert unzipped == []
    assert reader_calls == []


def test_a_zip_bomb_whose_headers_understate_it_is_stopped_as_it_unzips(settings, reader_calls):
    settings.IMPORT_MAX_EXPANDED_BYTES = 2 * 1024 * 1024
    filler = b"\0" * (5 * 1024 * 1024)
    content = understated(xlsx([["a"]], parts={"xl/media/filler.bin": filler}), "xl/media/filler.bin", 100)
    assert sum(p.file_size for p in zipfile.ZipFile(io.BytesIO(content)).infolist()) < 10_000
    claimed = sum(p.file_size for p in zipfile.ZipFile(io.BytesIO(content)).infolist())
    assert refusal(content) == _(
        "The workbook unzips to more than %(limit)s (its headers claim %(claimed)s), more than an import reads. "
        "Keep only the template's sheet and its rows."
    ) % {"limit": filesizeformat(2 * 1024 * 1024), "claimed": filesizeformat(claimed)}
    assert reader_calls == []


def test_a_file_larger_than_an_import_reads_is_refused_with_both_figures(settings, reader_calls):
    settings.IMPORT_MAX_BYTES = 1000
    content = xlsx([["a"]] * 200)
    assert refusal(content) == _("The file is %(size)s, more than the %(limit)s an import reads.") % {
        "size": filesizeformat(len(content)),
        "limit": filesizeformat(1000),
    }
    assert reader_calls == []


def test_a_workbook_of_too_many_sheets_is_refused(settings, reader_calls):
    settings.IMPORT_MAX_SHEETS = 3
    workbook = Workbook()
    workbook.active.append(["a"])
    for n in range(3):
        workbook.create_sheet(f"extra{n}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert refusal(buffer.getvalue()) == _(
        "The workbook has %(count)s sheets; an import reads a workbook of at most %(limit)s."
    ) % {"count": 4, "limit": 3}
    assert reader_calls == []


def test_rows_past_the_limit_are_refused_but_the_limit_itself_is_read(settings, reader_calls):
    settings.IMPORT_MAX_ROWS = 10
    _headers, table = read_checked_table(xlsx([["a"]] + [[n] for n in range(10)]), required=("a",))
    assert len(table) == 11
    assert refusal(xlsx([["a"]] + [[n] for n in range(11)])) == _(
        "The sheet %(sheet)s reaches row %(row)s; an import reads at most %(limit)s rows below the headers. "
        "Split the file."
    ) % {"sheet": "Sheet1", "row": 12, "limit": 10}
    assert len(reader_calls) == 1  # the file within the limit only


def test_two_cells_far_apart_are_refused_before_the_reader_lays_out_their_grid(settings, reader_calls):
    # A1 and a cell at the sheet's last row: 5 KB, which the reader would lay out as a grid of a million rows.
    content = xlsx(
        [],
        sheet=sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>'),
    )
    assert "1048576" in refusal(content)
    far = xlsx([], sheet=sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>1</v></c></row>'))
    assert "XFD" in refusal(far)
    assert reader_calls == []


def test_a_dimension_claiming_too_many_rows_is_refused(settings, reader_calls):
    settings.IMPORT_MAX_ROWS = 10
    content = xlsx([], sheet=sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c></row>', b'<dimension ref="A1:B500"/>'))
    assert "500" in refusal(content)
    assert reader_calls == []


def test_a_dimension_that_lies_does_not_hide_the_rows(settings, reader_calls):
    settings.IMPORT_MAX_ROWS = 10
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(1, 13))
    content = xlsx([], sheet=sheet_xml(rows, b'<dimension ref="A1:A2"/>'))
    assert "12" in refusal(content)
    assert reader_calls == []


def test_rows_and_cells_without_references_are_counted_where_a_reader_puts_them(settings, reader_calls):
    settings.IMPORT_MAX_ROWS = 10
    settings.IMPORT_MAX_COLUMNS = 5
    rows = b"<row><c><v>1</v></c></row>" * 12
    assert "12" in refusal(xlsx([], sheet=sheet_xml(rows)))
    cells = b"<row>" + b"<c><v>1</v></c>" * 6 + b"</row>"
    assert "F" in refusal(xlsx([], sheet=sheet_xml(cells)))
    assert reader_calls == []


def test_a_sheet_the_relationships_place_elsewhere_is_still_followed(settings, reader_calls):
    settings.IMPORT_MAX_ROWS = 10
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(1, 13))
    relationships = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'worksheet" Target="/xl/hidden/data.xml"/></Relationships>'
    )
    content = xlsx([["a"]], parts={"xl/_rels/workbook.xml.rels": relationships, "xl/hidden/data.xml": sheet_xml(rows)})
    assert "12" in refusal(content)


def test_a_sheet_declaring_entities_is_refused(settings, reader_calls):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<worksheet xmlns="' + MAIN.encode() + b'"><sheetData><row><c t="inlineStr"><is><t>&b;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    assert refusal(xlsx([], sheet=laughs)) == _(NOT_XLSX)
    assert reader_calls == []


def strings_workbook(unique_count: str, held: int) -> bytes:
    """A workbook whose shared strings' table holds ``held`` strings and claims ``unique_count``."""
    table = (
        f'<?xml version="1.0"?><sst xmlns="{MAIN}" uniqueCount="{unique_count}">'
        + "<si><t>a</t></si>" * held
        + "</sst>"
    ).encode()
    relationships = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.'
        b'org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    )
    sheet = sheet_xml(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    return xlsx([], sheet=sheet, parts={"xl/sharedStrings.xml": table, "xl/_rels/workbook.xml.rels": relationships})


def test_a_shared_strings_table_claiming_billions_of_strings_is_refused(settings, reader_calls):
    # The reader sets aside room for the claimed count first: 96 GB for this 1 KB file, and the process aborts.
    assert refusal(strings_workbook("4000000000", 1)) == _(NOT_XLSX)
    assert reader_calls == []
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS = 1, 1
    assert refusal(strings_workbook("3", 2)) == _(NOT_XLSX)
    _headers, table = read_checked_table(strings_workbook("2", 2), required=("a",))
    assert table == [["a"]]


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4 not a workbook",
        b"PK\x03\x04 a truncated zip",
        xlsx([["a"]])[:-40],  # its directory cut off
        xlsx([["a"]])[:300] + xlsx([["a"]])[400:],  # a hole in its parts
    ],
    ids=["not a zip", "a broken zip", "a truncated workbook", "a damaged workbook"],
)
def test_what_is_not_a_readable_workbook_is_refused_with_a_reason(content, reader_calls):
    assert refusal(content) == _(NOT_XLSX)


def test_a_zip_that_is_not_a_workbook_never_reaches_the_reader(reader_calls):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert refusal(buffer.getvalue()) == _(NOT_XLSX)
    assert reader_calls == []


def test_check_workbook_passes_a_real_template():
    workbook = Workbook()
    workbook.active.append(["人员编号", "姓名"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    check_workbook(buffer.getvalue())


def test_a_refused_files_problems_are_listed_up_to_the_limit_with_a_count_of_the_rest(settings):
    settings.IMPORT_ERRORS_SHOWN = 200
    errors = [RowError(n, "A（人员编号）", "not a person number") for n in range(2, 99_002)]
    shown = ShownErrors(errors)
    assert (len(shown), shown.total, shown.hidden) == (200, 99_000, 98_800)
    data = shown.as_data()
    assert data["errors"][0] == {"row": 2, "column": "A（人员编号）", "message": "not a person number"}
    assert (len(data["errors"]), data["errors_total"], data["errors_not_shown"]) == (200, 99_000, 98_800)
    again = ShownErrors.from_data(data)
    assert (list(again), again.total, again.hidden) == (list(shown), 99_000, 98_800)


def test_an_export_drops_the_control_characters_a_workbook_cannot_hold():
    """Text stored before the edge refused control characters still exports: the bell goes, the text stays."""
    import io

    from openpyxl import load_workbook

    from common.workbooks import safe_row, template_workbook, workbook_bytes

    workbook, ws = template_workbook(title="t", headers=["a", "b"], widths=[10, 10])
    ws.append(safe_row(ws, ["小结\x07完", "=1+1\x00"]))
    sheet = load_workbook(io.BytesIO(workbook_bytes(workbook))).active
    assert [c.value for c in sheet[2]] == ["小结完", "=1+1"]
    assert sheet["B2"].data_type == "s"
