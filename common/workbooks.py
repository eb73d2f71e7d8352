"""Workbooks in and out, as every import and template of the system uses them: the file-level checks of
an upload (size, a real workbook, the required headers, the row limit), cells read as text, numbers and
dates, every problem named by row, column and reason (``RowError``, ``ImportRefused``), the styled
template sheet, and text written so that a spreadsheet never takes it for a formula.

``run_import`` is the one way a page runs an all-or-nothing importer on an uploaded file.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from common.numbers import NotANumber, parse_integer
from common.refusals import refusal_messages

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
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
    (with Excel's quote prefix, so an edit keeps it text); anything else is returned as it is."""
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


def read_table(content: bytes) -> list[list[object]]:
    """The cells of the workbook's first sheet, row by row; ImportRefused if it is not a workbook."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        if not workbook.sheet_names:
            raise ImportRefused([RowError(0, "", _("The workbook has no sheet."))])
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except ImportRefused:
        raise
    except Exception:
        raise ImportRefused(
            [RowError(0, "", _("The file is not an Excel workbook (.xlsx or .xls). Use the downloaded template."))]
        ) from None


def read_checked_table(content: bytes, *, required: Sequence[str]) -> tuple[list[str], list[list[object]]]:
    """The file-level checks every import makes: not empty, not too large, a workbook, the ``required``
    headers in the first row, not too many rows. Returns the headers and the whole table (headers
    included, so ``table[n - 1]`` is the row Excel numbers ``n``)."""
    if not content:
        raise ImportRefused([RowError(0, "", _("The file is empty."))])
    if len(content) > MAX_BYTES:
        raise ImportRefused(
            [RowError(0, "", _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})]
        )
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
    if len(table) - 1 > MAX_ROWS:
        raise ImportRefused([RowError(0, "", _("The file has more than %(rows)s rows.") % {"rows": MAX_ROWS})])
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


def run_import(upload, importer: Callable[[bytes], Any]) -> tuple[Any, list | None]:
    """Run an all-or-nothing importer on an uploaded file: (its outcome, None) or (None, the errors to list)."""
    if upload.size > MAX_BYTES:
        return None, [_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}]
    try:
        return importer(upload.read()), None
    except ImportRefused as refused:
        return None, refused.errors
    except (ValidationError, PermissionError) as exc:
        return None, refusal_messages(exc)
