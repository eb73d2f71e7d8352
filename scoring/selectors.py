"""Reads of the scoring app, scoped to what the user's roles cover."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from assessment.models import Period
from scoring.models import Event, IndicatorItem, MonthlyImport, ScoreChange, ScoreEntry, ScoreSheet
from units.models import Unit
from units.permissions import Action, scope_for
from units.selectors import units_visible_to


def periods_visible_to(*, user) -> QuerySet[Period]:
    """Periods of the regions in which the user sees at least one unit."""
    regions = units_visible_to(user=user).values("region_id")
    return Period.objects.filter(assessment_year__region_id__in=regions).select_related("assessment_year__region")


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
