"""Writes of the scoring app: templates, sheets and their entries, recomputation, events.

Every write authorises first, then locks, then changes, in one transaction. A refused write raises
``PermissionError`` (logged) or ``ValidationError`` (with every problem named) and saves nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import diff, plain, record, snapshot
from common.bulk import update_rows
from common.numbers import parse_decimal
from common.refusals import refusal
from periods.guards import ensure_open
from periods.models import Period, Step
from scoring import evidence as evidence_rules
from scoring import rules
from scoring.models import (
    Event,
    EventEvidence,
    EventShare,
    EventStandard,
    IndicatorItem,
    IndicatorTemplate,
    MonthlyScore,
    ScoreChange,
    ScoreEntry,
    ScoreSheet,
)
from units.models import Person, Placement, Section, Unit, UnitCategory
from units.permissions import Action, can_on_person, scope_for
from units.selectors import placement_for_span

DEFAULT_TEMPLATES = Path(__file__).parent / "data" / "default_templates.json"
HUNDRED = Decimal("100")


# Templates ----------------------------------------------------------------------------------------------


def template_problems(
    *, individual_weight: Decimal, bonus_cap: Decimal, items: Iterable[tuple[str, Decimal]]
) -> list[str]:
    """What is wrong with a template whose items are ``(kind, max_points)``; empty when it is sound.

    The common, distinctive and individual parts add up to 100; the individual part is the weight × 100;
    the bonus items, if any, add up to the bonus cap.
    """
    items = list(items)
    problems: list[str] = []
    Kind = IndicatorItem.Kind
    individual = [points for kind, points in items if kind == Kind.INDIVIDUAL]
    if len(individual) != 1:
        problems.append(_("A template has exactly one individual indicator (the monthly performance part)."))
    elif individual[0] != rules.round2(HUNDRED * individual_weight):
        problems.append(
            _("The individual indicator is worth %(points)s points, but the weight %(weight)s gives %(expected)s.")
            % {
                "points": individual[0],
                "weight": individual_weight,
                "expected": rules.round2(HUNDRED * individual_weight),
            }
        )
    base = sum(
        (points for kind, points in items if kind in (Kind.COMMON, Kind.DISTINCTIVE, Kind.INDIVIDUAL)), Decimal(0)
    )
    if base != HUNDRED:
        problems.append(
            _("The common, distinctive and individual indicators add up to %(sum)s, not 100.") % {"sum": base}
        )
    bonus = [points for kind, points in items if kind == Kind.BONUS]
    if bonus and sum(bonus, Decimal(0)) != bonus_cap:
        problems.append(
            _("The bonus indicators add up to %(sum)s, but the bonus cap is %(cap)s.")
            % {"sum": sum(bonus, Decimal(0)), "cap": bonus_cap}
        )
    if not any(kind == Kind.COMMON for kind, _points in items):
        problems.append(_("A template needs at least one common indicator."))
    return problems


def template_check(template: IndicatorTemplate) -> None:
    problems = template_problems(
        individual_weight=template.individual_weight,
        bonus_cap=template.bonus_cap,
        items=template.items.values_list("kind", "max_points"),
    )
    if problems:
        raise ValidationError(problems, code="template_unbalanced")


@transaction.atomic
def templates_install_defaults(*, year: int) -> list[IndicatorTemplate]:
    """The shipped default template of each unit category for ``year``, where the category has none."""
    data = json.loads(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    weight, cap = Decimal(data["individual_weight"]), Decimal(data["bonus_cap"])
    created = []
    for category in UnitCategory.objects.filter(code__in=data["categories"]):
        if IndicatorTemplate.objects.filter(category=category, year=year).exists():
            continue
        spec = data["categories"][category.code]
        template = IndicatorTemplate.objects.create(
            category=category, year=year, name=spec["name"], individual_weight=weight, bonus_cap=cap
        )
        IndicatorItem.objects.bulk_create(
            IndicatorItem(
                template=template,
                kind=kind,
                dimension=dimension,
                name=name,
                max_points=Decimal(points),
                description=description,
                order=order,
            )
            for order, (kind, dimension, name, points, description) in enumerate(spec["items"], start=1)
        )
        template_check(template)
        created.append(template)
    return created


def template_current(*, category: UnitCategory, year: int) -> IndicatorTemplate | None:
    return IndicatorTemplate.objects.filter(category=category, year=year).order_by("-version").first()


@transaction.atomic
def template_freeze(*, template: IndicatorTemplate) -> IndicatorTemplate:
    """Checked and frozen: from now on a change makes a new version."""
    template = IndicatorTemplate.objects.select_for_update().get(pk=template.pk)
    if not template.is_frozen:
        template_check(template)
        template.frozen_at = timezone.now()
        template.save(update_fields=["frozen_at"])
    return template


@transaction.atomic
def template_new_version(*, template: IndicatorTemplate) -> IndicatorTemplate:
    """A new, unfrozen copy of ``template`` to change; sheets already opened keep the old version."""
    latest = IndicatorTemplate.objects.filter(category=template.category, year=template.year).order_by("-version")
    version = latest.values_list("version", flat=True).first() + 1
    items = list(template.items.all())
    copy = IndicatorTemplate.objects.create(
        category=template.category,
        year=template.year,
        version=version,
        name=template.name,
        individual_weight=template.individual_weight,
        bonus_cap=template.bonus_cap,
    )
    for item in items:
        item.pk = None
        item.template = copy
    IndicatorItem.objects.bulk_create(items)
    return copy


# Sheets -------------------------------------------------------------------------------------------------


# Scores change while a result is still with its section; once proposed, a change would leave the
# proposal and the decisions built on the old total, so the result is sent back first. The result is the
# quarter's (``assessment``), attached to its sheet one to one; it is read here through that relation
# (``sheet.result``), so scoring asks the step without importing the stage above it.
OPEN_STEPS = (Step.SUMMARY, Step.SCORING)


def moved_on(*, period: Period, person_ids) -> dict[int, str]:
    """The people of ``person_ids`` whose result in ``period`` has passed scoring, with its step."""
    return dict(
        ScoreSheet.objects.filter(period=period, person_id__in=list(person_ids), result__isnull=False)
        .exclude(result__status__in=OPEN_STEPS)
        .values_list("person_id", "result__status")
    )


def ensure_with_section(*, period: Period, people) -> None:
    past = moved_on(period=period, person_ids=[p.pk for p in people])
    if past:
        names = "、".join(p.name for p in people if p.pk in past)
        raise ValidationError(
            _("The results of %(people)s have moved past scoring; send them back to the section first.")
            % {"people": names},
            code="moved_on",
        )


@transaction.atomic
def sheets_open(*, period: Period, unit: Unit, by) -> int:
    """Create the score sheets of everyone ``unit`` assesses in ``period`` (placements decide).

    Uses the unit category's current template for the year and freezes it. Safe to run again: people who
    already have a sheet keep it. Returns how many sheets were created.
    """
    if not scope_for(by, Action.RUN_PERIOD).covers_unit(unit):
        raise refusal(by, "sheets_open", f"unit={unit.pk}", _("You may not open sheets for %(unit)s.") % {"unit": unit})
    ensure_open(period)
    template = template_current(category=unit.category, year=period.year)
    if template is None:
        raise ValidationError(
            _("There is no indicator template for %(category)s in %(year)s.")
            % {"category": unit.category, "year": period.year},
            code="no_template",
        )
    template = template_freeze(template=template)

    have_sheet = set(ScoreSheet.objects.filter(period=period).values_list("person_id", flat=True))
    new_sheets = [
        ScoreSheet(person=person, period=period, unit=unit, section_id=section_id, template=template)
        for person, section_id in assessed_by(period=period, unit=unit)
        if person.pk not in have_sheet
    ]
    ScoreSheet.objects.bulk_create(new_sheets, batch_size=500)
    sheets_recompute(
        sheets=ScoreSheet.objects.filter(period=period, unit=unit, person__in=[s.person for s in new_sheets])
    )
    return len(new_sheets)


def assessed_by(*, period: Period, unit: Unit) -> list[tuple[Person, int | None]]:
    """Everyone ``unit`` assesses in ``period``, each with the section that assesses them: the people its
    placements give it for the longest part of the quarter (placement_for_span), never a cadre managed by
    the region's committee or above; for the region's cadre group, those cadres (县管干部), wherever they
    serve. Two queries. Starting a unit and counting whom it will start both ask this."""
    if unit.is_cadre_group:
        people = Person.objects.filter(
            is_active=True, unit__region_id=unit.region_id, managed_by=Person.ManagedBy.REGION
        ).order_by("pk")
        return [(person, None) for person in people]
    start, end = period.start_date, period.end_date
    span = Q(start_date__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=start))
    candidates = (
        Person.objects.filter(
            is_active=True, managed_by=Person.ManagedBy.UNIT, placements__in=Placement.objects.filter(span, unit=unit)
        )
        .distinct()
        .order_by("pk")
        .prefetch_related(Prefetch("placements", queryset=Placement.objects.filter(span), to_attr="span_placements"))
    )
    assessed = []
    for person in candidates:
        placement = placement_for_span(person.span_placements, start, end)
        if placement is not None and placement.unit_id == unit.pk:
            assessed.append((person, placement.section_id))
    return assessed


def parse_points(raw) -> Decimal:
    """Points as typed, posted or read from a cell: at most two decimal places (``common.numbers``, which refuses
    huge exponents, NaN and non-ASCII digits); ValueError with the reason. The range is the caller's."""
    return parse_decimal(raw, places=2)


