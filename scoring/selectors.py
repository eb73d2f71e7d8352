"""Reads of the scoring app, scoped to what the user's roles cover."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from periods.models import Period
from scoring.models import (
    Event,
    EventEvidence,
    EventShare,
    IndicatorItem,
    IndicatorTemplate,
    MonthlyImport,
    ScoreChange,
    ScoreEntry,
    ScoreSheet,
)
from scoring.services import moved_on
from units.models import Section, Unit
from units.permissions import Action, Scope, scope_for
from units.selectors import units_visible_to


def sheets_visible_to(
    *, user, period: Period | None = None, unit: Unit | None = None, action: Action = Action.VIEW
) -> QuerySet[ScoreSheet]:
    """Sheets of ``period`` (of every period when None) whose assessing unit or section the user's roles cover.

    A person's own sheet is not listed here: what a person sees of their own result arrives with
    publication (the quarterly workflow).
    """
    scope = scope_for(user, action)
    sheets = ScoreSheet.objects.select_related("person", "unit", "section")
    if period is not None:
        sheets = sheets.filter(period=period)
    if unit is not None:
        sheets = sheets.filter(unit=unit)
    if scope.everything:
        return sheets
    if scope.is_empty:
        return sheets.none()
    return sheets.filter(scope.place_q())


def sheet_detail_for(*, user, pk: int) -> ScoreSheet | None:
    scope = scope_for(user, Action.VIEW)
    if scope.is_empty:
        return None
    sheets = ScoreSheet.objects.select_related(
        "person", "unit", "section", "template", "period__assessment_year__region"
    ).prefetch_related(
        Prefetch("entries", queryset=ScoreEntry.objects.select_related("entered_by")),
        Prefetch("changes", queryset=ScoreChange.objects.select_related("changed_by").order_by("-changed_at", "-id")),
    )
    if not scope.everything:
        sheets = sheets.filter(scope.place_q())
    return sheets.filter(pk=pk).first()


def sheet_items(sheet: ScoreSheet) -> list[IndicatorItem]:
    return list(sheet.template.items.all())


def monthly_imports_visible_to(*, user, period: Period) -> QuerySet[MonthlyImport]:
    scope = scope_for(user, Action.IMPORT_MONTHLY)
    imports = MonthlyImport.objects.filter(period=period).select_related("unit", "imported_by")
    if scope.everything:
        return imports
    return imports.filter(imported_by=user) | imports.filter(
        unit__in=units_visible_to(user=user, action=Action.IMPORT_MONTHLY)
    )


EVENT_ROWS = ("standard", "declared_by", "checked_by", "decided_by")


def _with_rows(events: QuerySet[Event]) -> QuerySet[Event]:
    """What an event's row shows, in a fixed number of queries however many events: its standard, who acted,
    the people sharing it and its files."""
    return events.select_related(*EVENT_ROWS).prefetch_related(
        Prefetch("shares", queryset=EventShare.objects.select_related("person").order_by("pk")),
        Prefetch("files", queryset=EventEvidence.objects.order_by("pk")),
    )


def events_visible_to(*, user, period: Period, unit: Unit) -> QuerySet[Event]:
    """The events of a unit, for those whose roles cover the whole unit (the office, leaders, the region)."""
    if not scope_for(user, Action.VIEW).covers_unit(unit):
        return Event.objects.none()
    return _with_rows(Event.objects.filter(period=period, unit=unit))


def shares_placed_in(scope: Scope) -> QuerySet[EventShare]:
    """Shares of people whom ``scope`` covers where the event's period assesses them: their sheet's unit and
    section when they have a sheet in that period (placements decide it), else their home."""
    if scope.everything:
        return EventShare.objects.all()
    if scope.is_empty:
        return EventShare.objects.none()
    sheets = ScoreSheet.objects.filter(person_id=OuterRef("person_id"), period_id=OuterRef("event__period_id"))
    home = scope.place_q(unit_field="person__unit", section_field="person__section")
    return EventShare.objects.filter(Q(Exists(sheets.filter(scope.place_q()))) | (~Q(Exists(sheets)) & home))


def events_to_check(*, user, period: Period) -> QuerySet[Event]:
    """The declarations of ``period`` waiting for the user's check (把关): those of the people the user may
    propose grades for, never the user's own."""
    scope = scope_for(user, Action.PROPOSE)
    # A section head checks their sections' people; a unit's office only those outside every section
    # (services.checks_place).
    sectioned = shares_placed_in(Scope(everything=scope.everything, section_ids=scope.section_ids))
    unit_wide = Scope(region_ids=scope.region_ids, unit_ids=scope.unit_ids)
    sheets = ScoreSheet.objects.filter(person_id=OuterRef("person_id"), period_id=OuterRef("event__period_id"))
    outside_sections = EventShare.objects.filter(
        Q(Exists(sheets.filter(unit_wide.place_q(), section__isnull=True)))
        | (
            ~Q(Exists(sheets))
            & Q(person__section__isnull=True)
            & unit_wide.place_q(unit_field="person__unit", section_field="person__section")
        )
    )
    events = (
        Event.objects.filter(period=period, status=Event.Status.DECLARED)
        .filter(Q(pk__in=sectioned.values("event_id")) | Q(pk__in=outside_sections.values("event_id")))
        .exclude(shares__person__user_id=user.pk)
    )
    return _with_rows(events).order_by("declared_at", "pk")


