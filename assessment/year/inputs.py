"""The annual-assessment inputs sheet (年度考核数据): a template with the people listed, and its
all-or-nothing import of special-assessment and annual-review scores, leave, probation, investigation
and sanctions.

Built on the machinery of the monthly import (scoring.monthly): every bad row is reported by row, column
and reason; a file with any bad row saves nothing. A blank cell leaves the stored value as it is (a
person imported for the first time gets the model's default).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessment.models import AnnualInput, AnnualResult, Sanction, SanctionType
from assessment.year.services import annual_input_set, sanction_record
from audit.models import AuditEntry
from common.refusals import log_refusal, refusal_messages
from common.workbooks import (
    ImportRefused,
    Line,
    RowError,
    cell_date,
    cell_text,
    column_label,
    read_checked_table,
    safe_row,
    template_workbook,
    whole_number,
    workbook_bytes,
)
from periods.models import AssessmentYear
from scoring.monthly import score_0_to_100
from units.models import Person, Unit
from units.permissions import Action, scope_for
from units.selectors import people_visible_to

# Column headers users see in the file.
H_PERSON = "人员编号"
H_NAME = "姓名"
H_UNIT = "单位"
H_SECTION = "股室"
H_SPECIAL = "专项考核得分"
H_REVIEW = "年度考评得分"
H_LEAVE = "请假天数"
H_PROBATION = "试用期"
H_INVESTIGATION = "立案审查"
H_SANCTION = "处分类型"
H_SANCTION_START = "处分开始"
H_SANCTION_END = "处分结束"
H_SANCTION_REASON = "处分事由"
H_NOTE = "备注"
HEADERS = (
    H_PERSON,
    H_NAME,
    H_UNIT,
    H_SECTION,
    H_SPECIAL,
    H_REVIEW,
    H_LEAVE,
    H_PROBATION,
    H_INVESTIGATION,
    H_SANCTION,
    H_SANCTION_START,
    H_SANCTION_END,
    H_SANCTION_REASON,
    H_NOTE,
)
REQUIRED = (H_PERSON, H_NAME, H_SPECIAL, H_REVIEW)
WIDTHS = (12, 12, 24, 18, 14, 14, 10, 8, 10, 10, 12, 12, 30, 30)

YES, NO = "是", "否"
TRUE_WORDS = frozenset({YES, "Y", "1", "TRUE"})
FALSE_WORDS = frozenset({NO, "N", "0", "FALSE"})
MAX_LEAVE_DAYS = 366
NOTE_LENGTH = AnnualInput._meta.get_field("note").max_length
REASON_LENGTH = Sanction._meta.get_field("reason").max_length
# The AnnualInput fields a row may set; None in a row leaves the field as it is.
INPUT_FIELDS = ("special_score", "review_score", "leave_days", "probation", "under_investigation", "note")
# What a person imported for the first time has where their row is blank: the model's defaults.
DEFAULTS = {name: AnnualInput._meta.get_field(name).get_default() for name in INPUT_FIELDS}
# The column of the file that holds what a service's refusal names.
FIELD_HEADERS = {
    "special_score": H_SPECIAL,
    "review_score": H_REVIEW,
    "leave_days": H_LEAVE,
    "note": H_NOTE,
    "kind": H_SANCTION,
    "starts_on": H_SANCTION_START,
    "ends_on": H_SANCTION_END,
    "reason": H_SANCTION_REASON,
}


@dataclass(frozen=True)
class SanctionEntry:
    kind: SanctionType
    starts_on: datetime.date
    ends_on: datetime.date
    reason: str


@dataclass(frozen=True)
class AnnualInputRow:
    """One checked row of the file. None: the cell was blank, leave the stored value as it is."""

    number: int  # the row number Excel shows
    person: Person
    special_score: Decimal | None
    review_score: Decimal | None
    leave_days: int | None
    probation: bool | None
    under_investigation: bool | None
    note: str | None
    sanction: SanctionEntry | None
    labels: dict[str, str] = field(default_factory=dict, compare=False)  # header → how the file names its column

    def values(self) -> dict[str, object]:
        """The input fields this row sets."""
        return {name: value for name in INPUT_FIELDS if (value := getattr(self, name)) is not None}


def _importable(by, assessment_year: AssessmentYear, unit: Unit | None = None):
    """People whose annual inputs ``by`` may import: active, in the scope of running the assessment, in
    the year's region (and in ``unit`` if given)."""
    people = people_visible_to(user=by, action=Action.RUN_PERIOD).filter(
        is_active=True, unit__region_id=assessment_year.region_id
    )
    if unit is not None:
        people = people.filter(unit=unit)
    return people