@transaction.atomic
def sheet_enter(
    *,
    sheet: ScoreSheet,
    values: Mapping[int, object],
    by,
    expected_version: int | None = None,
    reason: str = "",
) -> ScoreSheet:
    """Enter or correct the points of a sheet's items (``{item_id: points}``; empty clears an entry).

    All or nothing: a value out of range, on an item the sheet does not score, or a sheet changed by
    someone else since it was loaded (``expected_version``) refuses the whole change.
    """
    if not scope_for(by, Action.ENTER_SCORES).covers_place(unit=sheet.unit, section=sheet.section):
        raise refusal(by, "sheet_enter", f"sheet={sheet.pk}", _("You may not score this person."))
    if sheet.person.user_id is not None and sheet.person.user_id == by.pk:
        raise refusal(by, "sheet_enter", f"sheet={sheet.pk} own", _("Nobody scores their own result."))
    # Lock the sheet so two officers editing it at once are serialised; the version check then refuses
    # the one who loaded it before the other's save.
    locked = ScoreSheet.objects.select_for_update().select_related("period__assessment_year").get(pk=sheet.pk)
    ensure_open(locked.period)
    step = ScoreSheet.objects.filter(pk=locked.pk).values_list("result__status", flat=True).first()
    if step not in (None, *OPEN_STEPS):
        raise ValidationError(
            _("The result has moved past scoring (%(step)s); send it back to the section to correct the scores.")
            % {"step": Step(step).label},
            code="moved_on",
        )
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            _("Someone else changed this sheet after you opened it; reload it and enter your change again."),
            code="stale",
        )
    items = {
        item.pk: item
        for item in IndicatorItem.objects.filter(template_id=locked.template_id, kind__in=IndicatorItem.ENTERED)
    }
    existing = {entry.item_id: entry for entry in locked.entries.all()}
    errors: dict[str, list[str]] = {}
    changes: list[tuple[IndicatorItem, Decimal | None]] = []
    for raw_id, raw in values.items():
        item = items.get(int(raw_id))
        if item is None:
            errors.setdefault(str(raw_id), []).append(_("This sheet does not score that item."))
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            changes.append((item, None))
            continue
        try:
            points = parse_points(raw)
        except ValueError as exc:
            errors.setdefault(str(item.pk), []).append(f"{item.name}: {exc}")
            continue
        if not Decimal(0) <= points <= item.max_points:
            errors.setdefault(str(item.pk), []).append(
                _("%(item)s: %(points)s is outside 0–%(max)s.")
                % {"item": item.name, "points": points, "max": item.max_points}
            )
            continue
        changes.append((item, points))
    if errors:
        raise ValidationError(errors)

    history = []
    for item, points in changes:
        entry = existing.get(item.pk)
        old = entry.points if entry else None
        if old == points:
            continue
        if points is None:
            entry.delete()
        elif entry is None:
            ScoreEntry.objects.create(sheet=locked, item=item, points=points, entered_by=by)
        else:
            entry.points, entry.entered_by = points, by
            entry.save(update_fields=["points", "entered_by", "entered_at"])
        history.append(ScoreChange(sheet=locked, field=item.name, old=old, new=points, changed_by=by, reason=reason))
    if history:
        ScoreChange.objects.bulk_create(history)
        record(
            action="score_enter",
            by=by,
            obj=locked,
            person=locked.person_id,
            unit=locked.unit_id,
            period=locked.period,
            changes={h.field: [plain(h.old), plain(h.new)] for h in history},
            comment=reason,
        )
        sheets_recompute(sheets=[locked], by=by, reason=reason, force_version_bump=True)
    locked.refresh_from_db()
    return locked


