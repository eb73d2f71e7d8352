"""Reads of the scoring app, scoped to what the user's roles cover."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from periods.models import Period
from scoring.models import (
    Event,
    IndicatorItem,
    IndicatorTemplate,
    MonthlyImport,
    ScoreChange,
    ScoreEntry,
    ScoreSheet,
)
from scoring.services import moved_on
from units.models import Section, Unit
from units.permissions import Action, scope_for
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


def events_visible_to(*, user, period: Period, unit: Unit) -> QuerySet[Event]:
    if not scope_for(user, Action.VIEW).covers_unit(unit):
        return Event.objects.none()
    return (
        Event.objects.filter(period=period, unit=unit)
        .select_related("standard", "declared_by", "decided_by")
        .prefetch_related("shares__person")
    )


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