def _yes_no(value: bool) -> str:
    return YES if value else NO


def annual_inputs_template(*, assessment_year: AssessmentYear, by, unit: Unit | None = None) -> bytes:
    """A workbook listing the people ``by`` may import for (in ``unit`` if given), prefilled with the
    inputs already stored for the year. Sanctions are not prefilled: a row adds one."""
    people = _importable(by, assessment_year, unit).order_by("unit__order", "section__order", "post_order", "pk")
    inputs = {i.person_id: i for i in AnnualInput.objects.filter(assessment_year=assessment_year, person__in=people)}
    workbook, ws = template_workbook(title=_("Annual assessment inputs"), headers=HEADERS, widths=WIDTHS)
    for person in people:
        row = [person.pk, person.name, person.unit.name, person.section.name if person.section else ""]
        stored = inputs.get(person.pk)
        if stored is None:
            row += [None, None, None, None, None]
        else:
            row += [
                stored.special_score,
                stored.review_score,
                stored.leave_days,
                _yes_no(stored.probation),
                _yes_no(stored.under_investigation),
            ]
        row += [None, None, None, None, (stored.note or None) if stored else None]
        ws.append(safe_row(ws, row))
    return workbook_bytes(workbook)


def parse_annual_inputs(
    *, content: bytes, assessment_year: AssessmentYear, by, unit: Unit | None = None
) -> list[AnnualInputRow]:
    """Validate every row; raise ImportRefused naming each bad one, or return the rows to save.

    With ``unit``, only that unit's people are accepted."""
    headers, table = read_checked_table(content, required=REQUIRED)
    col = {h: headers.index(h) for h in HEADERS if h in headers}
    # A column missing from the file is named by its header alone.
    labels = {h: column_label(col[h], h) if h in col else h for h in HEADERS}

    numbers = {n for r in table[1:] if len(r) > col[H_PERSON] and (n := whole_number(r[col[H_PERSON]])) is not None}
    allowed = {p.pk: p for p in _importable(by, assessment_year, unit).filter(pk__in=numbers)}
    final = set(
        AnnualResult.objects.filter(
            assessment_year=assessment_year, person_id__in=allowed, status=AnnualResult.Status.FINAL
        ).values_list("person_id", flat=True)
    )
    kinds = {k.name: k for k in SanctionType.objects.all()}

    errors: list[RowError] = []
    rows: list[AnnualInputRow] = []
    seen: dict[int, int] = {}
    for offset, raw in enumerate(table[1:], start=2):
        values = list(raw) + [None] * (len(headers) - len(raw))
        if not any(cell_text(v) for v in values):
            continue  # blank lines between blocks are harmless
        line = Line(number=offset, cells={h: values[i] for h, i in col.items()}, labels=labels, errors=[])

        person = None
        number = whole_number(line.cells[H_PERSON])
        if number is None:
            line.refuse(H_PERSON, _("not a person number"))
        elif number not in allowed:
            line.refuse(H_PERSON, _("unknown person, or outside your unit: %(n)s") % {"n": number})
        else:
            person = allowed[number]
            name = line.text(H_NAME)
            if name != person.name:
                line.refuse(
                    H_NAME,
                    _("the name %(name)s does not match person %(n)s (%(real)s)")
                    % {"name": name or "—", "n": number, "real": person.name},
                )
            if person.pk in final:
                line.refuse(H_PERSON, _("the annual result is final; ask for a review instead"))
            first = seen.setdefault(person.pk, offset)
            if first != offset:
                line.refuse(H_PERSON, _("duplicate of row %(row)s (same person)") % {"row": first})

        scores: dict[str, Decimal | None] = {}
        for header in (H_SPECIAL, H_REVIEW):
            scores[header] = None
            if line.text(header):
                try:
                    scores[header] = score_0_to_100(line.cells[header])
                except ValueError as exc:
                    line.refuse(header, str(exc))

        leave_days = None
        if line.text(H_LEAVE):
            leave_days = whole_number(line.cells[H_LEAVE])
            if leave_days is None or leave_days > MAX_LEAVE_DAYS:
                line.refuse(
                    H_LEAVE,
                    _("days of leave must be a whole number from 0 to %(max)s: %(value)s")
                    % {"max": MAX_LEAVE_DAYS, "value": line.text(H_LEAVE)},
                )
                leave_days = None

        flags: dict[str, bool | None] = {}
        for header in (H_PROBATION, H_INVESTIGATION):
            word = line.text(header).upper()
            flags[header] = True if word in TRUE_WORDS else False if word in FALSE_WORDS else None
            if word and flags[header] is None:
                line.refuse(header, _("write 是 or 否, or leave it blank: %(value)s") % {"value": line.text(header)})

        note = line.text(H_NOTE) or None
        if note is not None and len(note) > NOTE_LENGTH:
            line.refuse(H_NOTE, _("longer than %(n)s characters") % {"n": NOTE_LENGTH})

        sanction = _parse_sanction(line, kinds)

        if line.errors:
            errors.extend(line.errors)
        else:
            rows.append(
                AnnualInputRow(
                    number=offset,
                    person=person,
                    special_score=scores[H_SPECIAL],
                    review_score=scores[H_REVIEW],
                    leave_days=leave_days,
                    probation=flags[H_PROBATION],
                    under_investigation=flags[H_INVESTIGATION],
                    note=note,
                    sanction=sanction,
                    labels=labels,
                )
            )
    if errors:
        raise ImportRefused(errors)
    if not rows:
        raise ImportRefused([RowError(0, "", _("The file holds no people."))])
    return rows