# Recomputation ------------------------------------------------------------------------------------------

# The stored parts whose changes the history records, with the label it records them under.
_PART_LABELS = {
    "common_points": gettext_lazy("common and distinctive points"),
    "individual_points": gettext_lazy("individual points"),
    "bonus_points": gettext_lazy("bonus points"),
    "deduction_points": gettext_lazy("deduction points"),
    "total": gettext_lazy("total"),
}
_COMPUTED = (
    *_PART_LABELS,
    "monthly_average",
    "months_scored",
    "is_complete",
    "vetoed",
    "eligible_grade",
)


def scoring_params(period: Period, template: IndicatorTemplate) -> rules.ScoringParams:
    """The rules' parameters: the template's weight and cap, the region's thresholds for the year."""
    year = period.assessment_year
    return rules.ScoringParams(
        individual_weight=template.individual_weight,
        bonus_cap=template.bonus_cap,
        good_threshold=year.good_threshold,
        fair_threshold=year.fair_threshold,
        ordinary_threshold=year.ordinary_threshold,
    )


def sheets_recompute(
    *, sheets: Iterable[ScoreSheet], by=None, reason: str = "", force_version_bump: bool = False
) -> int:
    """Recompute sheets from their inputs with ``scoring.rules`` and write what changed, with its history.

    A fixed number of queries however many sheets: entries, monthly scores and event shares are loaded in
    bulk. Returns the number of sheets whose stored figures changed.
    """
    sheets = list(sheets)
    if not sheets:
        return 0
    with transaction.atomic():
        return _recompute(sheets, by=by, reason=reason, force_version_bump=force_version_bump)


