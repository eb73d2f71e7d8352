"""The monthly performance sheet (月度绩效): a template with the people listed, and its all-or-nothing import.

Every bad row is reported by row, column and reason; a file with any bad row saves nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import entry, record_all
from common.refusals import log_refusal
from common.workbooks import (
    ImportRefused,
    RowError,
    cell_text,
    column_label,
    read_checked_table,
    safe_row,
    template_workbook,
    whole_number,
    workbook_bytes,
)
from periods.guards import ensure_open
from periods.models import Period
from scoring.models import MonthlyImport, MonthlyScore, MonthlyScoreChange, ScoreSheet
from scoring.services import moved_on, parse_points, sheets_recompute
from units.models import Person, Unit
from units.permissions import Action, scope_for
from units.selectors import people_visible_to

# Column headers users see in the file; the first four are required.
H_PERSON = "人员编号"
H_NAME = "姓名"
H_MONTH = "月份"
H_SCORE = "月度绩效得分"
H_UNIT = "单位"
H_SECTION = "股室"
HEADERS = (H_PERSON, H_NAME, H_UNIT, H_SECTION, H_MONTH, H_SCORE)
REQUIRED = (H_PERSON, H_NAME, H_MONTH, H_SCORE)


@dataclass(frozen=True)
class _Row:
    number: int
    person: Person
    month: int
    score: Decimal


def monthly_template(*, period: Period, month: int, by, unit: Unit | None = None) -> bytes:
    """A workbook listing the people ``by`` may import for (in ``unit`` if given), for one month."""
    if month not in period.months:
        raise ValidationError(_("Month %(month)s is not in %(period)s.") % {"month": month, "period": period})
    people = _importable(by, period)
    if unit is not None:
        people = people.filter(pk__in=ScoreSheet.objects.filter(period=period, unit=unit).values("person_id"))
    sheets = {
        s.person_id: s
        for s in ScoreSheet.objects.filter(period=period, person__in=people).select_related("unit", "section")
    }
    workbook, ws = template_workbook(title=_("Monthly performance"), headers=HEADERS, widths=(12, 12, 24, 18, 8, 14))
    for person in people.order_by("unit__order", "section__order", "post_order", "pk"):
        sheet = sheets.get(person.pk)
        unit_name = sheet.unit.name if sheet else person.unit.name
        section = sheet.section if sheet else person.section
        ws.append(safe_row(ws, [person.pk, person.name, unit_name, section.name if section else "", month, None]))
    return workbook_bytes(workbook)


def _importable(by, period: Period):
    """People whose monthly scores ``by`` may import: those the importer's scope covers."""
    return people_visible_to(user=by, action=Action.IMPORT_MONTHLY).filter(is_active=True)


def score_0_to_100(value: object) -> Decimal:
    """A score cell (not blank) as a Decimal of at most two places in 0–100; ValueError with the reason."""
    try:
        score = parse_points(cell_text(value) if not isinstance(value, float) else repr(value))
    except ValueError as exc:
        raise ValueError(f"{exc}: {cell_text(value)}") from None
    if not Decimal(0) <= score <= Decimal(100):
        raise ValueError(_("outside 0–100: %(score)s") % {"score": score})
    return score


def parse_monthly(*, content: bytes, period: Period, by) -> list[_Row]:
    """Validate every row; raise ImportRefused naming each bad one, or return the rows to save."""
    headers, table = read_checked_table(content, required=REQUIRED)
    col = {h: headers.index(h) for h in REQUIRED}
    label = {h: column_label(col[h], h) for h in REQUIRED}

    numbers = {n for r in table[1:] if len(r) > col[H_PERSON] and (n := whole_number(r[col[H_PERSON]])) is not None}
    allowed = {p.pk: p for p in _importable(by, period).filter(pk__in=numbers)}

    past = moved_on(period=period, person_ids=allowed)
    errors: list[RowError] = []
    rows: list[_Row] = []
    seen: dict[tuple[int, int], int] = {}
    for offset, raw in enumerate(table[1:], start=2):
        values = list(raw) + [None] * (len(headers) - len(raw))
        if not any(cell_text(v) for v in values):
            continue  # blank lines between blocks are harmless
        row_errors: list[RowError] = []
        person = None
        number = whole_number(values[col[H_PERSON]])
        if number is None:
            row_errors.append(RowError(offset, label[H_PERSON], _("not a person number")))
        elif number not in allowed:
            row_errors.append(
                RowError(offset, label[H_PERSON], _("unknown person, or outside your unit: %(n)s") % {"n": number})
            )
        else:
            person = allowed[number]
            if person.pk in past:
                row_errors.append(
                    RowError(
                        offset,
                        label[H_PERSON],
                        _("the result of %(name)s has moved past scoring; send it back first") % {"name": person.name},
                    )
                )
            name = cell_text(values[col[H_NAME]])
            if name != person.name:
                row_errors.append(
                    RowError(
                        offset,
                        label[H_NAME],
                        _("the name %(name)s does not match person %(n)s (%(real)s)")
                        % {"name": name or "—", "n": number, "real": person.name},
                    )
                )
        month = whole_number(values[col[H_MONTH]])
        if month is None or month not in period.months:
            row_errors.append(
                RowError(
                    offset,
                    label[H_MONTH],
                    _("month outside the quarter (%(months)s): %(value)s")
                    % {
                        "months": "、".join(str(m) for m in period.months),
                        "value": cell_text(values[col[H_MONTH]]) or "—",
                    },
                )
            )
        score = None
        raw_score = values[col[H_SCORE]]
        if cell_text(raw_score) == "":
            row_errors.append(RowError(offset, label[H_SCORE], _("no score")))
        else:
            try:
                score = score_0_to_100(raw_score)
            except ValueError as exc:
                row_errors.append(RowError(offset, label[H_SCORE], str(exc)))
        if person is not None and month is not None and month in period.months:
            first = seen.setdefault((person.pk, month), offset)
            if first != offset:
                row_errors.append(
                    RowError(
                        offset, label[H_PERSON], _("duplicate of row %(row)s (same person and month)") % {"row": first}
                    )
                )
        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append(_Row(number=offset, person=person, month=month, score=score))
    if errors:
        raise ImportRefused(errors)
    if not rows:
        raise ImportRefused([RowError(0, "", _("The file holds no scores."))])
    return rows


