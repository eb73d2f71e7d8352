"""Earlier grades (历史等次): the organisation department's import of the annual and quarterly grades from
before its region went live, all or nothing, and a template listing the region's people with what is already
imported. Once imported, the rules that look back (三等功, 辞退审查: ``assessment.year.selectors``), the annual
roll-up of the first year (``assessment.year.services``, hence the 平时考核简明情况登记表 and the 年度考核登记表)
and each person's profile read them beside the live results.

Built on the machinery of the other imports (``common.workbooks``): every bad row is reported by row, column
and reason; a file with any bad row saves nothing.

- One row is one grade: 身份证号, 姓名, 年度, 季度 and 等次 (单位 is there for the reader, and not read). A blank
  季度 makes the row the year's grade: 优秀, 称职, 基本称职, 不称职 or 不定等次; a quarter (1–4, or 第一季度 …)
  takes 好, 较好, 一般 or 较差. A row with neither year, quarter nor grade (the template's line for a person
  with nothing imported yet) is skipped.
- People are matched by ID number, among the people of the importer's region, and the name must match.
- History never overlaps live data. An annual grade is refused for a year the region already runs in the
  system (a quarter open or with results, or an annual result) and for a person with any result of that year
  anywhere; a quarterly grade for a quarter open or with results in the region, for a person with a result
  in that quarter anywhere, or whose annual result of that year is final. So a region fills in the years
  before it went live, and the quarters of its first year before the first live one.
- A re-import is idempotent: a grade already imported is updated if the file changes it (the audit entry keeps
  the before and after) and left alone if not; imported grades the file does not name are kept.
- A fixed number of queries whatever the number of rows: the people by ID number (locked, so two imports of
  the same people run one after the other), the live data, the grades already imported; then the writes in
  batches and one audit entry.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from assessment.models import AnnualResult, GradeHistory, QuarterlyResult
from assessment.models.history import QUARTER_GRADES, YEAR_GRADES
from assessment.quarter.services import today
from audit.models import AuditEntry
from common.bulk import update_rows
from common.refusals import refusal
from common.workbooks import (
    ImportRefused,
    Line,
    RowError,
    cell_text,
    column_label,
    read_checked_table,
    safe_row,
    template_workbook,
    whole_number,
    workbook_bytes,
)
from periods.models import AssessmentYear, Period
from units.models import Person, Region
from units.permissions import Action, scope_for
from units.roster import id_number_of
from units.validators import normalise_id_number

# Column headers users see in the file.
H_ID = "身份证号"
H_NAME = "姓名"
H_UNIT = "单位"
H_YEAR = "年度"
H_QUARTER = "季度"
H_GRADE = "等次"
HEADERS = (H_ID, H_NAME, H_UNIT, H_YEAR, H_QUARTER, H_GRADE)
REQUIRED = (H_ID, H_NAME, H_YEAR, H_QUARTER, H_GRADE)
WIDTHS = (22, 12, 24, 8, 8, 10)

QUARTERS = (1, 2, 3, 4)
QUARTER_WORDS = {"第一季度": 1, "第二季度": 2, "第三季度": 3, "第四季度": 4} | {f"Q{q}": q for q in QUARTERS}
FILE_NAME_LENGTH = GradeHistory._meta.get_field("file_name").max_length
# The years a history may name: from the first an assessment year may have, to this one.
FIRST_YEAR = min(v.limit_value for v in GradeHistory._meta.get_field("year").validators if v.code == "min_value")
TEMPLATE_CHUNK = 2000  # people read (and their grades) at a time while the template is written
WRITE_BATCH = 1000

ACTION = "grade_history_import"


def _only_org() -> str:
    return _("Only the organisation department of the region may import its earlier grades.")


@dataclass(frozen=True)
class HistoryRow:
    """One checked row of the file."""

    number: int  # the row number Excel shows
    person: Person
    year: int
    quarter: int | None  # None: the year's grade
    grade: str

    @property
    def key(self) -> tuple[int, int, int | None]:
        return (self.person.pk, self.year, self.quarter)


@dataclass(frozen=True)
class HistoryImported:
    """What an import did: the file's grades by kind, and how many were new, changed or already there."""

    rows: int
    annual: int
    quarterly: int
    created: int
    updated: int
    unchanged: int