def _recompute(sheets: list[ScoreSheet], *, by, reason: str, force_version_bump: bool) -> int:
    sheet_ids = [s.pk for s in sheets]
    fresh = {
        s.pk: s
        for s in ScoreSheet.objects.filter(pk__in=sheet_ids).select_related("period__assessment_year", "template")
    }
    # A closed quarter's sheets are its record: no act recomputes them, whichever asked.
    for period in {s.period_id: s.period for s in fresh.values()}.values():
        ensure_open(period)
    templates = {s.template_id for s in fresh.values()}
    entered_items: dict[int, int] = defaultdict(int)
    for template_id in IndicatorItem.objects.filter(
        template_id__in=templates, kind__in=IndicatorItem.ENTERED
    ).values_list("template_id", flat=True):
        entered_items[template_id] += 1
    common: dict[int, Decimal] = defaultdict(Decimal)
    entry_count: dict[int, int] = defaultdict(int)
    for sheet_id, points in ScoreEntry.objects.filter(
        sheet_id__in=sheet_ids, item__kind__in=IndicatorItem.ENTERED
    ).values_list("sheet_id", "points"):
        common[sheet_id] += points
        entry_count[sheet_id] += 1

    periods = {s.period_id: s.period for s in fresh.values()}
    person_ids = {s.person_id for s in fresh.values()}
    monthly: dict[tuple[int, int, int], Decimal] = {}
    month_q = Q()
    for period in periods.values():
        month_q |= Q(year=period.year, month__in=period.months)
    for person_id, year, month, score in MonthlyScore.objects.filter(month_q, person_id__in=person_ids).values_list(
        "person_id", "year", "month", "score"
    ):
        monthly[(person_id, year, month)] = score

    events: dict[tuple[int, int], list[tuple[str, Decimal]]] = defaultdict(list)
    vetoes: set[tuple[int, int]] = set()
    for share in EventShare.objects.filter(
        person_id__in=person_ids, event__period_id__in=periods, event__status=Event.Status.APPROVED
    ).select_related("event__standard"):
        key = (share.person_id, share.event.period_id)
        events[key].append((share.event.matter_key, share.points))
        if share.event.standard.kind == EventStandard.Kind.VETO:
            vetoes.add(key)

    now = timezone.now()
    changed_sheets, history = [], []
    for sheet in fresh.values():
        period = sheet.period
        params = scoring_params(period, sheet.template)
        scores = [
            monthly[(sheet.person_id, period.year, m)]
            for m in period.months
            if (sheet.person_id, period.year, m) in monthly
        ]
        key = (sheet.person_id, sheet.period_id)
        parts = rules.quarterly_breakdown(
            common_points=common[sheet.pk], monthly_scores=scores, events=events[key], params=params
        )
        complete = parts.complete and entry_count[sheet.pk] == entered_items[sheet.template_id]
        vetoed = key in vetoes
        grade = rules.eligible_grade(parts.total, params=params, vetoed=vetoed) if complete else ""
        new = {
            "common_points": parts.common,
            "individual_points": parts.individual,
            "bonus_points": parts.bonus,
            "deduction_points": parts.deduction,
            "total": parts.total,
            "monthly_average": parts.monthly_average,
            "months_scored": len(scores),
            "is_complete": complete,
            "vetoed": vetoed,
            "eligible_grade": grade,
        }
        diff = {name: value for name, value in new.items() if getattr(sheet, name) != value}
        if not diff and not force_version_bump:
            continue
        for field, label in _PART_LABELS.items():
            if field in diff:
                history.append(
                    ScoreChange(
                        sheet=sheet,
                        field=str(label),
                        old=getattr(sheet, field),
                        new=diff[field],
                        changed_by=by,
                        reason=reason,
                    )
                )
        for name, value in diff.items():
            setattr(sheet, name, value)
        sheet.computed_at = now
        sheet.version += 1
        changed_sheets.append(sheet)
    if changed_sheets:
        update_rows(changed_sheets, [*_COMPUTED, "computed_at", "version"])
        ScoreChange.objects.bulk_create(history, batch_size=1000)
    return len(changed_sheets)