def _parse_sanction(line: Line, kinds: dict[str, SanctionType]) -> SanctionEntry | None:
    """The sanction a row records, or None if it records none or has a problem (refused on ``line``)."""
    found = len(line.errors)
    name = line.text(H_SANCTION)
    if not name:
        if any(line.text(h) for h in (H_SANCTION_START, H_SANCTION_END, H_SANCTION_REASON)):
            line.refuse(H_SANCTION, _("a sanction's dates or reason are given without its type"))
        return None
    kind = kinds.get(name)
    if kind is None:
        line.refuse(
            H_SANCTION,
            _("unknown sanction type %(value)s; use one of: %(allowed)s")
            % {"value": name, "allowed": "、".join(kinds)},
        )
    dates: dict[str, datetime.date | None] = {}
    for header in (H_SANCTION_START, H_SANCTION_END):
        dates[header] = cell_date(line.cells.get(header))
        if not line.text(header):
            line.refuse(header, _("a sanction needs its start and end dates"))
        elif dates[header] is None:
            line.refuse(header, _("not a date (write it as 2025-03-01): %(value)s") % {"value": line.text(header)})
    starts_on, ends_on = dates[H_SANCTION_START], dates[H_SANCTION_END]
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        line.refuse(
            H_SANCTION_END,
            _("the sanction ends (%(end)s) before it starts (%(start)s)") % {"end": ends_on, "start": starts_on},
        )
    reason = line.text(H_SANCTION_REASON)
    if not reason:
        line.refuse(H_SANCTION_REASON, _("a sanction needs its decision and reason"))
    elif len(reason) > REASON_LENGTH:
        line.refuse(H_SANCTION_REASON, _("longer than %(n)s characters") % {"n": REASON_LENGTH})
    if len(line.errors) > found:
        return None
    return SanctionEntry(kind=kind, starts_on=starts_on, ends_on=ends_on, reason=reason)


