"""The score-entry grid of a section: a row per person, a column per item scored by hand.

Each row saves on its own through ``services.sheet_enter`` (``static/js/grid.js`` posts a changed row
when the focus leaves it); "save all" posts the whole grid through ``services.sheets_enter_section`` and
is also what the page does without JavaScript. Both carry the version each sheet was read at, so a
row that someone else saved first is refused and shown with their change, never silently overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from common.refusals import log_refusal, not_found
from scoring import selectors, services
from scoring.models import IndicatorItem, ScoreSheet
from scoring.views import _period
from units.models import Section
from units.permissions import Action, scope_for
from units.selectors import sections_visible_to

REASON_LIMIT = 200  # ScoreChange.reason
ERROR_KEY = re.compile(r"^\[(\d+)\]\.(\w+)(?:\.(.+))?$")


def _section(request, period, section_pk: int) -> Section:
    section = (
        sections_visible_to(user=request.user)
        .filter(pk=section_pk, unit__region_id=period.assessment_year.region_id)
        .first()
    )
    if section is None:
        raise not_found(request, "grid_section", f"section={section_pk}")
    return section


def _may_enter(user, period, unit, section) -> bool:
    """Whether the user may enter scores in this section at all (their own row aside)."""
    return not period.is_closed and scope_for(user, Action.ENTER_SCORES).covers_place(unit=unit, section=section)


def _refuse(request, what: str, detail: str, period) -> HttpResponse:
    log_refusal(request.user, what, detail)
    if period.is_closed:
        message = _("The period %(period)s is closed and read-only.") % {"period": period}
    else:
        message = _("Your roles do not allow this action.")
    return HttpResponse(message, status=403)


def _field(sheet: ScoreSheet, item: IndicatorItem) -> str:
    return f"s{sheet.pk}-{item.pk}"


def _posted(post, sheet: ScoreSheet, items: list[IndicatorItem]) -> dict[int, str] | None:
    """The values posted for ``sheet`` (``{item_id: text}``), or None when the form had no field of it."""
    values = {item.pk: post[_field(sheet, item)] for item in items if _field(sheet, item) in post}
    return values or None


def _int(post, key: str, default: int | None) -> int | None:
    try:
        return int(post.get(key, ""))
    except ValueError:
        return default


def _unchanged(values: dict[int, str], sheet: ScoreSheet) -> bool:
    """True when every posted value is what the sheet already holds: such a row is not sent at all, so a
    row someone else changed meanwhile refuses "save all" only if this user changed it too."""
    stored = {entry.item_id: entry.points for entry in sheet.entries.all()}
    for item_id, raw in values.items():
        if not raw.strip():
            if item_id in stored:
                return False
            continue
        try:
            if services.parse_points(raw) != stored.get(item_id):
                return False
        except ValueError:
            return False
    return True


def _row(
    sheet: ScoreSheet,
    items: list[IndicatorItem],
    *,
    editable: bool,
    locked: str = "",
    own: bool = False,
    posted: dict[int, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: str = "",
    problems: list[str] | None = None,
    changes=None,
    version: int | None = None,
    seen: int | None = None,
) -> dict:
    """What ``scoring/_grid_row.html`` shows of one sheet: typed values win over stored ones."""
    stored = {entry.item_id: entry.points for entry in sheet.entries.all()}
    errors = errors or {}
    cells = [
        {
            "item": item,
            "name": _field(sheet, item),
            "value": posted[item.pk] if posted is not None and item.pk in posted else stored.get(item.pk),
            "errors": errors.get(str(item.pk), []),
        }
        for item in items
    ]
    return {
        "sheet": sheet,
        "cells": cells,
        "editable": editable,
        "locked": locked,
        "own": own,
        "status": status,
        "problems": problems or [],
        "changes": changes or [],
        "version": sheet.version if version is None else version,
        "seen": sheet.last_change if seen is None else seen,
    }


def _lock(user, sheet: ScoreSheet, may_enter: bool, moved: dict[int, str]) -> tuple[bool, bool, str]:
    """(editable, own, why not): nobody enters their own sheet, nor a result past scoring."""
    own = sheet.person.user_id is not None and sheet.person.user_id == user.pk
    if own:
        return False, True, _("Nobody scores their own result.")
    if sheet.person_id in moved:
        return False, False, _("The result has moved past scoring; send it back to the section to correct the scores.")
    return may_enter, False, ""


@dataclass
class _Refused:
    """What a refused "save all" leaves on the page: nothing saved, every typed value kept, each problem
    on its row or cell, and the rows someone else saved first with their changes."""

    posted: dict[int, dict[int, str]] = field(default_factory=dict)
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    problems: dict[int, list[str]] = field(default_factory=dict)
    stale: dict[int, list] = field(default_factory=dict)
    sent: set[int] = field(default_factory=set)

    def status(self, pk: int) -> str:
        if pk in self.stale:
            return "stale"
        if pk in self.errors or pk in self.problems:
            return "error"
        return "unsaved" if pk in self.sent else ""


def _save_all(request, period, section: Section, tables, locks) -> HttpResponse | _Refused:
    """Post the rows this user changed through ``sheets_enter_section``: a redirect once saved, or what
    to show beside the grid when refused."""
    refused = _Refused()
    batch: list[tuple[ScoreSheet, services.SheetScores]] = []
    for table in tables:
        for sheet in table.sheets:
            values = _posted(request.POST, sheet, table.items)
            if values is None or not locks[sheet.pk][0]:
                continue  # not in the form, or read-only (own sheet, past scoring): never sent
            refused.posted[sheet.pk] = values
            if _unchanged(values, sheet):
                continue
            version = _int(request.POST, f"s{sheet.pk}-version", -1)
            batch.append((sheet, services.SheetScores(sheet_id=sheet.pk, version=version, values=values)))
    if not batch:
        messages.info(request, _("Every row was already saved; there was nothing new to save."))
        return redirect("scoring:grid", period_pk=period.pk, section_pk=section.pk)
    try:
        services.sheets_enter_section(
            period=period,
            section=section,
            rows=[row for _s, row in batch],
            by=request.user,
            reason=request.POST.get("reason", "")[:REASON_LIMIT],
        )
    except PermissionError as exc:
        log_refusal(request.user, "grid_save_all", f"section={section.pk}")
        return HttpResponse(str(exc), status=403)
    except ValidationError as exc:
        refused.sent = {sheet.pk for sheet, _row in batch}
        problems = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        for key, texts in problems.items():
            match = ERROR_KEY.match(key)
            if match is None:
                messages.error(request, " ".join(texts))
                continue
            sheet = batch[int(match[1])][0]
            if match[2] == "entries":
                refused.errors.setdefault(sheet.pk, {})[match[3]] = texts
            elif match[2] == "version":
                seen = _int(request.POST, f"s{sheet.pk}-seen", None)
                refused.stale[sheet.pk] = selectors.sheet_changes_since(sheet=sheet, after=seen)
            else:
                refused.problems.setdefault(sheet.pk, []).extend(texts)
        messages.error(request, _("Nothing was saved; please correct the marked entries."))
        return refused
    messages.success(request, _("%(n)s rows saved.") % {"n": len(batch)})
    return redirect("scoring:grid", period_pk=period.pk, section_pk=section.pk)


@login_required
def grid(request, period_pk: int, section_pk: int):
    """The grid of one section; POST is "save all" (all or nothing, errors marked per cell)."""
    period = _period(request, period_pk)
    section = _section(request, period, section_pk)
    may_enter = _may_enter(request.user, period, section.unit, section)
    if request.method == "POST" and not may_enter:
        return _refuse(request, "grid_save_all", f"section={section_pk}", period)
    tables = selectors.section_grid(user=request.user, period=period, section=section)
    moved = selectors.results_moved_on(period=period, sheets=[s for t in tables for s in t.sheets])
    locks = {sheet.pk: _lock(request.user, sheet, may_enter, moved) for table in tables for sheet in table.sheets}
    refused = _Refused()
    if request.method == "POST":
        outcome = _save_all(request, period, section, tables, locks)
        if isinstance(outcome, HttpResponse):
            return outcome
        refused = outcome
    for table in tables:
        for sheet in table.sheets:
            editable, own, locked = locks[sheet.pk]
            # A stale row keeps the version and the last change it was read at, so it stays refused
            # until reloaded.
            kept = sheet.pk in refused.stale
            table.rows.append(
                _row(
                    sheet,
                    table.items,
                    editable=editable,
                    own=own,
                    locked=locked,
                    posted=refused.posted.get(sheet.pk),
                    errors=refused.errors.get(sheet.pk),
                    problems=refused.problems.get(sheet.pk),
                    status=refused.status(sheet.pk),
                    changes=refused.stale.get(sheet.pk),
                    version=_int(request.POST, f"s{sheet.pk}-version", -1) if kept else None,
                    seen=_int(request.POST, f"s{sheet.pk}-seen", None) if kept else None,
                )
            )
    return render(
        request,
        "scoring/grid.html",
        {
            "period": period,
            "section": section,
            "tables": tables,
            "may_enter": may_enter,
            "editable_rows": sum(lock[0] for lock in locks.values()),
        },
        status=200 if request.method == "GET" else 422,
    )


@login_required
def grid_row(request, pk: int):
    """One row of the grid: GET shows it afresh (the "reload" of a stale row), POST saves it.

    The answer is the row's HTML: 200 saved, 422 refused with the reasons, 409 someone else saved the
    sheet first (the typed values are kept and their change is shown), 403 not allowed, 404 not visible.
    """
    sheet = selectors.grid_sheet_for(user=request.user, pk=pk)
    if sheet is None:
        raise not_found(request, "grid_row", f"sheet={pk}")
    items = selectors.grid_items([sheet.template_id])[sheet.template_id]
    may_enter = sheet.section is not None and _may_enter(request.user, sheet.period, sheet.unit, sheet.section)
    moved = selectors.results_moved_on(period=sheet.period, sheets=[sheet])
    editable, own, locked = _lock(request.user, sheet, may_enter, moved)

    def answer(http_status: int = 200, *, sheet: ScoreSheet = sheet, **row) -> HttpResponse:
        context = {"row": _row(sheet, items, editable=editable, own=own, locked=locked, **row)}
        return render(request, "scoring/_grid_row.html", context, status=http_status)

    if request.method != "POST":
        return answer()
    if not may_enter or own:
        return _refuse(request, "grid_row_save", f"sheet={pk}", sheet.period)
    values = _posted(request.POST, sheet, items) or {}
    version = _int(request.POST, f"s{sheet.pk}-version", -1)
    seen = _int(request.POST, f"s{sheet.pk}-seen", None)
    try:
        services.sheet_enter(
            sheet=sheet,
            values=values,
            by=request.user,
            expected_version=version,
            reason=request.POST.get("reason", "")[:REASON_LIMIT],
        )
    except ValidationError as exc:
        if getattr(exc, "code", None) == "stale":
            changes = selectors.sheet_changes_since(sheet=sheet, after=seen)
            return answer(409, posted=values, status="stale", changes=changes, version=version, seen=seen)
        if hasattr(exc, "error_dict"):
            return answer(422, posted=values, status="error", errors=exc.message_dict, version=version, seen=seen)
        return answer(422, posted=values, status="error", problems=exc.messages, version=version, seen=seen)
    return answer(sheet=selectors.grid_sheet_for(user=request.user, pk=pk), status="saved")