def sheets_for_people(*, person_ids: Iterable[int], periods: Iterable[Period]) -> list[ScoreSheet]:
    return list(ScoreSheet.objects.filter(person_id__in=list(person_ids), period__in=list(periods)))


# Events -------------------------------------------------------------------------------------------------


def _event_checks(
    *,
    standard: EventStandard,
    points: Decimal,
    evidence: str,
    shares: Sequence[tuple[Person, Decimal]],
    files: Sequence = (),
) -> list[evidence_rules.Checked]:
    """Every problem of an event before anything is saved; returns the accepted evidence files."""
    errors: dict[str, list[str]] = defaultdict(list)
    checked, problems = evidence_rules.check_files(files)
    if problems:
        errors["files"].extend(problems)
    if not standard.is_active:
        errors["standard"].append(_("This standard is no longer in use."))
    if not evidence.strip() and not files:
        errors["evidence"].append(_("Give the evidence: the document, the commendation or the record."))
    if standard.kind == EventStandard.Kind.BONUS and points <= 0:
        errors["points"].append(_("A bonus has positive points."))
    if standard.kind == EventStandard.Kind.DEDUCTION and points >= 0:
        errors["points"].append(_("A deduction has negative points."))
    if standard.kind == EventStandard.Kind.VETO and points > 0:
        errors["points"].append(_("A veto item adds no points."))
    if abs(points) > abs(standard.points) and standard.kind != EventStandard.Kind.VETO:
        errors["points"].append(_("The points may not exceed the standard's %(points)s.") % {"points": standard.points})
    if not shares:
        errors["shares"].append(_("Name at least one person involved."))
    seen = set()
    for person, share in shares:
        if person.pk in seen:
            errors["shares"].append(_("%(person)s is named twice.") % {"person": person})
        seen.add(person.pk)
        if ((share > 0) != (points > 0) and share != 0) or abs(share) > abs(points):
            errors["shares"].append(
                _("%(person)s's share %(share)s must have the sign of the event and be no larger than %(points)s.")
                % {"person": person, "share": share, "points": points}
            )
    if errors:
        raise ValidationError(dict(errors))
    return checked


EVENT_FIELDS = ("status", "matter", "standard", "points", "evidence", "check_note", "decision_note")


def _event_trail(event: Event, *, action: str, by, before: dict, people: Sequence[Person] = (), **extra) -> None:
    """An event's act in the trail: its unit's, with the person when it is one person's (a declaration)."""
    changes = diff(before, snapshot(event, EVENT_FIELDS)) | extra
    person = people[0] if len(people) == 1 else None
    if len(people) > 1:
        changes["people"] = [None, [p.pk for p in people]]
    record(action=action, by=by, obj=event, unit=event.unit_id, period=event.period_id, person=person, changes=changes)


