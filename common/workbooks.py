"""Workbooks in and out, as every import and template of the system uses them: the file-level checks of
an upload (``check_workbook``: its size, a real .xlsx, its size once unzipped, its sheets, the rows and columns
of each sheet, all before a reader parses it; then the required headers), cells read as text, numbers and
dates, every problem named by row, column and reason (``RowError``, ``ImportRefused``), the styled
template sheet, and text written so that a spreadsheet never takes it for a formula.

``run_import`` is the one way a page runs an all-or-nothing importer on an uploaded file.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from common.numbers import NotANumber, parse_integer
from common.refusals import refusal_messages

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d")


@dataclass(frozen=True)
class RowError:
    row: int  # the row number Excel shows; 0 for the file as a whole
    column: str  # e.g. "F（月度绩效得分）"; empty for the file as a whole
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        where = _("row %(row)s") % {"row": self.row}
        if self.column:
            where += _(", column %(column)s") % {"column": self.column}
        return f"{where}: {self.message}"


class ImportRefused(Exception):
    """The file was refused; ``errors`` names every problem. Nothing was saved."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


def template_workbook(*, title: str, headers: Sequence[str], widths: Sequence[int]):
    """A write-only workbook with one sheet whose first row holds ``headers``, styled as every import
    template is; returns the workbook and the sheet to append the rows to."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    thin = Side(style="thin", color="999999")
    style = {
        "font": Font(name="宋体", bold=True),
        "fill": PatternFill("solid", fgColor="DDEBF7"),
        "alignment": Alignment(horizontal="center"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
    }

    def cell(value):
        c = WriteOnlyCell(ws, value=value)
        for name, v in style.items():
            setattr(c, name, v)
        return c

    ws.append([cell(h) for h in headers])
    return workbook, ws


# A cell value beginning with one of these is a formula to a spreadsheet program (openpyxl writes "=…" as one).
FORMULA_STARTS = ("=", "+", "-", "@")


def as_text(ws, value: object) -> object:
    """``value`` for a write-only row: text that a spreadsheet would read as a formula becomes a text cell
    (with Excel's quote prefix, so an edit keeps it text); control characters a workbook cannot hold are
    dropped (text stored before the edge refused them would otherwise fail the whole export); anything else is
    returned as it is."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def safe_row(ws, values) -> list[object]:
    """A row whose texts are never formulas: names, notes and duties come from people's typing."""
    return [as_text(ws, value) for value in values]


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def column_label(index: int, header: str) -> str:
    """How an error names a column: its letter and header, e.g. "F（月度绩效得分）" (``index`` from 0)."""
    return f"{get_column_letter(index + 1)}（{header}）"


# The file-level limits (settings IMPORT_*) ----------------------------------------------------------------------
#
# A workbook is a zip of XML parts: 1 MB of upload can unzip to hundreds of MB, and the reader (calamine) lays a
# sheet out as a grid, so a 5 KB file holding only A1 and a cell far down and across asks for gigabytes (it
# aborts the process instead of raising). So before the reader sees a file, ``check_workbook`` reads the zip
# itself: its directory (sizes, sheets), then every part as it unzips, chunk by chunk, counting the bytes that
# really come out (a part's header may lie about its size) and following each sheet's rows and cells with a
# streaming XML parser (so a dimension that lies, or cells placed without a reference, do not help either).

NOT_XLSX = gettext_noop(
    "The file is not an Excel workbook (.xlsx), or it is damaged. Save it as .xlsx, or use the downloaded template."
)
CHUNK = 1024 * 1024  # how much of a part is unzipped (and held) at a time


class _Over(Exception):
    """A limit passed while a part streamed; carries the refusal."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _refuse(message: str) -> ImportRefused:
    return ImportRefused([RowError(0, "", message)])


def _size(count: int) -> str:
    return str(filesizeformat(count))


def check_upload_size(size: int) -> None:
    """ImportRefused if an upload of ``size`` bytes is larger than an import reads (IMPORT_MAX_BYTES)."""
    if size > settings.IMPORT_MAX_BYTES:
        raise _refuse(
            _("The file is %(size)s, more than the %(limit)s an import reads.")
            % {"size": _size(size), "limit": _size(settings.IMPORT_MAX_BYTES)}
        )


def check_workbook(content: bytes) -> None:
    """Refuse (ImportRefused, naming the limit and the file's figure) a file that is too large, not an .xlsx,
    larger than IMPORT_MAX_EXPANDED_BYTES once unzipped, of more than IMPORT_MAX_SHEETS sheets, or with a sheet
    reaching past IMPORT_MAX_ROWS rows below its headers or IMPORT_MAX_COLUMNS columns; before any reader parses
    it, holding at most a chunk of it unzipped at a time."""
    check_upload_size(len(content))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        raise _refuse(_(NOT_XLSX)) from None
    if not any(p.filename == "xl/workbook.xml" for p in parts):
        raise _refuse(_(NOT_XLSX))
    limit = settings.IMPORT_MAX_EXPANDED_BYTES
    claimed = sum(p.file_size for p in parts)
    if claimed > limit:
        raise _refuse(
            _(
                "The workbook unzips to %(size)s, more than the %(limit)s an import reads. Keep only the "
                "template's sheet and its rows."
            )
            % {"size": _size(claimed), "limit": _size(limit)}
        )
    unzipped = _Unzipper(content, limit=limit, claimed=claimed)
    try:
        layout = _layout(unzipped, parts)
        if layout.count > settings.IMPORT_MAX_SHEETS:
            raise _Over(
                _("The workbook has %(count)s sheets; an import reads a workbook of at most %(limit)s.")
                % {"count": layout.count, "limit": settings.IMPORT_MAX_SHEETS}
            )
        for part in parts:
            if part.filename in layout.sheets:
                _scan_sheet(unzipped.chunks(part), layout.sheets[part.filename])
            elif part.filename in layout.strings:
                _scan_strings(unzipped.chunks(part))
            else:
                for _chunk in unzipped.chunks(part):
                    pass
    except _Over as over:
        raise _refuse(over.message) from None
    except (zipfile.BadZipFile, zlib.error, expat.ExpatError, ValueError, struct.error):
        raise _refuse(_(NOT_XLSX)) from None


class _Unzipper:
    """The parts of a zip held in memory, unzipped chunk by chunk from their own data; counts every byte that
    comes out against ``limit``, whatever the headers claimed."""

    def __init__(self, content: bytes, *, limit: int, claimed: int):
        self.view = memoryview(content)
        self.limit = limit
        self.claimed = claimed
        self.total = 0

    def chunks(self, part: zipfile.ZipInfo) -> Iterator[bytes]:
        if part.flag_bits & 0x1 or part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise zipfile.BadZipFile  # encrypted, or compressed in a way no spreadsheet writes
        header = bytes(self.view[part.header_offset : part.header_offset + 30])
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = part.header_offset + 30 + name_length + extra_length
        data = self.view[start : start + part.compress_size]
        if part.compress_type == zipfile.ZIP_STORED:
            for offset in range(0, len(data), CHUNK):
                yield self._counted(bytes(data[offset : offset + CHUNK]))
            return
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        for offset in range(0, len(data), CHUNK):
            out = inflate.decompress(data[offset : offset + CHUNK], CHUNK)
            while True:
                if out:
                    yield self._counted(out)
                if not inflate.unconsumed_tail:
                    break
                out = inflate.decompress(inflate.unconsumed_tail, CHUNK)
            if inflate.eof:
                break

    def _counted(self, out: bytes) -> bytes:
        self.total += len(out)
        if self.total > self.limit:
            raise _Over(
                _(
                    "The workbook unzips to more than %(limit)s (its headers claim %(claimed)s), more than an "
                    "import reads. Keep only the template's sheet and its rows."
                )
                % {"limit": _size(self.limit), "claimed": _size(self.claimed)}
            )
        return out

    def read(self, part: zipfile.ZipInfo) -> bytes:
        return b"".join(self.chunks(part))


def _parser() -> expat.XMLParserType:
    """An XML parser that refuses what no spreadsheet writes: a document type, hence any entity of its own."""
    parser = expat.ParserCreate()

    def refuse_doctype(*_args) -> None:
        raise ValueError("a document type declaration")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    return parser


def _local(name: str) -> str:
    return name.rpartition(":")[2]


@dataclass(frozen=True)
class _Layout:
    sheets: dict[str, str]  # the parts a reader takes for sheets, by name in the zip, with the sheet's name
    count: int  # how many sheets the workbook lists, found or not
    strings: set[str]  # the parts a reader may take for the shared strings


def _layout(unzipped: _Unzipper, parts: list[zipfile.ZipInfo]) -> _Layout:
    """Which parts a reader takes for what: the workbook's sheets and, through its relationships, their parts
    and the shared strings' (each target resolved every way a reader may resolve it)."""
    by_name = {p.filename: p for p in parts}
    listed: list[tuple[str, set[str]]] = []  # (sheet name, its relationship ids)
    targets: dict[str, tuple[str, str]] = {}  # relationship id: (type, target)

    def on_workbook(name, attributes) -> None:
        if _local(name) == "sheet":
            ids = {v for k, v in attributes.items() if _local(k) == "id"}
            listed.append((attributes.get("name", ""), ids))

    def on_relationships(name, attributes) -> None:
        if _local(name) == "Relationship" and "Id" in attributes:
            targets[attributes["Id"]] = (attributes.get("Type", ""), attributes.get("Target", ""))

    for part_name, handler in (("xl/workbook.xml", on_workbook), ("xl/_rels/workbook.xml.rels", on_relationships)):
        if part_name in by_name:
            parser = _parser()
            parser.StartElementHandler = handler
            parser.Parse(unzipped.read(by_name[part_name]), True)

    def paths(target: str) -> set[str]:
        return {target.lstrip("/"), f"xl/{target}", posixpath.normpath(posixpath.join("xl", target))}

    sheets: dict[str, str] = {}
    for sheet_name, ids in listed:
        for rid in ids:
            if target := targets.get(rid, ("", ""))[1]:
                for path in paths(target):
                    sheets.setdefault(path, sheet_name)
    strings = {"xl/sharedStrings.xml"}
    for kind, target in targets.values():
        if kind.endswith("/sharedStrings") and target:
            strings |= paths(target)
    # A reader finds each part by its name in the zip; the parts it takes for nothing are only counted.
    return _Layout(
        sheets={path: name for path, name in sheets.items() if path in by_name},
        count=len(listed),
        strings={path for path in strings if path in by_name},
    )


def _scan_strings(chunks: Iterator[bytes]) -> None:
    """The shared strings' table: the reader sets aside room for as many strings as its uniqueCount says before
    reading one (a 1 KB file claiming four billion asks for 96 GB and aborts the process), so a count beyond both
    the strings the table holds and the cells an import reads is refused as a damaged file."""
    claimed = {"count": 0}
    held = {"count": 0}

    def on_start(tag, attributes) -> None:
        local = tag.rpartition(":")[2] if ":" in tag else tag
        if local == "si":
            held["count"] += 1
        elif local == "sst":
            text = attributes.get("uniqueCount", "").strip()
            claimed["count"] = int(text) if text.isdigit() and len(text) < 20 else 0

    parser = _parser()
    parser.StartElementHandler = on_start
    for chunk in chunks:
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
    cells = (settings.IMPORT_MAX_ROWS + 1) * settings.IMPORT_MAX_COLUMNS
    if claimed["count"] > max(held["count"], cells):
        raise ValueError("a shared strings' table claiming more strings than it holds")


_REFERENCE = re.compile(r"\s*\$?([A-Za-z]{0,3})\$?(\d*)\s*")


def _reference(value: str) -> tuple[int, int]:
    """(column, row) of a reference such as "B12" or "$B$12"; 0 for a part that is missing or unreadable."""
    found = _REFERENCE.fullmatch(value)
    if found is None:
        return 0, 0
    letters, digits = found.groups()
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return column, int(digits) if digits else 0


def _scan_sheet(chunks: Iterator[bytes], name: str) -> None:
    """Follow one sheet's rows and cells as a reader places them (a row or cell without a reference goes after
    the one before it); _Over as soon as one lies past the rows or columns an import reads, or the sheet's
    dimension says so."""
    max_row = settings.IMPORT_MAX_ROWS + 1  # the headers' row, then the rows an import reads
    max_column = settings.IMPORT_MAX_COLUMNS
    at = {"row": 0, "column": 0}
    columns: dict[str, int] = {}  # a reference's letters, once read (a sheet has few columns; a million cells)

    def past(row: int, column: int) -> None:
        if row > max_row:
            raise _Over(
                _(
                    "The sheet %(sheet)s reaches row %(row)s; an import reads at most %(limit)s rows below the "
                    "headers. Split the file."
                )
                % {"sheet": name, "row": row, "limit": settings.IMPORT_MAX_ROWS}
            )
        if column > max_column:
            raise _Over(
                _("The sheet %(sheet)s reaches column %(column)s; an import reads at most %(limit)s columns.")
                % {"sheet": name, "column": get_column_letter(min(column, 18278)), "limit": max_column}
            )

    def on_start(tag, attributes) -> None:
        local = tag.rpartition(":")[2] if ":" in tag else tag
        if local == "v":
            return  # a cell's value: the commonest element by far
        if local == "c":
            reference = attributes.get("r", "")
            letters = reference.rstrip("0123456789")
            digits = reference[len(letters) :]
            if letters in columns and digits and digits[0] != "0":
                column, row = columns[letters], int(digits)
            else:
                column, row = _reference(reference)
                if letters.isalpha() and letters.isascii():
                    columns[letters] = column
            at["column"] = column or at["column"] + 1
            past(row or at["row"], at["column"])
        elif local == "row":
            row = attributes.get("r", "").strip()
            at["row"] = int(row) if row.isdigit() else at["row"] + 1
            at["column"] = 0
        elif local == "dimension":
            last = attributes.get("ref", "").rpartition(":")[2]
            column, row = _reference(last)
            past(row, column)

    parser = _parser()
    parser.StartElementHandler = on_start
    for chunk in chunks:
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def read_table(content: bytes) -> list[list[object]]:
    """The cells of the workbook's first sheet, row by row, once ``check_workbook`` let it through;
    ImportRefused if it is not a workbook, or not one an import reads."""
    check_workbook(content)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        if not workbook.sheet_names:
            raise ImportRefused([RowError(0, "", _("The workbook has no sheet."))])
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except ImportRefused:
        raise
    except Exception:
        raise _refuse(_(NOT_XLSX)) from None


# Told how many rows a file holds once it is read (``rows_read_reported``): a background import's progress.
_rows_read: ContextVar[Callable[[int], None] | None] = ContextVar("rows_read", default=None)


@contextlib.contextmanager
def rows_read_reported(callback: Callable[[int], None]):
    """Within the block, ``read_checked_table`` calls ``callback(rows)`` once it has read and checked a file."""
    token = _rows_read.set(callback)
    try:
        yield
    finally:
        _rows_read.reset(token)


def read_checked_table(content: bytes, *, required: Sequence[str]) -> tuple[list[str], list[list[object]]]:
    """The file-level checks every import makes: not empty, within the limits (``check_workbook``), a workbook,
    the ``required`` headers in the first row. Returns the headers and the whole table (headers included, so
    ``table[n - 1]`` is the row Excel numbers ``n``)."""
    if not content:
        raise ImportRefused([RowError(0, "", _("The file is empty."))])
    table = read_table(content)
    if not table or not any(cell_text(v) for v in table[0]):
        raise ImportRefused([RowError(1, "", _("The first row must hold the column headers."))])
    headers = [cell_text(v) for v in table[0]]
    missing = [h for h in required if h not in headers]
    if missing:
        raise ImportRefused(
            [
                RowError(
                    1,
                    "",
                    _("Missing columns: %(columns)s. Use the downloaded template.") % {"columns": "、".join(missing)},
                )
            ]
        )
    if len(table) - 1 > settings.IMPORT_MAX_ROWS:
        raise ImportRefused(
            [RowError(0, "", _("The file has more than %(rows)s rows.") % {"rows": settings.IMPORT_MAX_ROWS})]
        )
    if (reported := _rows_read.get()) is not None:
        reported(len(table) - 1)
    return headers, table


def cell_text(value: object) -> str:
    """A cell as text: blank for an empty cell, ``90`` for the float 90.0, stripped otherwise."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def whole_number(value: object) -> int | None:
    """A cell holding a whole number ≥ 0 (ASCII digits: "²" is not 2), or None."""
    try:
        return parse_integer(cell_text(value), signed=False)
    except NotANumber:
        return None


def cell_date(value: object) -> datetime.date | None:
    """A date cell (a real date, or text like 2026-03-01, 2026/3/1 or 2026.3.1), or None."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


@dataclass
class Line:
    """One row of the file while it is checked: its cells by header, and the problems found."""

    number: int
    cells: dict[str, object]
    labels: dict[str, str]
    errors: list[RowError]

    def text(self, header: str) -> str:
        return cell_text(self.cells.get(header))

    def refuse(self, header: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.labels[header], message))


class ShownErrors(list):
    """The problems of a refused file as a page or an answer lists them: the first IMPORT_ERRORS_SHOWN, in the
    order found, with ``total`` (how many there are) and ``hidden`` (how many more are not listed). A file of
    99,000 bad rows is answered with a page of a few hundred lines, not hundreds of thousands."""

    def __init__(self, errors: Sequence = (), *, total: int | None = None):
        shown = settings.IMPORT_ERRORS_SHOWN
        super().__init__(list(errors[:shown]))
        self.total = len(errors) if total is None else total

    @property
    def hidden(self) -> int:
        return self.total - len(self)

    def as_data(self) -> dict:
        """The errors as plain data (an API answer, a task's result): each with its row, column and message."""
        return {
            "errors": [
                {"row": e.row, "column": e.column, "message": e.message}
                if isinstance(e, RowError)
                else {"row": 0, "column": "", "message": str(e)}
                for e in self
            ],
            "errors_total": self.total,
            "errors_not_shown": self.hidden,
        }

    @classmethod
    def from_data(cls, data: dict) -> ShownErrors:
        errors = [RowError(int(e["row"]), str(e["column"]), str(e["message"])) for e in data.get("errors", [])]
        return cls(errors, total=int(data.get("errors_total", len(errors))))


def import_errors(exc: Exception) -> ShownErrors:
    """The problems of a refused import (ImportRefused, or a service's ValidationError or PermissionError) as
    they are listed."""
    if isinstance(exc, ImportRefused):
        return ShownErrors(exc.errors)
    return ShownErrors([RowError(0, "", message) for message in refusal_messages(exc)])


def run_import(upload, importer: Callable[[bytes], Any]) -> tuple[Any, ShownErrors | None]:
    """Run an all-or-nothing importer on an uploaded file: (its outcome, None) or (None, the errors to list)."""
    try:
        check_upload_size(upload.size)
        return importer(upload.read()), None
    except (ImportRefused, ValidationError, PermissionError) as exc:
        return None, import_errors(exc)
