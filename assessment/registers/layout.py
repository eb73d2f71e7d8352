"""Paper-form layout on top of openpyxl's write-only mode: the shared machinery of the registers (登记表).

A form is built row by row as a small grid of cells that may span columns and rows; ``FormSheet.write``
then fits the column widths to the content and streams the rows to a write-only worksheet, with the
merges, borders, a Chinese font and the print setup (A4, header rows repeated on every page). Rows are
held for one sheet at a time, so memory follows the largest sheet, not the whole workbook.

Text is always written as text: a value beginning with ``=``, ``+``, ``-`` or ``@`` (say, a self-summary)
is stored as a string with Excel's quote prefix, never as a formula, and characters XML cannot carry are
dropped instead of failing the export.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.properties import PageSetupProperties

from common.workbooks import as_text

FONT = "宋体"
SHEET_TITLE_MAX = 31
SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
A4 = 9  # the paper size code of A4 in SpreadsheetML

_thin = Side(style="thin", color="000000")
_box = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
_left = Alignment(horizontal="left", vertical="center", wrap_text=True)
_top_left = Alignment(horizontal="left", vertical="top", wrap_text=True)

# The styles a form uses, by name: font, border, alignment, fill, number format.
STYLES: dict[str, dict] = {
    "title": {"font": Font(name=FONT, size=18, bold=True), "alignment": _centre},
    "subtitle": {"font": Font(name=FONT, size=11), "alignment": _centre},
    "caption": {"font": Font(name=FONT, size=11), "alignment": _left},
    "head": {
        "font": Font(name=FONT, size=11, bold=True),
        "alignment": _centre,
        "border": _box,
        "fill": PatternFill("solid", fgColor="F2F2F2"),
    },
    "label": {"font": Font(name=FONT, size=11, bold=True), "alignment": _centre, "border": _box},
    "cell": {"font": Font(name=FONT, size=11), "alignment": _centre, "border": _box},
    "text": {"font": Font(name=FONT, size=11), "alignment": _top_left, "border": _box},
    "left": {"font": Font(name=FONT, size=11), "alignment": _left, "border": _box},
    "number": {"font": Font(name=FONT, size=11), "alignment": _centre, "border": _box, "number_format": "0.00"},
    "sign": {"font": Font(name=FONT, size=11), "alignment": _left},
}
# Styles whose cells do not widen their column: titles and long texts wrap inside their merged span.
NOT_FITTED = frozenset({"title", "subtitle", "caption", "text", "sign"})


def plain_text(value: str) -> str:
    """``value`` without the control characters an XML cell cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def display_width(text: str) -> int:
    """Columns of a fixed-width font the text needs: a Chinese character takes two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


@dataclass(frozen=True)
class C:
    """One cell of a form: a value and its style, spanning ``span`` columns and ``down`` rows."""

    value: object = None
    style: str = "cell"
    span: int = 1
    down: int = 1


@dataclass
class FormSheet:
    """One sheet of a register, built as a grid and written at once by ``write``."""

    columns: int
    landscape: bool = False
    min_width: int = 6
    max_width: int = 40
    widths: list[float] | None = None  # fixed widths; fitted to the content when None
    rows: list[list[tuple[int, C]]] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    repeat: tuple[int, int] | None = None  # the header rows printed on every page (1-based, inclusive)
    _taken: set[tuple[int, int]] = field(default_factory=set)

    def row(self, *cells: C | object, height: float | None = None) -> int:
        """Append a row; plain values become ``C(value)``. Returns the row's 1-based number."""
        number = len(self.rows) + 1
        placed: list[tuple[int, C]] = []
        column = 1
        for raw in cells:
            cell = raw if isinstance(raw, C) else C(raw)
            while (number, column) in self._taken:
                column += 1
            if column + cell.span - 1 > self.columns:
                raise ValueError(f"row {number} is wider than the form's {self.columns} columns")
            placed.append((column, cell))
            if cell.span > 1 or cell.down > 1:
                self.merges.append((number, column, number + cell.down - 1, column + cell.span - 1))
                for r in range(number, number + cell.down):
                    for c in range(column, column + cell.span):
                        self._taken.add((r, c))
            column += cell.span
        self.rows.append(placed)
        if height is not None:
            self.heights[number] = height
        return number

    def text_height(self, text: str, *, columns: Iterable[int], minimum: float = 30) -> float:
        """A row height (points) that shows ``text`` wrapped across the given columns."""
        widths = self.widths or [12.0] * self.columns  # forms with long texts set their widths
        width = sum(widths[c - 1] for c in columns) or 1
        lines = sum(max(1, math.ceil(display_width(line) / width)) for line in (text or "").split("\n"))
        return max(minimum, 15.0 * lines + 6)

    def _widths(self) -> list[float]:
        if self.widths is not None:
            return self.widths
        fitted = [float(self.min_width)] * self.columns
        for placed in self.rows:
            for column, cell in placed:
                if cell.span != 1 or cell.style in NOT_FITTED or cell.value is None:
                    continue
                needed = display_width(_shown(cell.value)) + 2
                fitted[column - 1] = max(fitted[column - 1], min(float(self.max_width), float(needed)))
        self.widths = fitted
        return fitted

    def write(self, book: Workbook, title: str) -> None:
        """Stream the form into a new write-only sheet of ``book`` and close the sheet."""
        ws = book.create_sheet(title)
        # Everything that goes before the rows in the file is set before the first row is streamed.
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.paperSize = A4
        ws.page_setup.orientation = "landscape" if self.landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.oddFooter.center.text = "&A　第 &P 页"
        if self.repeat is not None:
            ws.print_title_rows = f"{self.repeat[0]}:{self.repeat[1]}"
        for index, width in enumerate(self._widths(), start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        for number, height in self.heights.items():
            ws.row_dimensions[number].height = height
        for top, left, bottom, right in self.merges:
            ws.merged_cells.add(f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}")
        covered = _covered_styles(self)
        for number, placed in enumerate(self.rows, start=1):
            values: list[object] = [None] * self.columns
            for column, cell in placed:
                values[column - 1] = _cell(ws, cell.value, cell.style)
            for column in range(1, self.columns + 1):
                style = covered.get((number, column))
                if values[column - 1] is None and style is not None:
                    values[column - 1] = _cell(ws, None, style)  # keeps the merged area's borders whole
            ws.append(values)
        ws.close()  # flush this sheet to its temporary file: memory stays with one sheet
        # What the sheet's file already holds need not stay in memory until the workbook is saved.
        ws.merged_cells = MultiCellRange()
        ws.row_dimensions.clear()
        ws.column_dimensions.clear()


def _covered_styles(form: FormSheet) -> dict[tuple[int, int], str]:
    """The style of every cell a merge covers, so its border is drawn all round."""
    styles: dict[tuple[int, int], str] = {}
    origin = {(number, column): cell.style for number, row in enumerate(form.rows, 1) for column, cell in row}
    for top, left, bottom, right in form.merges:
        style = origin.get((top, left), "cell")
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                if (r, c) != (top, left):
                    styles[(r, c)] = style
    return styles


def _shown(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return "" if value is None else str(value)


def _cell(ws, value: object, style: str) -> Cell:
    if isinstance(value, (datetime.date, datetime.datetime)):
        value = f"{value:%Y-%m-%d}"
    if isinstance(value, str):
        value = as_text(ws, plain_text(value))  # a string is never a formula here: text, shown as typed
    cell = value if isinstance(value, Cell) else WriteOnlyCell(ws, value=value)
    quoted = cell.quotePrefix
    cell._style = copy(_style_array(ws, style))
    cell._style.quotePrefix = quoted
    return cell


def _style_array(ws, style: str) -> StyleArray:
    """The workbook's indices of a named style, found once per workbook: setting font, border and
    alignment cell by cell looks each of them up again, which took most of an export's time."""
    arrays = ws.parent.__dict__.setdefault("_form_styles", {})
    if style not in arrays:
        prototype = WriteOnlyCell(ws)
        for name, setting in STYLES[style].items():
            setattr(prototype, name, setting)
        arrays[style] = prototype._style
    return arrays[style]


class SheetTitles:
    """Unique sheet titles within one workbook: at most 31 characters, none of ``[]:*?/\\``."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def __call__(self, wanted: str) -> str:
        base = SHEET_TITLE_BAD.sub("_", plain_text(wanted)) or "Sheet"
        # Excel refuses a title that begins or ends with an apostrophe, also once it is cut.
        title = base[:SHEET_TITLE_MAX].strip("'") or "Sheet"
        n = 1
        while title.casefold() in self._used:
            n += 1
            suffix = f"（{n}）"
            title = base[: SHEET_TITLE_MAX - len(suffix)].strip("'") + suffix
        self._used.add(title.casefold())
        return title


def joined(prefix: str, name: str, *, keep: int = 4) -> str:
    """``prefix-name`` within a sheet title's 31 characters: the prefix (a unit) is shortened first, to no
    fewer than ``keep`` characters, leaving room for a "（n）" that tells two namesakes apart, so the name
    (a section, a person) stays whole."""
    room = SHEET_TITLE_MAX - len(name) - 1 - len("（99）")
    prefix = prefix if len(prefix) + len(name) + 1 <= SHEET_TITLE_MAX - len("（99）") else prefix[: max(keep, room)]
    return f"{prefix}-{name}"