def _attach(event: Event, checked: Sequence[evidence_rules.Checked], by) -> list[EventEvidence]:
    """Store the accepted files of ``event``, last of all its writes, so that a refusal before it leaves no
    file behind; a failure while storing removes the files already written."""
    stored: list[EventEvidence] = []
    try:
        for item in checked:
            row = EventEvidence(
                event=event, name=item.name, size=item.size, content_type=item.content_type, uploaded_by=by
            )
            row.file.save(item.name, item.upload, save=False)
            stored.append(row)
            row.save()
    except Exception:
        for row in stored:
            row.file.delete(save=False)
        raise
    return stored


@transaction.atomic
def event_record(
    *,
    period: Period,
    unit: Unit,
    matter: str,
    standard: EventStandard,
    evidence: str,
    shares: Sequence[tuple[Person, Decimal]],
    by,
    points: Decimal | None = None,
    files: Sequence = (),
) -> Event:
    """The office records an event for people of its unit; entered by the office, it counts at once."""
    if not scope_for(by, Action.APPROVE_EVENTS).covers_unit(unit):
        raise refusal(
            by, "event_record", f"unit={unit.pk}", _("You may not record events for %(unit)s.") % {"unit": unit}
        )
    outside = [person for person, _share in shares if not _records_for(by, period, unit, person)]
    if outside:
        raise refusal(
            by,
            "event_record",
            f"people={[p.pk for p in outside]}",
            _("%(people)s are outside your unit.") % {"people": "、".join(p.name for p in outside)},
        )
    if any(person.user_id is not None and person.user_id == by.pk for person, _share in shares):
        raise refusal(by, "event_record", "own", _("Nobody records an event on their own result."))
    ensure_open(period)
    ensure_with_section(period=period, people=[person for person, _share in shares])
    points = standard.points if points is None else points
    checked = _event_checks(standard=standard, points=points, evidence=evidence, shares=shares, files=files)
    event = Event.objects.create(
        period=period,
        unit=unit,
        matter=matter.strip(),
        standard=standard,
        points=points,
        evidence=evidence.strip(),
        status=Event.Status.APPROVED,
        declared_by=by,
        decided_by=by,
        decided_at=timezone.now(),
    )
    EventShare.objects.bulk_create(EventShare(event=event, person=person, points=share) for person, share in shares)
    sheets_recompute(
        sheets=sheets_for_people(person_ids=[p.pk for p, _s in shares], periods=[period]),
        by=by,
        reason=_("event: %(matter)s") % {"matter": event.matter},
    )
    files = _attach(event, checked, by)
    _event_trail(
        event,
        action="event_record",
        by=by,
        before={},
        people=[p for p, _s in shares],
        shares=[None, {str(p.pk): str(share) for p, share in shares}],
        **({"files": [None, [f.name for f in files]]} if files else {}),
    )
    return event


@transaction.atomic
def event_declare(
    *, period: Period, matter: str, standard: EventStandard, evidence: str, by, files: Sequence = ()
) -> Event:
    """A civil servant declares a bonus item of their own. The head of their section checks it, then the
    office approves it; it counts once approved."""
    person = getattr(by, "person", None)
    if person is None:
        raise refusal(by, "event_declare", "", _("Only a person being assessed can declare a bonus item."))
    if standard.kind != EventStandard.Kind.BONUS:
        raise ValidationError({"standard": [_("A person declares bonus items only.")]})
    ensure_open(period)
    sheet = ScoreSheet.objects.filter(person=person, period=period).select_related("unit").first()
    unit = sheet.unit if sheet is not None else person.unit
    checked = _event_checks(
        standard=standard,
        points=standard.points,
        evidence=evidence,
        shares=[(person, standard.points)],
        files=files,
    )
    event = Event.objects.create(
        period=period,
        unit=unit,
        matter=matter.strip(),
        standard=standard,
        points=standard.points,
        evidence=evidence.strip(),
        declared_by=by,
    )
    EventShare.objects.create(event=event, person=person, points=standard.points)
    files = _attach(event, checked, by)
    _event_trail(
        event,
        action="event_declare",
        by=by,
        before={},
        people=[person],
        **({"files": [None, [f.name for f in files]]} if files else {}),
    )
    return event


