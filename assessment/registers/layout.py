"""Paper-form layout on top of openpyxl's write-only mode: the shared machinery of the registers (登记表).

A form is built row by row as a small grid of cells that may span columns and rows; ``FormSheet.write``
then fits the column widths to the content, lays the rows out on A4 pages and streams them to a write-only
worksheet, with the merges, borders, a Chinese font and the print setup. Rows are held for one sheet at a
time, so memory follows the largest sheet, not the whole workbook.

Pages are laid out here, not left to the spreadsheet: every row has a height, so the rows that fit a page
are known, and the sheet carries its own page breaks. That is what lets each sheet's footer say "第 N 页
共 M 页" of that sheet alone (a workbook of one form per person numbers each person's pages from 1), keeps
a box that spans rows, a title and its table head, or a signature line and the rows it signs on one page,
and stretches the free-text boxes so a per-person form fills its page as the paper form does. The width
is fitted to the page (Excel and LibreOffice measure a column differently, so the page is laid out for
the one that shrinks the form least: in the other the rows take less room, never more).

The font is 宋体 (SimSun), the paper forms' own. LibreOffice on Linux has no 宋体 and would fall back to
one face for Chinese and another for digits; ``fonts.conf`` beside this module (used by ``pdf``) maps
宋体 and SimSun to Noto Serif CJK SC (Debian: ``apt-get install fonts-noto-cjk``) for both.

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
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties

from common.workbooks import as_text

FONT = "宋体"
SHEET_TITLE_MAX = 31
SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
A4 = 9  # the paper size code of A4 in SpreadsheetML
A4_POINTS = (595.28, 841.89)  # portrait width and height
# Margins in inches. The footer sits 0.3 in from the bottom edge with 0.5 in of room above it: with the
# 0.3 in that the bottom margin left before, LibreOffice clipped the footer's lower half on every page.
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM, MARGIN_HEADER, MARGIN_FOOTER = 0.5, 0.6, 0.8, 0.3, 0.3
# The share of a page's height the layout fills: LibreOffice and Excel round row heights differently.
PAGE_FILL = 0.97
ROW_HEIGHT = 18.0  # points, for a row built without one
LINE_HEIGHT = 16.0  # points a line of 11-point Chinese text takes (Noto Serif CJK's lines are 1.44 em)
MAX_ROW_HEIGHT = 409.0  # the largest row height a spreadsheet keeps

_thin = Side(style="thin", color="000000")
_box = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Text that starts at the left border is indented by one character, as written on the paper form.
_left = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)
_top_left = Alignment(horizontal="left", vertical="top", wrap_text=True, indent=1)
_sign = Alignment(horizontal="left", vertical="center", wrap_text=True)

# The styles a form uses, by name: font, border, alignment, fill, number format.
STYLES: dict[str, dict] = {
    "title": {"font": Font(name=FONT, size=18, bold=True), "alignment": _centre},
    "subtitle": {"font": Font(name=FONT, size=11), "alignment": _centre},
    "caption": {"font": Font(name=FONT, size=11), "alignment": _sign},
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
    "sign": {"font": Font(name=FONT, size=11), "alignment": _sign},
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
    footer: str = ""  # who or what the sheet is, before "第 N 页 共 M 页"; the sheet's title when empty
    fill: bool = False  # stretch the growing rows to fill each page (the per-person forms)
    _taken: set[tuple[int, int]] = field(default_factory=set)
    _tied: set[int] = field(default_factory=set)  # rows that stay on the page of the row before them
    _growing: dict[int, float] = field(default_factory=dict)

    def row(self, *cells: C | object, height: float | None = None, tie: bool = False, grow: float = 0) -> int:
        """Append a row; plain values become ``C(value)``. Returns the row's 1-based number. ``tie`` keeps
        the row on the page of the row before it; a row that may ``grow`` (a box of free text) takes that
        many shares of the room its page has left."""
        number = len(self.rows) + 1
        placed: list[tuple[int, C]] = []
        column = 1
        # A row a box from above reaches into cannot start a page: the box would be cut in two.
        if (number, 1) in self._taken or any((number, c) in self._taken for c in range(1, self.columns + 1)):
            tie = True
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
        self.heights[number] = ROW_HEIGHT if height is None else height
        if tie and number > 1:
            self._tied.add(number)
        if grow:
            self._growing[number] = grow
        return number

    def text_height(self, text: str, *, columns: Iterable[int], minimum: float = 30) -> float:
        """A row height (points) that shows ``text`` wrapped across the given columns."""
        widths = self.widths or [12.0] * self.columns  # forms with long texts set their widths
        width = sum(widths[c - 1] for c in columns) - 2 or 1  # less the indent
        lines = sum(max(1, math.ceil(display_width(line) / width)) for line in (text or "").split("\n"))
        return max(minimum, LINE_HEIGHT * lines + 6)

    def _widths(self) -> list[float]:
        if self.widths is not None:
            return self.widths
        fitted = [float(self.min_width)] * self.columns
        for placed in self.rows:
            for column, cell in placed:
                if cell.span != 1 or cell.style in NOT_FITTED or cell.value is None:
                    continue
                needed = display_width(_shown(cell.value)) + 3  # the indent and a margin
                fitted[column - 1] = max(fitted[column - 1], min(float(self.max_width), float(needed)))
        self.widths = fitted
        return fitted

    def _page_size(self) -> tuple[float, float]:
        """The printable width and height of a page, in points."""
        width, height = A4_POINTS[::-1] if self.landscape else A4_POINTS
        return width - 2 * MARGIN_SIDE * 72, height - (MARGIN_TOP + MARGIN_BOTTOM) * 72

    def _scale(self) -> float:
        """How much fitting the form to the page's width shrinks it, as Excel measures a column (7 pixels a
        character and 5 of padding): LibreOffice's columns are wider, so it shrinks the form more and the
        rows laid out here take less room there, never more."""
        printable, _height = self._page_size()
        needed = sum((7 * width + 5) * 0.75 for width in self._widths())
        return min(1.0, printable / needed)

    def pages(self) -> list[range]:
        """The rows of each page (1-based numbers), laid out from the rows' heights: a page ends before a
        row that does not fit, never between tied rows; the repeated header rows take their room on every
        page after the first. A group of tied rows taller than a page starts a page of its own."""
        _width, printable = self._page_size()
        room = printable * PAGE_FILL / self._scale()
        repeated = sum(self.heights[n] for n in range(self.repeat[0], self.repeat[1] + 1)) if self.repeat else 0.0
        groups: list[list[int]] = []
        for number in range(1, len(self.rows) + 1):
            if groups and number in self._tied:
                groups[-1].append(number)
            else:
                groups.append([number])
        pages: list[list[int]] = [[]]
        used = 0.0
        for group in groups:
            height = sum(self.heights[n] for n in group)
            if pages[-1] and used + height > room:
                pages.append([])
                used = repeated if self.repeat and group[0] > self.repeat[1] else 0.0
            pages[-1].extend(group)
            used += height
        return [range(page[0], page[-1] + 1) for page in pages if page]

    def _fill(self, pages: list[range]) -> None:
        """Give each page's room left to its growing rows, by their shares."""
        _width, printable = self._page_size()
        room = printable * PAGE_FILL / self._scale()
        repeated = sum(self.heights[n] for n in range(self.repeat[0], self.repeat[1] + 1)) if self.repeat else 0.0
        for index, page in enumerate(pages):
            growing = [n for n in page if n in self._growing]
            if not growing:
                continue
            used = sum(self.heights[n] for n in page) + (repeated if index and self.repeat else 0.0)
            share = (room - used - 1) / sum(self._growing[n] for n in growing)  # 1 under: the same breaks
            if share <= 0:
                continue
            for n in growing:
                self.heights[n] = min(MAX_ROW_HEIGHT, self.heights[n] + share * self._growing[n])

    def write(self, book: Workbook, title: str) -> int:
        """Stream the form into a new write-only sheet of ``book`` and close the sheet; returns its pages."""
        pages = self.pages()
        if self.fill:
            self._fill(pages)
            pages = self.pages()  # the same breaks: each page grew into its own room
        ws = book.create_sheet(title)
        # Everything that goes before the rows in the file is set before the first row is streamed.
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.paperSize = A4
        ws.page_setup.orientation = "landscape" if self.landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as the rows need (the breaks below say where)
        # Each sheet numbers its own pages from 1: a workbook of one form per person prints each as its own.
        ws.page_setup.useFirstPageNumber = True
        ws.page_setup.firstPageNumber = 1
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = MARGIN_SIDE
        ws.page_margins.top, ws.page_margins.bottom = MARGIN_TOP, MARGIN_BOTTOM
        ws.page_margins.header, ws.page_margins.footer = MARGIN_HEADER, MARGIN_FOOTER
        name = (self.footer or title).replace("&", "&&")  # "&" starts a code in a footer
        ws.oddFooter.center.text = f"{name}　第 &P 页　共 {len(pages)} 页"
        ws.oddFooter.center.font = f"{FONT},Regular"
        ws.oddFooter.center.size = 10
        for page in pages[1:]:
            ws.row_breaks.append(Break(id=page.start - 1))  # a break after the row before the page
        if self.repeat is not None:
            ws.print_title_rows = f"{self.repeat[0]}:{self.repeat[1]}"
        for index, width in enumerate(self._widths(), start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        for number, height in self.heights.items():
            ws.row_dimensions[number].height = round(height, 1)
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
        return len(pages)


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
