"""The fairness analytics as a workbook laid out for a report: one sheet per analysis, each with a title, the
year and the date it was computed, a header row, the rows, A4 landscape with the header repeated on every
page. Names and matters are written as text, never as formulas."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from assessment.analytics.selectors import MEASURE_LABELS, MEASURES, FairnessReport
from common.workbooks import safe_row, workbook_bytes

THIN = Side(style="thin", color="999999")


def percent(ratio: Decimal) -> str:
    """0.215 as "21.5"."""
    return f"{(ratio * 100).normalize():f}"


def _sheet(workbook: Workbook, *, title: str, heading: str, subtitle: str, headers: list[str], widths: list[int]):
    ws = workbook.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4 in SpreadsheetML
    ws.print_title_rows = "3:3"
    ws.freeze_panes = "A4"

    def cell(value, **style):
        c = WriteOnlyCell(ws, value=value)
        for name, v in style.items():
            setattr(c, name, v)
        return c

    ws.append([cell(heading, font=Font(name="宋体", bold=True, size=14))])
    ws.append([cell(subtitle, font=Font(name="宋体", size=10))])
    border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    ws.append(
        [
            cell(
                h,
                font=Font(name="宋体", bold=True),
                fill=PatternFill("solid", fgColor="DDEBF7"),
                alignment=Alignment(horizontal="center", wrap_text=True),
                border=border,
            )
            for h in headers
        ]
    )
    return ws


def _share(value) -> str:
    return "" if value is None else f"{value}%"


def report_workbook(report: FairnessReport) -> bytes:
    year = report.assessment_year
    subtitle = _("%(region)s, %(year)s, over %(n)s closed quarters; computed %(at)s") % {
        "region": year.region.name,
        "year": year.year,
        "n": len(report.closed),
        "at": f"{report.computed_at:%Y-%m-%d %H:%M}",
    }
    workbook = Workbook(write_only=True)

    ws = _sheet(
        workbook,
        title=_("Rotation"),
        heading=_("Sections suspected of taking turns at 好 (轮流坐庄)"),
        subtitle=subtitle,
        headers=[
            _("unit"),
            _("section"),
            _("quarters with 好"),
            _("distinct people per 好"),
            _("mean inversion"),
            _("suspected"),
        ],
        widths=[24, 20, 12, 16, 14, 10],
    )
    for s in report.sections:
        ws.append(
            safe_row(
                ws,
                [
                    s.unit.name,
                    s.name,
                    s.quarters_with_good,
                    _share(s.turn_taking_percent),
                    _share(s.inversion_percent),
                    _("yes") if s.suspected else ("" if s.judged else _("not enough to judge")),
                ],
            )
        )

    ws = _sheet(
        workbook,
        title=_("Leniency"),
        heading=_("Reviewers by leniency"),
        subtitle=subtitle,
        headers=[_("reviewer"), _("unit"), _("sheets"), _("mean points"), _("others' mean"), _("leniency")],
        widths=[16, 24, 8, 12, 12, 12],
    )
    for r in report.reviewers:
        ws.append(
            safe_row(
                ws,
                [
                    r.name,
                    r.unit.name,
                    r.sheets,
                    r.mean,
                    r.others_mean,
                    r.leniency if r.leniency is not None else _("not enough to judge"),
                ],
            )
        )

    ws = _sheet(
        workbook,
        title=_("Negative records"),
        heading=_("Units recording no negative events"),
        subtitle=subtitle,
        headers=[_("unit"), _("people"), _("negative records"), _("at the region's rate")],
        widths=[24, 10, 14, 16],
    )
    for s in report.silence:
        ws.append(safe_row(ws, [s.unit.name, s.people, s.negatives, s.expected]))

    ws = _sheet(
        workbook,
        title=_("Reviews"),
        heading=_("Reviews (复核) per reviewer"),
        subtitle=subtitle,
        headers=[
            _("reviewer who proposed the grade"),
            _("unit"),
            _("requests"),
            _("answered"),
            _("grade changed"),
            _("appeals (申诉)"),
            _("appeals changing the grade"),
        ],
        widths=[20, 24, 10, 10, 12, 12, 14],
    )
    for r in report.reviews:
        ws.append(safe_row(ws, [r.name, r.unit.name, r.requests, r.answered, r.changed, r.appeals, r.appeals_changed]))

    ws = _sheet(
        workbook,
        title=_("Unit rating"),
        heading=_("How each unit runs its assessment (平时考核工作评价)"),
        subtitle=subtitle,
        headers=[
            _("unit"),
            *[str(MEASURE_LABELS[name]) for name in MEASURES],
            _("rating"),
            _("suggested ratio of 优秀"),
        ],
        widths=[24, *[12] * len(MEASURES), 10, 14],
    )
    for r in report.running:
        ws.append(
            safe_row(
                ws,
                [
                    r.unit.name,
                    *[_share(value) for _name, value, _counts in r.lines],
                    r.rating.score if r.rating else _("not enough to judge"),
                    f"{percent(r.suggested)}%" if r.suggested is not None else "",
                ],
            )
        )
    return workbook_bytes(workbook)