def event_places(event: Event) -> list[tuple[Person, Unit, Section | None]]:
    """Each person of ``event`` with the unit and section assessing them in its period: their sheet's place
    when they have one (placements decide it), else their home."""
    people = list(Person.objects.filter(event_shares__event=event).select_related("unit", "section"))
    sheets = {
        sheet.person_id: sheet
        for sheet in ScoreSheet.objects.filter(period_id=event.period_id, person__in=people).select_related(
            "unit", "section"
        )
    }
    places = []
    for person in people:
        sheet = sheets.get(person.pk)
        places.append((person, sheet.unit, sheet.section) if sheet else (person, person.unit, person.section))
    return places


def _records_for(by, period: Period, unit: Unit, person: Person) -> bool:
    """Whether ``by`` records an event of ``unit`` on ``person``: where the period assesses the person (their
    sheet's unit and section) when they have a sheet, else their home. So a seconded person's events are the
    receiving unit's, and a 县管干部's the cadre group's, not their home unit's."""
    sheet = ScoreSheet.objects.filter(period=period, person=person).select_related("unit", "section").first()
    if sheet is not None:
        return sheet.unit_id == unit.pk and scope_for(by, Action.APPROVE_EVENTS).covers_place(
            unit=sheet.unit, section=sheet.section
        )
    return person.unit_id == unit.pk and can_on_person(by, Action.APPROVE_EVENTS, person)


def checks_place(scope, *, unit: Unit, section) -> bool:
    """Who checks (把关) a declaration of a person assessed in ``unit`` and ``section``: the head of that
    section (a section role over it), or, for someone outside every section, whoever proposes for the
    unit (its office). The office's unit-wide PROPOSE does not stand in for a section head, or one office
    could check and a second approve, and the section would never see it."""
    if section is None:
        return scope.covers_unit(unit)
    return scope.everything or section.pk in scope.section_ids


def _section_act(event: Event, by, what: str) -> tuple[Event, list[Person]]:
    """Authorise the section's check or return of a declaration, lock it and make sure it waits for one.

    The checker is whoever may propose grades for the person (the head of the person's section; the office
    for people outside every section), never the person themself.
    """
    places = event_places(event)
    scope = scope_for(by, Action.PROPOSE)
    if not places or not all(checks_place(scope, unit=unit, section=section) for _p, unit, section in places):
        raise refusal(
            by, what, f"event={event.pk}", _("Only the head of the person's section checks this declaration.")
        )
    people = [person for person, _unit, _section in places]
    if any(p.user_id is not None and p.user_id == by.pk for p in people):
        raise refusal(by, what, f"event={event.pk} own", _("Nobody checks their own declaration."))
    locked = Event.objects.select_for_update().select_related("period").get(pk=event.pk)
    ensure_open(locked.period)
    if locked.status != Event.Status.DECLARED:
        raise ValidationError(
            _("This declaration is no longer waiting for the section's check (%(status)s).")
            % {"status": locked.get_status_display()},
            code="decided",
        )
    return locked, people


@transaction.atomic
def event_check(*, event: Event, by, note: str = "") -> Event:
    """The section checks a declaration (把关) and passes it on to the office."""
    locked, people = _section_act(event, by, "event_check")
    before = snapshot(locked, EVENT_FIELDS)
    locked.status, locked.checked_by, locked.checked_at = Event.Status.CHECKED, by, timezone.now()
    locked.check_note = note.strip()[:200]
    locked.save(update_fields=["status", "checked_by", "checked_at", "check_note"])
    _event_trail(locked, action="event_check", by=by, before=before, people=people)
    return locked