def events_checked_by(*, user, period: Period) -> QuerySet[Event]:
    """What the user has checked or returned in ``period``, latest first."""
    return _with_rows(Event.objects.filter(period=period, checked_by_id=user.pk)).order_by("-checked_at", "-pk")


def own_declarations(*, user, period: Period) -> QuerySet[Event]:
    """The events the user's own person record shares in ``period``."""
    person = getattr(user, "person", None)
    if person is None:
        return Event.objects.none()
    return _with_rows(Event.objects.filter(period=period, shares__person=person)).order_by("-declared_at", "-pk")


def evidence_for(*, user, pk: int) -> EventEvidence | None:
    """An evidence file, if the user may have it: a person of its event, or a user whose roles cover the
    event's unit or one of its people where the period assesses them."""
    evidence = EventEvidence.objects.select_related("event__unit").filter(pk=pk).first()
    if evidence is None or not user.is_authenticated:
        return None
    event = evidence.event
    scope = scope_for(user, Action.VIEW)
    if scope.covers_unit(event.unit):
        return evidence
    shares = EventShare.objects.filter(event_id=event.pk)
    if shares.filter(person__user_id=user.pk).exists() or shares_placed_in(scope).filter(event_id=event.pk).exists():
        return evidence
    return None


# The score-entry grid --------------------------------------------------------------------------------------


@dataclass
class GridTable:
    """One table of a section's grid: the sheets on one template, with the items they score by hand."""

    template: IndicatorTemplate
    items: list[IndicatorItem]
    sheets: list[ScoreSheet] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # filled by the view: what each row shows


def grid_sheets(*, user, period: Period, section: Section) -> QuerySet[ScoreSheet]:
    """The sheets of ``section`` in ``period`` the user may see, in post order, with their entries and the
    id of their latest change (``last_change``: what a stale save compares against)."""
    latest = ScoreChange.objects.filter(sheet=OuterRef("pk")).order_by("-id").values("id")[:1]
    return (
        sheets_visible_to(user=user, period=period, unit=section.unit)
        .filter(section=section)
        .select_related("template")
        .prefetch_related("entries")
        .annotate(last_change=Subquery(latest))
        .order_by("person__post_order", "person_id")
    )


def grid_items(template_ids) -> dict[int, list[IndicatorItem]]:
    """The entered items (``IndicatorItem.ENTERED``) of each template, in order: one query."""
    items: dict[int, list[IndicatorItem]] = {pk: [] for pk in template_ids}
    for item in IndicatorItem.objects.filter(template_id__in=list(template_ids), kind__in=IndicatorItem.ENTERED):
        items[item.template_id].append(item)
    return items


def section_grid(*, user, period: Period, section: Section) -> list[GridTable]:
    """The grid of a section: one table per template (a section's sheets usually share one)."""
    sheets = list(grid_sheets(user=user, period=period, section=section))
    templates = {sheet.template_id: sheet.template for sheet in sheets}
    items = grid_items(templates)
    tables = {pk: GridTable(template=template, items=items[pk]) for pk, template in templates.items()}
    for sheet in sheets:
        tables[sheet.template_id].sheets.append(sheet)
    return sorted(tables.values(), key=lambda table: (-len(table.sheets), table.template.pk))


def sheet_changes_since(*, sheet: ScoreSheet, after: int | None) -> list[ScoreChange]:
    """The changes of ``sheet`` recorded after the change ``after`` (all of them when None), oldest first."""
    changes = ScoreChange.objects.filter(sheet=sheet).select_related("changed_by").order_by("id")
    if after is not None:
        changes = changes.filter(id__gt=after)
    return list(changes)


def grid_sheet_for(*, user, pk: int) -> ScoreSheet | None:
    """One sheet for a row of the grid, if the user may see it; with what the row shows and nothing more."""
    scope = scope_for(user, Action.VIEW)
    if scope.is_empty:
        return None
    latest = ScoreChange.objects.filter(sheet=OuterRef("pk")).order_by("-id").values("id")[:1]
    sheets = (
        ScoreSheet.objects.select_related("person", "unit", "section", "template", "period__assessment_year")
        .prefetch_related("entries")
        .annotate(last_change=Subquery(latest))
    )
    if not scope.everything:
        sheets = sheets.filter(scope.place_q())
    return sheets.filter(pk=pk).first()


def results_moved_on(*, period: Period, sheets) -> dict[int, str]:
    """The people of ``sheets`` whose result has passed scoring (their scores are locked), with its step."""
    return moved_on(period=period, person_ids=[sheet.person_id for sheet in sheets])
