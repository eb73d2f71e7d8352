"""The paper-form layer lays out its own A4 pages: where a page ends, what stays together, how a form fills
its page."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from assessment.registers.layout import MARGIN_BOTTOM, MARGIN_FOOTER, C, FormSheet


def _form(rows: int, *, height: float = 100, **kwargs) -> FormSheet:
    form = FormSheet(columns=2, widths=[30.0, 30.0], **kwargs)
    for n in range(rows):
        form.row(n, "x", height=height)
    return form


def test_a_page_ends_before_the_row_that_does_not_fit():
    # A4 portrait holds 0.97 × (841.89 − 100.8) = 718.9 points: seven rows of 100.
    assert _form(15).pages() == [range(1, 8), range(8, 15), range(15, 16)]


def test_tied_rows_and_a_box_spanning_rows_stay_on_one_page():
    form = _form(6)
    form.row(C("box", down=2), "a", height=100)  # rows 7 and 8: the box would be cut at the page's end
    form.row("b", height=100)
    form.row("signature", height=100, tie=True)
    assert form.pages() == [range(1, 7), range(7, 10)]


def test_the_repeated_head_takes_its_room_on_every_later_page():
    form = _form(1, height=200)
    form.repeat = (1, 1)
    for _ in range(12):
        form.row("row", "x", height=100)
    # Each page holds the head (200) and five rows: on the first page in place, then repeated.
    assert form.pages() == [range(1, 7), range(7, 12), range(12, 14)]


def test_a_form_that_fills_its_page_gives_the_room_left_to_its_growing_rows_by_their_shares():
    form = FormSheet(columns=2, widths=[30.0, 30.0], fill=True)
    form.row("title", height=200)
    form.row("summary", "", height=100, grow=3)
    form.row("opinion", "", height=100, grow=1)
    book = Workbook(write_only=True)
    assert form.write(book, "张三") == 1
    room = 718.9 - 400 - 1
    assert form.heights[2] == pytest.approx(100 + room * 3 / 4, abs=0.1)
    assert form.heights[3] == pytest.approx(100 + room / 4, abs=0.1)


def test_the_footer_fits_in_the_bottom_margin_and_names_the_sheets_own_pages():
    form = _form(15, footer="张三")
    book = Workbook(write_only=True)
    assert form.write(book, "sheet") == 3
    out = io.BytesIO()
    book.save(out)
    ws = load_workbook(out)["sheet"]
    assert ws.oddFooter.center.text == "张三　第 &P 页　共 3 页"
    assert [b.id for b in ws.row_breaks.brk] == [7, 14]
    assert MARGIN_BOTTOM - MARGIN_FOOTER >= 0.5  # the footer's room: 0.3 in was clipped by LibreOffice