@transaction.atomic
def event_return(*, event: Event, by, reason: str) -> Event:
    """The section returns a declaration with its reason. It ends there: the person declares again, corrected."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the declaration is returned.")]})
    locked, people = _section_act(event, by, "event_return")
    before = snapshot(locked, EVENT_FIELDS)
    locked.status, locked.checked_by, locked.checked_at = Event.Status.RETURNED, by, timezone.now()
    locked.check_note = reason.strip()[:200]
    locked.save(update_fields=["status", "checked_by", "checked_at", "check_note"])
    _event_trail(locked, action="event_return", by=by, before=before, people=people)
    return locked


def _decide(event: Event, by, status: str, note: str) -> Event:
    if not scope_for(by, Action.APPROVE_EVENTS).covers_unit(event.unit):
        raise refusal(
            by, "event_decide", f"event={event.pk}", _("You may not decide events of %(unit)s.") % {"unit": event.unit}
        )
    locked = Event.objects.select_for_update().select_related("period").get(pk=event.pk)
    ensure_open(locked.period)
    people = list(Person.objects.filter(event_shares__event=locked))
    if any(p.user_id is not None and p.user_id == by.pk for p in people):
        raise refusal(by, "event_decide", f"event={event.pk} own", _("Nobody decides an event on their own result."))
    if locked.status == Event.Status.DECLARED:
        raise ValidationError(
            _("The head of the person's section has not checked this declaration yet; it comes to the office after."),
            code="out_of_order",
        )
    if locked.status != Event.Status.CHECKED:
        raise ValidationError(_("This event has already been decided."), code="decided")
    # Checked by the section, decided by the office: two people, or the check would be a formality.
    if locked.checked_by_id == by.pk:
        raise refusal(
            by, "event_decide", f"event={event.pk} checker", _("Whoever checked a declaration does not also decide it.")
        )
    if status == Event.Status.APPROVED:
        ensure_with_section(period=locked.period, people=people)
    before = snapshot(locked, EVENT_FIELDS)
    locked.status, locked.decided_by, locked.decided_at, locked.decision_note = status, by, timezone.now(), note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    action = "event_approve" if status == Event.Status.APPROVED else "event_reject"
    _event_trail(locked, action=action, by=by, before=before, people=people)
    if status == Event.Status.APPROVED:
        sheets_recompute(
            sheets=sheets_for_people(person_ids=[p.pk for p in people], periods=[locked.period]),
            by=by,
            reason=_("event: %(matter)s") % {"matter": locked.matter},
        )
    return locked


@transaction.atomic
def event_approve(*, event: Event, by, note: str = "") -> Event:
    """The office approves a declaration the section has checked (审核); the people's sheets count it."""
    return _decide(event, by, Event.Status.APPROVED, note)


@transaction.atomic
def event_reject(*, event: Event, by, note: str) -> Event:
    if not note.strip():
        raise ValidationError({"note": [_("Say why the event is rejected.")]})
    return _decide(event, by, Event.Status.REJECTED, note)


# Bulk entry ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetScores:
    """One row of a bulk entry: the sheet, the version the caller read, and ``{item_id: points}``."""

    sheet_id: int
    version: int
    values: Mapping[int, object]


@transaction.atomic
def sheets_enter_section(
    *, period: Period, section: Section, rows: Sequence[SheetScores], by, reason: str = ""
) -> list[ScoreSheet]:
    """Enter the points of many sheets of one section at once, all or nothing.

    Each row goes through ``sheet_enter`` (the same checks as the form). Every row is tried so that the
    refusal names every problem, keyed ``[index].entries.<item id>``, ``[index].version`` or
    ``[index].sheet``; then one problem anywhere rolls the whole entry back.
    """
    if not scope_for(by, Action.ENTER_SCORES).covers_place(unit=section.unit, section=section):
        raise refusal(
            by,
            "sheets_enter_section",
            f"section={section.pk}",
            _("You may not score the section %(section)s.") % {"section": section},
        )
    ensure_open(period)
    # Lock every sheet up front in primary-key order: two bulk entries over overlapping sheets, each
    # locking row by row in its own order, could otherwise deadlock each other.
    sheets = {
        sheet.pk: sheet
        for sheet in ScoreSheet.objects.select_for_update(of=("self",))
        .filter(period=period, section=section, pk__in=[row.sheet_id for row in rows])
        .select_related("person", "unit", "section")
        .order_by("pk")
    }
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    saved: list[ScoreSheet] = []
    for index, row in enumerate(rows):
        sheet = sheets.get(row.sheet_id)
        if sheet is None:
            errors[f"[{index}].sheet"] = [_("This is not a score sheet of the section in this period.")]
            continue
        if row.sheet_id in seen:
            errors[f"[{index}].sheet"] = [_("This sheet appears twice in the entry.")]
            continue
        seen.add(row.sheet_id)
        try:
            saved.append(
                sheet_enter(sheet=sheet, values=row.values, by=by, expected_version=row.version, reason=reason)
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for key, problems in exc.error_dict.items():
                    errors[f"[{index}].entries.{key}"] = ValidationError(problems).messages
            else:
                key = "version" if exc.code == "stale" else "sheet"
                errors[f"[{index}].{key}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return saved