def _row_errors(row: AnnualInputRow, exc: Exception) -> list[RowError]:
    """A service's refusal of one row, in the column of the field it names (else in the person's column)."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        named = [
            (FIELD_HEADERS.get(name, H_PERSON), p) for name, problems in exc.message_dict.items() for p in problems
        ]
    else:
        named = [(H_PERSON, p) for p in refusal_messages(exc)]
    return [RowError(row.number, row.labels.get(header, header), problem) for header, problem in named]


@transaction.atomic
def annual_inputs_import(
    *, content: bytes, file_name: str, assessment_year: AssessmentYear, by, unit: Unit | None = None
) -> dict[str, int]:
    """Import an annual-inputs file whole, or refuse it whole. A re-import updates the stored inputs and
    adds only the sanctions not already recorded (same person, type, start and end)."""
    scope = scope_for(by, Action.RUN_PERIOD)
    if scope.is_empty or (unit is not None and not scope.covers_unit(unit)):
        log_refusal(
            by, "annual_inputs_import", f"assessment_year={assessment_year.pk} unit={getattr(unit, 'pk', None)}"
        )
        raise PermissionError(_("You may not import annual assessment inputs here."))
    rows = parse_annual_inputs(content=content, assessment_year=assessment_year, by=by, unit=unit)

    person_ids = [r.person.pk for r in rows]
    # One read of what is stored, to tell new, changed and unchanged rows apart; each write then goes
    # through the same services as the office's page (``annual_input_set``, ``sanction_record``), which
    # lock, check and audit person by person. A refusal there is reported on its row; nothing is saved.
    existing = {
        i.person_id: i
        for i in AnnualInput.objects.filter(assessment_year=assessment_year, person_id__in=person_ids).order_by("pk")
    }
    wanted = [r for r in rows if r.sanction is not None]
    recorded = set(
        Sanction.objects.filter(person_id__in={r.person.pk for r in wanted}).values_list(
            "person_id", "kind_id", "starts_on", "ends_on"
        )
    )
    errors: list[RowError] = []
    created = updated = added = 0
    changes: dict[str, dict[str, list[str]]] = {}
    for row in sorted(rows, key=lambda r: r.person.pk):  # one locking order for two imports of the same people
        values = row.values()
        stored = existing.get(row.person.pk)
        merged = {name: getattr(stored, name) if stored else DEFAULTS[name] for name in INPUT_FIELDS} | values
        before_after = {
            name: [str(getattr(stored, name)), str(value)]
            for name, value in values.items()
            if stored is not None and getattr(stored, name) != value
        }
        try:
            if stored is None or before_after:
                annual_input_set(person=row.person, assessment_year=assessment_year, by=by, **merged)
                created += stored is None
                updated += stored is not None
                if before_after:
                    changes[str(row.person.pk)] = before_after
            entry = row.sanction
            if entry is not None and (row.person.pk, entry.kind.pk, entry.starts_on, entry.ends_on) not in recorded:
                sanction_record(
                    person=row.person,
                    kind=entry.kind,
                    starts_on=entry.starts_on,
                    ends_on=entry.ends_on,
                    reason=entry.reason,
                    by=by,
                )
                added += 1
        except (ValidationError, PermissionError) as exc:
            errors.extend(_row_errors(row, exc))
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e.row))

    counts = {"rows": len(rows), "created": created, "updated": updated, "sanctions": added}
    AuditEntry.objects.create(
        assessment_year=assessment_year,
        unit=unit,
        actor=by,
        action="annual_inputs_import",
        comment=_(
            "%(file)s: %(rows)s rows, %(created)s inputs created, %(updated)s updated, %(sanctions)s sanctions added"
        )
        % {"file": file_name[:200], **counts},
        changes=changes,
    )
    return counts