def _may_import(by, region: Region) -> bool:
    """The organisation department of the region (its role covers the whole region for 核准)."""
    return scope_for(by, Action.CONFIRM).covers_region(region.pk)


def _key_text(key: tuple[int, int, int | None]) -> str:
    person_id, year, quarter = key
    return f"{person_id} {year}" + (f" Q{quarter}" if quarter else "")


def history_template(*, region: Region, by) -> bytes:
    """A workbook listing the region's people in service (unit, post order), each with the grades already
    imported for them, one per row, or one blank row to fill in. Importing it unchanged changes nothing."""
    if not _may_import(by, region):
        raise refusal(by, "grade_history_template", f"region={region.pk}", _only_org())
    workbook, ws = template_workbook(title=_("Earlier grades"), headers=HEADERS, widths=WIDTHS)
    # Kept as text, so that a typed ID number does not lose its last digits as a number.
    ws.column_dimensions[get_column_letter(HEADERS.index(H_ID) + 1)].number_format = "@"
    people = (
        Person.objects.filter(unit__region=region, is_active=True)
        .select_related("unit")
        .order_by("unit__order", "unit__code", "post_order", "pk")
    )
    chunk: list[Person] = []

    def write(chunk: list[Person]) -> None:
        stored: dict[int, list[GradeHistory]] = {}
        for grade in GradeHistory.objects.filter(person__in=chunk):
            stored.setdefault(grade.person_id, []).append(grade)
        for person in chunk:
            start = [person.id_number, person.name, person.unit.name]
            for grade in stored.get(person.pk, []):
                ws.append(safe_row(ws, [*start, grade.year, grade.quarter, grade.grade]))
            if person.pk not in stored:
                ws.append(safe_row(ws, [*start, None, None, None]))

    for person in people.iterator(chunk_size=TEMPLATE_CHUNK):
        chunk.append(person)
        if len(chunk) == TEMPLATE_CHUNK:
            write(chunk)
            chunk = []
    if chunk:
        write(chunk)
    return workbook_bytes(workbook)


@dataclass(frozen=True)
class _Live:
    """The live data the file's years touch, read in four queries."""

    region_quarters: set[tuple[int, int]]  # (year, quarter) open or with results in the region
    region_years: set[int]  # years the region runs in the system: a live quarter or an annual result
    person_quarters: set[tuple[int, int, int]]  # (person, year, quarter) with a quarterly result anywhere
    person_years: dict[tuple[int, int], str]  # (person, year) → the status of their annual result, if any


def _live(region: Region, people: list[int], years: set[int]) -> _Live:
    region_quarters = set(
        Period.objects.filter(assessment_year__region=region, assessment_year__year__in=years)
        .filter(Q(status=Period.Status.OPEN) | Exists(QuarterlyResult.objects.filter(period=OuterRef("pk"))))
        .values_list("assessment_year__year", "quarter")
    )
    region_years = {year for year, _q in region_quarters} | set(
        AssessmentYear.objects.filter(region=region, year__in=years)
        .filter(Exists(AnnualResult.objects.filter(assessment_year=OuterRef("pk"))))
        .values_list("year", flat=True)
    )
    person_quarters = set(
        QuarterlyResult.objects.filter(person_id__in=people, period__assessment_year__year__in=years).values_list(
            "person_id", "period__assessment_year__year", "period__quarter"
        )
    )
    person_years = {
        (person_id, year): status
        for person_id, year, status in AnnualResult.objects.filter(
            person_id__in=people, assessment_year__year__in=years
        ).values_list("person_id", "assessment_year__year", "status")
    }
    return _Live(region_quarters, region_years, person_quarters, person_years)


def _year(line: Line, this_year: int) -> int | None:
    text = line.text(H_YEAR).removesuffix("年")
    if not text:
        line.refuse(H_YEAR, _("a year is required"))
        return None
    year = whole_number(text)  # ASCII digits: "２０２５" or "²" is refused, not read
    if year is None:
        line.refuse(H_YEAR, _("not a year: %(value)s") % {"value": line.text(H_YEAR)})
        return None
    if not FIRST_YEAR <= year <= this_year:
        bounds = {"low": FIRST_YEAR, "high": this_year, "value": year}
        line.refuse(H_YEAR, _("a year from %(low)s to %(high)s: %(value)s") % bounds)
        return None
    return year


