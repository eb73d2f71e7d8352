"""The registers (登记表, domain.md §8), exported as Excel workbooks that look like the paper forms.

| kind                | register             | one per          | a sheet per |
|---------------------|----------------------|------------------|-------------|
| ``quarterly-person``  | 平时考核登记表        | person × quarter | person      |
| ``quarterly-results`` | 平时考核结果登记表    | section × quarter| section     |
| ``quota-usage``       | 优秀等次比例使用申报表 | unit × quarter   | unit        |
| ``year-summary``      | 平时考核简明情况登记表 | unit × year      | unit        |
| ``annual-person``     | 公务员年度考核登记表  | person × year    | person      |
| ``quarterly-publicity`` | 平时考核结果公示表 | unit × quarter   | unit        |
| ``annual-publicity``  | 年度考核优秀等次人选公示表 | unit × year | unit        |

Every register lists people in one order, the register order: the people outside every section first (the
unit's leaders: the roster puts everyone else in a section), in their own block, then the sections in their
order, each by post order (``Person.post_order``). A row of the paper form that does not apply to a person
is left out rather than left blank (no 股组长评鉴意见 for someone no section head assesses).

An export covers one unit or every unit of the year's region, and only what the exporter's scope for
``Action.EXPORT`` covers (a unit's office its unit, the organisation department its region). The data of
one unit is read in a fixed number of queries and written sheet by sheet in openpyxl's write-only mode,
so time grows with the rows and memory with the largest sheet.

The forms' fixed words (姓名, 个人小结 …) are the paper forms' own and stay Chinese in the code, like the
import templates' column headers; values with a translated display (sex, political status) are
rendered in Chinese whatever language is active.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from assessment import annual
from assessment.models import AnnualResult, QuarterlyResult, QuotaLedger, Sanction
from assessment.quarter import places
from assessment.quarter.selectors import PUBLISHED
from assessment.registers.layout import MAX_ROW_HEIGHT, C, FormSheet, SheetTitles, joined
from assessment.year import services as annual_services
from common.refusals import log_refusal
from periods.models import AssessmentYear, Period
from scoring.models import EventShare, EventStandard, IndicatorItem, ScoreEntry
from units.models import Person, Section, Unit
from units.permissions import Action, Scope, scope_for

QUARTERLY_PERSON = "quarterly-person"
QUARTERLY_RESULTS = "quarterly-results"
QUOTA_USAGE = "quota-usage"
YEAR_SUMMARY = "year-summary"
ANNUAL_PERSON = "annual-person"
QUARTERLY_PUBLICITY = "quarterly-publicity"
ANNUAL_PUBLICITY = "annual-publicity"

TITLES = {
    QUARTERLY_PERSON: "平时考核登记表",
    QUARTERLY_RESULTS: "平时考核结果登记表",
    QUOTA_USAGE: "优秀等次比例使用申报表",
    YEAR_SUMMARY: "平时考核简明情况登记表",
    ANNUAL_PERSON: "公务员年度考核登记表",
    QUARTERLY_PUBLICITY: "平时考核结果公示表",
    ANNUAL_PUBLICITY: "年度考核优秀等次人选公示表",
}
KINDS = tuple(TITLES)
QUARTERLY_KINDS = frozenset({QUARTERLY_PERSON, QUARTERLY_RESULTS, QUOTA_USAGE, QUARTERLY_PUBLICITY})
# The registers of one form per person: each person's pages are numbered on their own.
PER_PERSON_KINDS = frozenset({QUARTERLY_PERSON, ANNUAL_PERSON})
FORMATS = ("xlsx", "pdf")
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
NO_SECTION = "单位领导"  # the block of the people outside every section (see the register order above)
DASH = "—"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Request:
    """What to export: a kind, a year, a quarter for the quarterly kinds, and one unit or the region."""

    kind: str
    assessment_year: AssessmentYear
    quarter: int | None = None
    unit: Unit | None = None
    format: str = "xlsx"  # or "pdf": the workbook converted by LibreOffice (``pdf``)

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    def file_name(self) -> str:
        where = self.unit.name if self.unit else self.assessment_year.region.name
        when = f"{self.assessment_year.year}年"
        if self.quarter and self.kind in QUARTERLY_KINDS:
            when += QUARTER_NAMES[self.quarter]
        return f"{self.title}-{where}-{when}.{self.format}"


@dataclass(frozen=True)
class Exported:
    units: int
    sheets: int
    rows: int  # people (or sections, for the quota register) written
    pages: int = 0  # A4 pages, as laid out (``layout.FormSheet.pages``)


def validate(request: Request) -> Period | None:
    """The period of a quarterly register; ValidationError naming what is wrong with the request."""
    if request.format not in FORMATS:
        raise ValidationError(_("Unknown file format %(format)s.") % {"format": request.format})
    if request.kind not in TITLES:
        raise ValidationError(
            _("Unknown register %(kind)s; choose one of %(kinds)s.") % {"kind": request.kind, "kinds": ", ".join(KINDS)}
        )
    if request.unit is not None and request.unit.region_id != request.assessment_year.region_id:
        raise ValidationError(_("The unit is not in the year's region."))
    if request.kind not in QUARTERLY_KINDS:
        return None
    if request.quarter not in QUARTER_NAMES:
        raise ValidationError(_("This register is kept per quarter: choose a quarter from 1 to 4."))
    period = (
        Period.objects.filter(assessment_year=request.assessment_year, quarter=request.quarter)
        .select_related("assessment_year__region")
        .first()
    )
    if period is None:
        raise ValidationError(
            _("%(year)s has no quarter %(quarter)s yet.")
            % {"year": request.assessment_year.year, "quarter": request.quarter}
        )
    return period


def export_register(*, request: Request, by, out: IO[bytes], progress: Progress | None = None) -> Exported:
    """Write the register ``request`` names to ``out`` as ``by`` may see it.

    Refused (PermissionError, logged) when ``by`` may not export the unit asked for, or, for the whole
    region, no unit of it at all.
    """
    scope = scope_for(by, Action.EXPORT)
    if request.unit is not None and not scope.covers_unit(request.unit):
        log_refusal(by, "register_export", f"kind={request.kind} unit={request.unit.pk}")
        raise PermissionError(_("You may not export the registers of %(unit)s.") % {"unit": request.unit})
    if request.unit is None and not scope.covers_region(request.assessment_year.region_id):
        log_refusal(by, "register_export", f"kind={request.kind} region={request.assessment_year.region_id}")
        raise PermissionError(_("Only the organisation department exports the registers of a whole region."))
    return write_register(request=request, scope=scope, out=out, progress=progress)


def write_register(*, request: Request, scope: Scope, out: IO[bytes], progress: Progress | None = None) -> Exported:
    """The export itself, limited to ``scope`` (the management command passes the whole system's)."""
    period = validate(request)
    units = _units(request, scope, period)
    book = Workbook(write_only=True)
    titles = SheetTitles()
    sheets = rows = pages = 0
    with translation.override("zh-hans"):
        for done, unit in enumerate(units, start=1):
            for name, form, count in WRITERS[request.kind](request, period, unit, scope):
                # A sheet per unit is named by the unit; in a region's workbook a sheet per section or
                # person by both, the unit's name shortened first.
                whole = name == unit.name or request.unit is not None
                pages += form.write(book, titles(name if whole else joined(unit.name, name)))
                sheets += 1
                rows += count
            if progress is not None:
                progress(done, len(units))
        if not sheets:
            form = FormSheet(columns=6, widths=[14.0] * 6)
            form.row(C(request.title, "title", span=6), height=36)
            form.row(C(_("Nothing to export: no results in what you may see."), "caption", span=6))
            pages += form.write(book, titles(request.title))
    book.save(out)
    return Exported(units=len(units), sheets=sheets, rows=rows, pages=pages)


def _units(request: Request, scope: Scope, period: Period | None) -> list[Unit]:
    """The units to export, in register order: the one asked for, or every unit of the region in scope
    that has results for the period (or year)."""
    if request.unit is not None:
        return [request.unit]
    units = Unit.objects.filter(region_id=request.assessment_year.region_id).filter(scope.unit_q())
    if period is not None:
        units = units.filter(pk__in=QuarterlyResult.objects.filter(period=period).values("unit_id"))
    elif request.kind in (ANNUAL_PERSON, ANNUAL_PUBLICITY):
        units = units.filter(
            pk__in=AnnualResult.objects.filter(assessment_year=request.assessment_year).values("unit_id")
        )
    else:
        units = units.filter(
            pk__in=QuarterlyResult.objects.filter(period__assessment_year=request.assessment_year).values("unit_id")
        )
    return list(units.distinct().order_by("order", "code"))


# Reading --------------------------------------------------------------------------------------------------


# The register order of results (quarterly or annual) by their section: the people outside every section
# first, whatever the database's place for NULL (SQLite puts it first, PostgreSQL last).
REGISTER_ORDER = (F("section__order").asc(nulls_first=True), "section_id", "person__post_order", "person_id")


def _register_key(section: Section | None, person: Person) -> tuple:
    """``REGISTER_ORDER`` for rows sorted in Python."""
    return (
        section is not None,
        section.order if section else 0,
        section.pk if section else 0,
        person.post_order,
        person.pk,
    )


def _results(period: Period, unit: Unit, scope: Scope):
    """The unit's results of the period that ``scope`` covers, in register order."""
    results = QuarterlyResult.objects.filter(period=period, unit=unit)
    if not scope.everything:
        results = results.filter(scope.place_q())
    return results.select_related("person", "section", "sheet", "person__unit").order_by(*REGISTER_ORDER)


def _by_section(rows, section_of) -> list[tuple[Section | None, list]]:
    """Rows grouped by section, sections in the order the rows arrive (already section order)."""
    groups: dict[int | None, tuple[Section | None, list]] = {}
    for row in rows:
        section = section_of(row)
        key = section.pk if section else None
        groups.setdefault(key, (section, []))[1].append(row)
    return list(groups.values())


def _quarter_text(period: Period) -> str:
    return f"{period.year}年{QUARTER_NAMES[period.quarter]}"


def _month(day: datetime.date | None) -> str:
    return f"{day.year}.{day.month:02d}" if day else ""


def _points(value: Decimal | None) -> Decimal | str:
    return value if value is not None else ""


def _percent(ratio: Decimal) -> str:
    shown = (ratio * 100).quantize(Decimal("0.1")).normalize()
    return f"{shown:f}%"


def _place(unit: Unit, section: Section | None) -> str:
    parts = [unit.name] + ([section.name] if section else [])
    return "　".join(parts)


def _result_notes(result: QuarterlyResult, unit: Unit) -> str:
    notes = []
    if result.sheet.vetoed:
        notes.append("一票否优")
    if result.decision == QuarterlyResult.Decision.PICKED:
        notes.append("党委研究确定")
    elif result.decision == QuarterlyResult.Decision.REJECTED:
        notes.append("推荐未获通过")
    if result.person.unit_id != unit.pk:
        notes.append(f"原单位：{result.person.unit.name}")
    return "；".join(notes)


def _signatures(form: FormSheet, *parts: str) -> None:
    """The signature and seal line under a table: the parts share the form's width, the first ones wider."""
    base, extra = divmod(form.columns, len(parts))
    form.row(*(C(text, "sign", span=base + (n < extra)) for n, text in enumerate(parts)), height=30, tie=True)


def _total(result: QuarterlyResult) -> Decimal | str:
    return result.sheet.total if result.sheet.is_complete else "未完成"


# 平时考核结果登记表: a sheet per section ----------------------------------------------------------------------


def quarterly_results_forms(request: Request, period: Period, unit: Unit, scope: Scope):
    results = list(_results(period, unit, scope))
    for section, rows in _by_section(results, lambda r: r.section):
        block = section.name if section else NO_SECTION
        form = FormSheet(columns=11, landscape=True, footer=f"{unit.name}　{block}")
        form.row(C(request.title, "title", span=11), height=36)
        form.row(
            C(
                f"单位：{unit.name}　　{'股室：' if section else ''}{block}　　考核期间：{_quarter_text(period)}",
                "caption",
                span=11,
            ),
            height=22,
            tie=True,
        )
        form.row(
            C("序号", "head", down=2),
            C("姓名", "head", down=2),
            C("职务", "head", down=2),
            C("得分", "head", span=4),
            C("总分", "head", down=2),
            C("建议等次", "head", down=2),
            C("确定等次", "head", down=2),
            C("备注", "head", down=2),
            height=20,
            tie=True,
        )
        form.row(C("共性指标", "head"), C("个性指标", "head"), C("加分", "head"), C("扣分", "head"), height=20)
        form.repeat = (3, 4)
        for n, result in enumerate(rows, start=1):
            sheet = result.sheet
            form.row(
                n,
                result.person.name,
                C(result.person.post, "left"),
                C(sheet.common_points, "number"),
                C(sheet.individual_points, "number"),
                C(sheet.bonus_points, "number"),
                C(sheet.deduction_points, "number"),
                C(_total(result), "number"),
                result.proposed_grade,
                result.final_grade,
                C(_result_notes(result, unit), "left"),
                height=20,
                tie=n == 1,  # the table's head does not end a page alone
            )
        goods = sum(1 for r in rows if r.final_grade == annual.GOOD)
        form.row(
            C(
                f"本{'股室' if section else '单位领导中'}参加考核 {len(rows)} 人，确定为“好”等次 {goods} 人。",
                "sign",
                span=11,
            ),
            height=24,
            tie=True,
        )
        if section is not None:
            _signatures(form, "股室负责人（签字）：", "分管领导（签字）：", "填表日期：　　年　　月　　日")
        else:  # no section head signs for the unit's leaders
            _signatures(form, "主要领导（签字）：", "填表日期：　　年　　月　　日")
        yield block, form, len(rows)


# 平时考核登记表: a sheet per person -------------------------------------------------------------------------

# 73 characters: A4's width between the margins, as LibreOffice measures a column (7 points a character),
# so neither LibreOffice nor Excel shrinks the form and the rows' heights are the printed ones.
PERSON_WIDTHS = [13.0, 12.0, 11.0, 13.0, 11.0, 13.0]


def _person_head(form: FormSheet, person: Person, *, title: str, subtitle: str) -> None:
    form.row(C(title, "title", span=6), height=34)
    form.row(C(subtitle, "subtitle", span=6), height=22, tie=True)
    form.row(
        C("姓名", "label"),
        person.name,
        C("性别", "label"),
        person.get_sex_display(),
        C("出生年月", "label"),
        _month(person.birth_date),
        height=26,
        tie=True,
    )
    form.row(
        C("政治面貌", "label"),
        person.get_political_status_display(),
        C("职务", "label"),
        person.post,
        C("职级", "label"),
        person.rank,
        height=26,
    )


def _long(form: FormSheet, label: str, text: str, *, minimum: float = 48, tail: str = "", grow: float = 1) -> None:
    """A labelled box of free text across the form, tall enough for the text; ``tail`` is a signature
    line written inside the box below the text, as on the paper form. The box takes its share of the
    room its page has left (``FormSheet.fill``)."""
    body = text or ""
    if tail:
        body = f"{body}\n\n{tail}" if body else f"\n\n{tail}"
    height = form.text_height(body, columns=range(2, 7), minimum=minimum)
    form.row(C(label, "label"), C(body, "text", span=5), height=min(height, MAX_ROW_HEIGHT), grow=grow)


KIND_LABELS = {
    IndicatorItem.Kind.COMMON: "共性指标",
    IndicatorItem.Kind.DISTINCTIVE: "特色指标",
}


def quarterly_person_forms(request: Request, period: Period, unit: Unit, scope: Scope):
    results = list(_results(period, unit, scope).select_related("sheet__template"))
    templates = {r.sheet.template_id for r in results}
    items: dict[int, list[IndicatorItem]] = defaultdict(list)
    for item in IndicatorItem.objects.filter(template_id__in=templates, kind__in=IndicatorItem.ENTERED).order_by(
        "template_id", "order", "pk"
    ):
        items[item.template_id].append(item)
    points: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for sheet_id, item_id, value in ScoreEntry.objects.filter(sheet__in=[r.sheet_id for r in results]).values_list(
        "sheet_id", "item_id", "points"
    ):
        points[sheet_id][item_id] = value
    for result in results:
        person, sheet = result.person, result.sheet
        template = sheet.template
        form = FormSheet(columns=6, widths=list(PERSON_WIDTHS), footer=person.name, fill=True)
        _person_head(form, person, title=request.title, subtitle=f"（{_quarter_text(period)}）")
        form.row(
            C("单位及股室", "label"),
            C(_place(unit, result.section), "left", span=3),
            C("人员类别", "label"),
            person.get_staffing_type_display(),
            height=26,
        )
        _long(form, "个人小结", result.summary, minimum=60, grow=4)
        form.row(C("指标类别", "head"), C("考核指标", "head", span=3), C("分值", "head"), C("得分", "head"), height=22)
        head = len(form.rows)
        entered = items.get(sheet.template_id, [])
        for kind in KIND_LABELS:
            group = [item for item in entered if item.kind == kind]
            for index, item in enumerate(group):
                first = [C(KIND_LABELS[kind], "label", down=len(group))] if index == 0 else []
                form.row(
                    *first,
                    C(item.name, "left", span=3),
                    C(item.max_points, "number"),
                    C(_points(points[sheet.pk].get(item.pk)), "number"),
                    height=20,
                    tie=len(form.rows) == head,  # the table's head stays with its first row
                )
        average = f"{sheet.monthly_average:.2f}" if sheet.monthly_average is not None else DASH
        form.row(
            C("个性指标", "label"),
            C(f"月度绩效平均分 {average} × 权重 {template.individual_weight.normalize():f}", "left", span=3),
            C(template.individual_weight * 100, "number"),
            C(sheet.individual_points, "number"),
            height=20,
        )
        form.row(
            C("正向激励", "label"),
            C("加分（经考核办审核）", "left", span=3),
            C(template.bonus_cap, "number"),
            C(sheet.bonus_points, "number"),
            height=20,
        )
        form.row(
            C("负面指标", "label"),
            C("扣分", "left", span=3),
            DASH,
            C(sheet.deduction_points, "number"),
            height=20,
        )
        form.row(C("总分", "label", span=5), C(_total(result), "number"), height=22)
        if result.section is not None:  # someone outside every section has no section head to appraise them
            _long(form, "股组长评鉴意见", result.section_comment, tail="签字：　　　　　　年　　月　　日")
        form.row(
            C("建议等次", "label"),
            C(result.proposed_grade, span=2),
            C("推荐“好”等次", "label"),
            C("是" if result.nominated else "否", span=2),
            height=24,
        )
        _long(form, "分管领导意见", result.leader_comment, minimum=48, tail="签字：　　　　　　年　　月　　日")
        form.row(
            C("考核结果", "label"),
            C(result.final_grade or DASH, span=2),
            C("单位（盖章）\n\n年　　月　　日", "text", span=3),
            height=60,
        )
        _long(form, "本人意见", result.opinion, minimum=48, tail="签字：　　　　　　年　　月　　日")
        notes = _result_notes(result, unit)
        if notes:
            form.row(C("备注", "label"), C(notes, "left", span=5), height=24)
        yield person.name, form, 1


# 优秀等次比例使用申报表: a sheet per unit ----------------------------------------------------------------------


def quota_usage_forms(request: Request, period: Period, unit: Unit, scope: Scope):
    if not scope.covers_unit(unit):
        return  # the places are the whole unit's: someone who sees only some sections does not export them
    # Computed from the results as they stand, so the form is right before publication writes the ledger.
    computed = places.ledger_figures(period, unit)
    names = {s.pk: s for s in Section.objects.filter(pk__in=[k for k in computed if k is not None])}
    ledgers = []
    for section_id, row in computed.items():
        row.section = names.get(section_id)
        ledgers.append(row)
    ledgers.sort(key=lambda row: (row.section is None, row.section.order if row.section else 0, row.section_id or 0))
    total = next((row for row in ledgers if row.section_id is None), None)
    sections = [row for row in ledgers if row.section_id is not None]
    form = FormSheet(columns=11, landscape=True)
    form.row(C(request.title, "title", span=11), height=36)
    ratio = _percent(total.ratio) if total else DASH
    form.row(
        C(
            f"单位（盖章）：{unit.name}　　考核期间：{_quarter_text(period)}　　“好”等次比例：{ratio}",
            "caption",
            span=11,
        ),
        height=22,
        tie=True,
    )
    form.row(
        "序号",
        "股室",
        "参加考核人数",
        "比例",
        "累计基数",
        "本季度名额",
        "本年累计名额",
        "推荐人数",
        "确定人数",
        "结转",
        "备注",
        height=34,
        tie=True,
    )
    form.rows[-1] = [(column, C(cell.value, "head")) for column, cell in form.rows[-1]]
    form.repeat = (3, 3)

    def figures(row: QuotaLedger) -> list:
        return [
            row.participants,
            _percent(row.ratio),
            C(row.accumulated, "number"),
            row.places,
            row.cumulative_places,
            row.nominations,
            row.approved,
            C(row.carried, "number"),
        ]

    for n, row in enumerate(sections, start=1):
        note = "名额已用完" if row.places and row.nominations >= row.places else ""
        form.row(n, C(row.section.name, "left"), *figures(row), C(note, "left"), height=20, tie=n == 1)
    if total is not None:
        form.row(C("单位合计", "label", span=2), *figures(total), C("单位名额须独立满足", "left"), height=22, tie=True)
    else:
        form.row(C("本季度尚未分配名额。", "left", span=11), height=22, tie=True)
    form.row(
        C("说明：名额 = 上季度结转 + 比例 × 参加考核人数，向下取整；不足 1 人的可确定 1 人。", "sign", span=11),
        tie=True,
    )
    _signatures(form, "考核办（盖章）：", "主要领导（签字）：", "报送日期：　　年　　月　　日")
    yield unit.name, form, len(sections)


# 平时考核简明情况登记表: a sheet per unit ----------------------------------------------------------------------


def year_summary_forms(request: Request, period: Period | None, unit: Unit, scope: Scope):
    if not scope.covers_unit(unit):
        return  # a unit's summary of the year: only for those who cover the whole unit
    year = request.assessment_year
    # The same facts and rules as the annual roll-up (assessment.year.services): people registered with
    # the unit of their latest final quarter, final quarters only (with the quarters before the region went
    # live, as imported), and 优秀 eligibility with every bar.
    overview = {
        pid: facts
        for pid, facts in annual_services.year_overview(assessment_year=year, unit=unit).items()
        if facts[0].quarters
    }
    if not overview:
        return
    people = {p.pk: p for p in Person.objects.filter(pk__in=overview)}
    sections = {s.pk: s for s in Section.objects.filter(pk__in={m.section_id for m, _f in overview.values()})}
    units = dict(
        Unit.objects.filter(
            pk__in={q["unit_id"] for m, _f in overview.values() for q in m.quarters if q["unit_id"] is not None}
        ).values_list("pk", "name")
    )

    order = sorted(overview, key=lambda pid: _register_key(sections.get(overview[pid][0].section_id), people[pid]))
    form = FormSheet(columns=14, landscape=True)
    form.row(C(request.title, "title", span=14), height=36)
    form.row(C(f"单位：{unit.name}　　考核年度：{year.year}年", "caption", span=14), height=22, tie=True)
    form.row(
        C("序号", "head", down=2),
        C("姓名", "head", down=2),
        C("股室", "head", down=2),
        C("职务", "head", down=2),
        C("平时考核等次", "head", span=4),
        C("等次统计", "head", span=4),
        C("优秀候选", "head", down=2),
        C("备注", "head", down=2),
        height=20,
        tie=True,
    )
    form.row(*(C(QUARTER_NAMES[q], "head") for q in range(1, 5)), *(C(g, "head") for g in annual.QUARTER_GRADES))
    form.repeat = (3, 4)
    counts_total = dict.fromkeys(annual.QUARTER_GRADES, 0)
    candidates = 0
    for n, pid in enumerate(order, start=1):
        person = people[pid]
        member, computed = overview[pid]
        grades = {q["period__quarter"]: q["final_grade"] for q in member.quarters}
        counts = {g: sum(1 for v in grades.values() if v == g) for g in annual.QUARTER_GRADES}
        for g, k in counts.items():
            counts_total[g] += k
        candidate = bool(computed["excellent_eligible"])
        candidates += candidate
        # A quarter before the region went live shows its imported grade (assessment.year.history), and says so.
        notes = [
            f"{QUARTER_NAMES[q['period__quarter']]}为系统启用前等次（导入）"
            if q.get("imported")
            else f"{QUARTER_NAMES[q['period__quarter']]}在{units[q['unit_id']]}考核"
            for q in member.quarters
            if q["unit_id"] != unit.pk
        ]
        if computed["case_reason"]:
            notes.append(computed["case_reason"])
        if computed["excellent_barred"]:
            notes.append(computed["excellent_barred"])
        section = sections.get(member.section_id)
        form.row(
            n,
            person.name,
            C(section.name if section else NO_SECTION, "left"),
            C(person.post, "left"),
            *(grades.get(q, "") for q in range(1, 5)),
            *(counts[g] for g in annual.QUARTER_GRADES),
            "是" if candidate else "",
            C("；".join(notes), "left"),
            height=20,
            tie=n == 1,
        )
    form.row(
        C("合计", "label", span=8),
        *(counts_total[g] for g in annual.QUARTER_GRADES),
        candidates,
        "",
        height=22,
        tie=True,
    )
    _signatures(form, "考核办（盖章）：", "主要领导（签字）：", "填表日期：　　年　　月　　日")
    yield unit.name, form, len(order)


# 公务员年度考核登记表: a sheet per person -----------------------------------------------------------------------


def annual_person_forms(request: Request, period: Period | None, unit: Unit, scope: Scope):
    year = request.assessment_year
    results = AnnualResult.objects.filter(assessment_year=year, unit=unit)
    if not scope.everything:
        results = results.filter(scope.place_q())
    results = list(
        results.select_related("person", "section", "person__unit")
        .prefetch_related("appeals")
        .order_by(*REGISTER_ORDER)
    )
    ids = [r.person_id for r in results]
    summaries: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pid, quarter, text in (
        QuarterlyResult.objects.filter(period__assessment_year=year, person_id__in=ids)
        .exclude(summary="")
        .order_by("period__quarter")
        .values_list("person_id", "period__quarter", "summary")
    ):
        summaries[pid].append((quarter, text))
    first_day, last_day = datetime.date(year.year, 1, 1), datetime.date(year.year, 12, 31)
    deeds: dict[int, list[str]] = defaultdict(list)
    for share in (
        EventShare.objects.filter(
            person_id__in=ids,
            event__period__assessment_year=year,
            event__status="approved",
            event__standard__kind=EventStandard.Kind.BONUS,
        )
        .select_related("event__standard", "event__period")
        .order_by("event__period__quarter", "event__pk")
    ):
        event = share.event
        deeds[share.person_id].append(f"{QUARTER_NAMES[event.period.quarter]}：{event.matter}（{event.standard.name}）")
    for sanction in (
        Sanction.objects.filter(person_id__in=ids)
        .filter(Q(starts_on__lte=last_day) & Q(ends_on__gte=first_day))
        .select_related("kind")
        .order_by("starts_on")
    ):
        deeds[sanction.person_id].append(
            f"{sanction.kind.name}（{sanction.starts_on:%Y.%m.%d}—{sanction.ends_on:%Y.%m.%d}）：{sanction.reason}"
        )
    for result in results:
        person = result.person
        form = FormSheet(columns=6, widths=list(PERSON_WIDTHS), footer=person.name, fill=True)
        _person_head(form, person, title=request.title, subtitle=f"（{year.year}年度）")
        form.row(
            C("任现职时间", "label"),
            _month(person.took_post_on),
            C("人员类别", "label"),
            C(person.get_staffing_type_display(), span=3),
            height=26,
        )
        form.row(
            C("单位及职务", "label"),
            C(_place(unit, result.section) + "　" + person.post, "left", span=5),
            height=26,
        )
        form.row(C("从事或分管工作", "label"), C(person.duties, "left", span=5), height=36)
        summary = "\n".join(f"{QUARTER_NAMES[q]}：{text}" for q, text in summaries.get(person.pk, []))
        _long(form, "个人总结", summary, minimum=160, grow=4)
        _long(form, "奖惩情况", "\n".join(deeds.get(person.pk, [])) or "无", minimum=36)
        form.row(
            C("平时考核等次", "label", down=2),
            *(C(QUARTER_NAMES[q], "head") for q in range(1, 5)),
            C("年度考核得分", "head"),
            height=22,
        )  # the next row is tied to this one by the label spanning both
        form.row(
            *(g or DASH for g in result.grades_by_quarter),
            C(_points(result.annual_score), "number"),
            height=22,
        )
        _long(
            form,
            "主管领导评语和考核等次建议",
            result.appraisal + (f"\n建议等次：{result.proposed_grade}" if result.proposed_grade else ""),
            minimum=80,
            tail="签字：　　　　　　年　　月　　日",
        )
        if result.case == AnnualResult.Case.GRADED:
            decided = f"确定为{result.final_grade}等次。" if result.final_grade else ""
        else:
            decided = f"{result.get_case_display()}。"
        _long(form, "机关负责人或考核委员会意见", decided, minimum=60, tail="（盖章）　　　　年　　月　　日")
        _long(form, "本人意见", "", minimum=48, tail="签字：　　　　　　年　　月　　日")
        if result.case != AnnualResult.Case.GRADED:  # only for someone without a grade
            form.row(C("未确定等次或不参加考核的原因", "label"), C(result.case_reason, "left", span=5), height=36)
        notes = []
        for appeal in result.appeals.all():
            outcome = appeal.get_outcome_display() if appeal.outcome else "待答复"
            notes.append(f"{appeal.get_kind_display()}（{appeal.requested_on:%Y.%m.%d}）：{outcome}")
        if result.excellent_barred:
            notes.append(result.excellent_barred)
        form.row(C("备注", "label"), C("；".join(notes), "left", span=5), height=30)
        yield person.name, form, 1


# 平时考核结果公示表 and 年度考核优秀等次人选公示表: a sheet per unit (seed 002 §五(三)5, §六(一)) -----------


def _publicity_caption(unit: Unit, when: str, ends: datetime.date | None) -> str:
    until = f"　　公示截止：{ends.year}年{ends.month}月{ends.day}日" if ends else ""
    return f"单位：{unit.name}　　{when}{until}"


def quarterly_publicity_forms(request: Request, period: Period, unit: Unit, scope: Scope):
    """The unit's published grades of the quarter, as posted during publicity (公示), scores where the
    region shows them."""
    results = list(_results(period, unit, scope).filter(status__in=PUBLISHED))
    if not results:
        return
    scores = period.assessment_year.publicity_shows_scores
    columns = 7 if scores else 6
    form = FormSheet(columns=columns)
    form.row(C(request.title, "title", span=columns), height=36)
    ends = max((r.publicity_ends for r in results if r.publicity_ends), default=None)
    caption = _publicity_caption(unit, f"考核期间：{_quarter_text(period)}", ends)
    form.row(C(caption, "caption", span=columns), height=22, tie=True)
    form.row(
        *(C(h, "head") for h in ("序号", "姓名", "股室", "职务", *(["总分"] if scores else []), "考核等次", "备注")),
        height=24,
        tie=True,
    )
    form.repeat = (3, 3)
    for n, result in enumerate(results, start=1):
        form.row(
            n,
            result.person.name,
            C(result.section.name if result.section else NO_SECTION, "left"),
            C(result.person.post, "left"),
            *([C(_total(result), "number")] if scores else []),
            result.final_grade,
            C(_result_notes(result, unit), "left"),
            height=20,
            tie=n == 1,
        )
    form.row(C("公示期间，对公示结果有异议的，可向单位考核办反映。", "sign", span=columns), height=24, tie=True)
    _signatures(form, "考核办（盖章）：", "公示日期：　　年　　月　　日")
    yield unit.name, form, len(results)


def annual_publicity_forms(request: Request, period: Period | None, unit: Unit, scope: Scope):
    """The unit's 优秀 of the year with the year's quarterly grades, as posted during the annual publicity."""
    results = AnnualResult.objects.filter(
        assessment_year=request.assessment_year,
        unit=unit,
        final_grade=annual.EXCELLENT,
        status__in=(AnnualResult.Status.PUBLICITY, AnnualResult.Status.CONFIRMATION, AnnualResult.Status.FINAL),
    )
    if not scope.everything:
        results = results.filter(scope.place_q())
    results = list(results.select_related("person", "section").order_by(*REGISTER_ORDER))
    if not results:
        return
    form = FormSheet(columns=9, landscape=True)
    form.row(C(request.title, "title", span=9), height=36)
    ends = max((r.publicity_ends for r in results if r.publicity_ends), default=None)
    caption = _publicity_caption(unit, f"考核年度：{request.assessment_year.year}年", ends)
    form.row(C(caption, "caption", span=9), height=22, tie=True)
    form.row(
        C("序号", "head", down=2),
        C("姓名", "head", down=2),
        C("股室", "head", down=2),
        C("职务", "head", down=2),
        C("当年平时考核等次", "head", span=4),
        C("备注", "head", down=2),
        height=20,
        tie=True,
    )
    form.row(*(C(QUARTER_NAMES[q], "head") for q in range(1, 5)), height=20)
    form.repeat = (3, 4)
    for n, result in enumerate(results, start=1):
        form.row(
            n,
            result.person.name,
            C(result.section.name if result.section else NO_SECTION, "left"),
            C(result.person.post, "left"),
            *(g or DASH for g in result.grades_by_quarter),
            C(result.excellent_barred or "", "left"),
            height=20,
            tie=n == 1,
        )
    form.row(C("公示期间，对拟定为“优秀”等次的人选有异议的，可向单位考核办反映。", "sign", span=9), height=24, tie=True)
    _signatures(form, "考核办（盖章）：", "主要领导（签字）：", "公示日期：　　年　　月　　日")
    yield unit.name, form, len(results)


WRITERS = {
    QUARTERLY_PERSON: quarterly_person_forms,
    QUARTERLY_RESULTS: quarterly_results_forms,
    QUOTA_USAGE: quota_usage_forms,
    YEAR_SUMMARY: year_summary_forms,
    ANNUAL_PERSON: annual_person_forms,
    QUARTERLY_PUBLICITY: quarterly_publicity_forms,
    ANNUAL_PUBLICITY: annual_publicity_forms,
}