def _trail(batch: MonthlyImport, *, new: list[MonthlyScore], history: list[MonthlyScoreChange], by) -> None:
    """The import in the audit trail: one entry for the file, one per person whose scores it set or changed,
    with each month's before and after (a re-import that changes nothing for a person leaves no entry)."""
    per_person: dict[int, tuple[Person, dict]] = {}
    for score in new:
        per_person.setdefault(score.person.pk, (score.person, {}))[1][f"{score.year}-{score.month:02d}"] = [
            None,
            str(score.score),
        ]
    for change in history:
        per_person.setdefault(change.person.pk, (change.person, {}))[1][f"{change.year}-{change.month:02d}"] = [
            str(change.old),
            str(change.new),
        ]
    summary = {"rows": [None, batch.rows], "created": [None, batch.created], "replaced": [None, batch.replaced]}
    record_all(
        [
            entry(
                action="monthly_import",
                by=by,
                obj=batch,
                period=batch.period,
                unit=batch.unit,
                changes=summary,
                comment=batch.file_name,
                region=None if batch.unit else batch.period.assessment_year.region_id,
            ),
            *(
                entry(
                    action="monthly_scores",
                    by=by,
                    obj=batch,
                    period=batch.period,
                    person=person,
                    changes=months,
                    comment=batch.file_name,
                )
                for person, months in per_person.values()
            ),
        ]
    )


@transaction.atomic
def monthly_import(*, content: bytes, file_name: str, period: Period, by, unit: Unit | None = None) -> MonthlyImport:
    """Import a monthly performance file whole, or refuse it whole. A re-import of a month replaces it."""
    scope = scope_for(by, Action.IMPORT_MONTHLY)
    if scope.is_empty or (unit is not None and not scope.covers_unit(unit)):
        log_refusal(by, "monthly_import", f"period={period.pk} unit={getattr(unit, 'pk', None)}")
        raise PermissionError(_("You may not import monthly scores here."))
    ensure_open(period)
    rows = parse_monthly(content=content, period=period, by=by)

    year = period.year
    keys = {(r.person.pk, r.month) for r in rows}
    # Lock the scores this file replaces, so two imports of the same month cannot interleave.
    existing = {
        (s.person_id, s.month): s
        for s in MonthlyScore.objects.select_for_update()
        .filter(year=year, person_id__in={p for p, _m in keys}, month__in={m for _p, m in keys})
        .order_by("pk")
    }
    batch = MonthlyImport.objects.create(
        period=period,
        unit=unit,
        file_name=file_name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        rows=len(rows),
        imported_by=by,
    )
    new, changed, history = [], [], []
    for row in rows:
        old = existing.get((row.person.pk, row.month))
        if old is None:
            new.append(MonthlyScore(person=row.person, year=year, month=row.month, score=row.score, batch=batch))
        else:
            if old.score != row.score:
                history.append(
                    MonthlyScoreChange(
                        person=row.person, year=year, month=row.month, old=old.score, new=row.score, batch=batch
                    )
                )
            old.score, old.batch = row.score, batch
            changed.append(old)
    MonthlyScore.objects.bulk_create(new, batch_size=1000)
    MonthlyScore.objects.bulk_update(changed, ["score", "batch"], batch_size=1000)
    MonthlyScoreChange.objects.bulk_create(history, batch_size=1000)
    batch.created, batch.replaced = len(new), len(history)
    batch.save(update_fields=["created", "replaced"])
    _trail(batch, new=new, history=history, by=by)
    sheets_recompute(
        sheets=ScoreSheet.objects.filter(period=period, person_id__in={p for p, _m in keys}),
        by=by,
        reason=_("monthly import %(file)s") % {"file": batch.file_name},
    )
    return batch