def _quarter(line: Line) -> tuple[bool, int | None]:
    """(readable, the quarter or None for the year's grade)."""
    text = line.text(H_QUARTER)
    if not text:
        return True, None
    quarter = whole_number(text)
    if quarter is None:
        quarter = QUARTER_WORDS.get(text.upper())
    if quarter not in QUARTERS:
        line.refuse(
            H_QUARTER,
            _("a quarter is 1, 2, 3 or 4 (leave it blank for the year's grade): %(value)s") % {"value": text},
        )
        return False, None
    return True, quarter


def _grade(line: Line, quarter: int | None, quarter_read: bool) -> str | None:
    grade = line.text(H_GRADE)
    if not grade:
        line.refuse(H_GRADE, _("a grade is required"))
        return None
    if not quarter_read:
        if grade not in QUARTER_GRADES + YEAR_GRADES:
            line.refuse(H_GRADE, _("unknown grade: %(grade)s") % {"grade": grade})
        return None
    allowed = QUARTER_GRADES if quarter else YEAR_GRADES
    if grade not in allowed:
        message = (
            _("%(grade)s is not a quarterly grade; use one of: %(allowed)s")
            if quarter
            else _("%(grade)s is not an annual grade (leave the quarter blank only for those); use one of: %(allowed)s")
        )
        line.refuse(H_GRADE, message % {"grade": grade, "allowed": "、".join(allowed)})
        return None
    return grade


def _overlap(line: Line, live: _Live, person: Person, year: int, quarter: int | None, on: datetime.date) -> None:
    """Refuse the row if its grade is live data's, or is not over yet."""
    if quarter is None:
        if year >= on.year:
            line.refuse(H_YEAR, _("the year %(year)s is not over; it has no annual grade yet") % {"year": year})
        elif year in live.region_years:
            line.refuse(
                H_YEAR,
                _("%(year)s is assessed in the system in this region; its annual grades come from there")
                % {"year": year},
            )
        elif (person.pk, year) in live.person_years or any(
            (person.pk, year, q) in live.person_quarters for q in QUARTERS
        ):
            line.refuse(H_YEAR, _("this person has results of %(year)s in the system already") % {"year": year})
        return
    if (year, quarter) > (on.year, (on.month - 1) // 3):
        line.refuse(H_QUARTER, _("%(year)s Q%(quarter)s is not over yet") % {"year": year, "quarter": quarter})
    elif (year, quarter) in live.region_quarters:
        line.refuse(
            H_QUARTER,
            _("%(year)s Q%(quarter)s is assessed in the system in this region; its grades come from there")
            % {"year": year, "quarter": quarter},
        )
    elif (person.pk, year, quarter) in live.person_quarters:
        line.refuse(
            H_QUARTER,
            _("this person has a result of %(year)s Q%(quarter)s in the system already")
            % {"year": year, "quarter": quarter},
        )
    elif live.person_years.get((person.pk, year)) == AnnualResult.Status.FINAL:
        line.refuse(
            H_QUARTER,
            _("this person's annual result of %(year)s is final; its quarters can no longer change") % {"year": year},
        )


def parse_history(*, content: bytes, region: Region, lock: bool = False) -> list[HistoryRow]:
    """Validate every row; raise ImportRefused naming each bad one, or return the rows to save. With
    ``lock`` (inside a transaction), the people named are locked in primary-key order."""
    headers, table = read_checked_table(content, required=REQUIRED)
    col = {h: headers.index(h) for h in HEADERS if h in headers}
    labels = {h: column_label(col[h], h) if h in col else h for h in HEADERS}

    def column(header: str) -> set[str]:
        i = col[header]
        return {text for r in table[1:] if len(r) > i and (text := cell_text(r[i]))}

    numbers = {normalise_id_number(n) for n in column(H_ID)}
    years = {y for t in column(H_YEAR) if (y := whole_number(t.removesuffix("年"))) is not None and y < 10000}
    people_qs = Person.objects.filter(id_number__in=numbers, unit__region=region)
    if lock:
        # Two imports of the same people run one after the other, so the second sees the first's grades and
        # updates them instead of inserting them a second time.
        people_qs = people_qs.select_for_update(of=("self",)).order_by("pk")
    people = {p.id_number: p for p in people_qs}
    live = _live(region, [p.pk for p in people.values()], years)
    on = today()

    errors: list[RowError] = []
    rows: list[HistoryRow] = []
    seen: dict[tuple[int, int, int | None], int] = {}
    for number, raw in enumerate(table[1:], start=2):
        values = list(raw) + [None] * (len(headers) - len(raw))
        if not any(cell_text(v) for v in values):
            continue  # blank lines are harmless
        line = Line(number=number, cells={h: values[i] for h, i in col.items()}, labels=labels, errors=[])
        if not any(line.text(h) for h in (H_YEAR, H_QUARTER, H_GRADE)):
            continue  # a person listed with nothing to import

        person = None
        id_number = id_number_of(line)
        if id_number is not None:
            person = people.get(id_number)
            if person is None:
                line.refuse(H_ID, _("no person with this ID number in your region"))
            elif line.text(H_NAME) != person.name:
                line.refuse(
                    H_NAME,
                    _("the name %(name)s does not match the person with this ID number (%(real)s)")
                    % {"name": line.text(H_NAME) or "—", "real": person.name},
                )
        year = _year(line, on.year)
        quarter_read, quarter = _quarter(line)
        grade = _grade(line, quarter, quarter_read)
        if person is not None and year is not None and quarter_read:
            key = (person.pk, year, quarter)
            first = seen.setdefault(key, number)
            if first != number:
                line.refuse(H_ID, _("duplicate of row %(row)s (same person, year and quarter)") % {"row": first})
            else:
                _overlap(line, live, person, year, quarter, on)

        if line.errors:
            errors.extend(line.errors)
        else:
            rows.append(HistoryRow(number=number, person=person, year=year, quarter=quarter, grade=grade))
    if errors:
        raise ImportRefused(errors)
    if not rows:
        raise ImportRefused([RowError(0, "", _("The file holds no grades."))])
    return rows


@transaction.atomic
def history_import(*, content: bytes, file_name: str, region: Region, by) -> HistoryImported:
    """Import a file of earlier grades whole, or refuse it whole (ImportRefused naming every bad row). Only
    the organisation department of ``region`` may (PermissionError, logged, for anyone else)."""
    if not _may_import(by, region):
        raise refusal(by, ACTION, f"region={region.pk}", _only_org())
    rows = parse_history(content=content, region=region, lock=True)

    stored = {
        (g.person_id, g.year, g.quarter): g
        for g in GradeHistory.objects.filter(
            person_id__in={r.person.pk for r in rows}, year__in={r.year for r in rows}
        ).order_by("pk")
    }
    now = timezone.now()
    name = file_name[:FILE_NAME_LENGTH]
    new, changed, changes = [], [], {}
    for row in rows:
        grade = stored.get(row.key)
        if grade is None:
            new.append(
                GradeHistory(
                    person=row.person,
                    year=row.year,
                    quarter=row.quarter,
                    grade=row.grade,
                    file_name=name,
                    imported_by=by,
                    imported_at=now,
                )
            )
        elif grade.grade != row.grade:
            changes[_key_text(row.key)] = [grade.grade, row.grade]
            grade.grade, grade.file_name, grade.imported_by, grade.imported_at = row.grade, name, by, now
            changed.append(grade)
    GradeHistory.objects.bulk_create(new, batch_size=WRITE_BATCH)
    for start in range(0, len(changed), WRITE_BATCH):
        update_rows(changed[start : start + WRITE_BATCH], ["grade", "file_name", "imported_by", "imported_at"])

    annual = sum(1 for r in rows if r.quarter is None)
    done = HistoryImported(
        rows=len(rows),
        annual=annual,
        quarterly=len(rows) - annual,
        created=len(new),
        updated=len(changed),
        unchanged=len(rows) - len(new) - len(changed),
    )
    AuditEntry.objects.create(
        region=region,
        actor=by,
        action=ACTION,
        comment=_(
            "%(file)s: %(annual)s annual and %(quarterly)s quarterly grades; "
            "%(created)s new, %(updated)s changed, %(unchanged)s unchanged"
        )
        % {"file": name, **asdict(done)},
        changes=changes,
    )
    return done
