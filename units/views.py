"""Pages of the organisation: the unit list and roster, and the roster import (a person's profile is the
assessment's: ``assessment.profile``). Thin: each checks the scope, calls one selector or service, and
renders."""

from __future__ import annotations

import base64
import dataclasses

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from common.refusals import not_found
from common.workbooks import run_import
from units import selectors
from units.models import Unit
from units.permissions import Action, scope_for
from units.roster import credentials_workbook, roster_import, roster_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The initial passwords of the accounts the last imports created, kept in the officer's session only until
# they are downloaded once.


@login_required
def unit_list(request):
    units = selectors.unit_overview_for(user=request.user).order_by("region_id", "order", "code")
    can_import = not scope_for(request.user, Action.MANAGE_PEOPLE).is_empty
    return render(request, "units/unit_list.html", {"units": units, "can_import": can_import})


@login_required
def unit_detail(request, code: str):
    unit = selectors.units_visible_to(user=request.user).filter(code=code).first()
    if unit is None:
        raise not_found(request, "unit_detail", f"unit={code}")
    rosters, incoming = selectors.unit_roster(user=request.user, unit=unit)
    context = {
        "unit": unit,
        "rosters": rosters,
        "incoming": incoming,
        "whole_unit": scope_for(request.user, Action.VIEW).covers_unit(unit),
        "people_count": sum(len(r.rows) for r in rosters),
    }
    return render(request, "units/unit_detail.html", context)


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Roster file (.xlsx)"))


def _import_unit(request, what: str) -> Unit | None:
    """The unit named by ``?unit=`` (or None for everyone the user manages); 404 for a user who manages
    nobody, or a unit outside what they manage."""
    scope = scope_for(request.user, Action.MANAGE_PEOPLE)
    code = request.GET.get("unit", "")
    if scope.is_empty:
        raise not_found(request, what, f"unit={code}")
    if not code:
        return None
    unit = Unit.objects.select_related("region").filter(code=code).first()
    if unit is None or not scope.covers_unit(unit):
        raise not_found(request, what, f"unit={code}")
    return unit


def _with_unit(name: str, unit: Unit | None) -> str:
    url = reverse(name)
    return f"{url}?unit={unit.code}" if unit is not None else url


@never_cache
@login_required
def roster_import_page(request):
    """The office (or the organisation department) imports people, posts, sections and placements from its
    workbook, all or nothing; the accounts it creates are shown once, and downloadable once."""
    unit = _import_unit(request, "roster_import")
    form = RosterUploadForm()
    errors: list = []
    credentials: list[dict[str, str]] = []
    credentials_file = ""
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            outcome, errors = run_import(
                upload,
                lambda content: roster_import(content=content, file_name=upload.name, by=request.user, unit=unit),
            )
            if outcome is not None:
                record = outcome.record
                messages.success(
                    request,
                    _(
                        "Imported %(rows)s rows: %(created)s people created, %(updated)s updated, %(moved)s moved, "
                        "%(placements)s away placements, %(accounts)s accounts created, %(linked)s linked."
                    )
                    % {
                        "rows": record.rows,
                        "created": record.created,
                        "updated": record.updated,
                        "moved": record.moved,
                        "placements": record.placements,
                        "accounts": record.accounts_created,
                        "linked": record.accounts_linked,
                    },
                )
                if not outcome.credentials:
                    return redirect(_with_unit("roster_import", unit))
                # Shown in this response only (no redirect, so a reload does not show them again), and
                # kept in the session for one download.
                # Shown in this response only, and offered as a workbook carried inside the page itself:
                # the passwords are stored nowhere on the server, not even in the session.
                credentials = [dataclasses.asdict(c) for c in outcome.credentials]
                credentials_file = base64.b64encode(credentials_workbook(credentials)).decode()
    context = {
        "unit": unit,
        "form": form,
        "errors": errors,
        "credentials": credentials,
        "credentials_file": credentials_file,
        "imports": selectors.roster_imports_visible_to(user=request.user)[:20],
        "template_url": _with_unit("roster_template", unit),
    }
    return render(request, "units/roster_import.html", context)


@login_required
def roster_template_download(request):
    unit = _import_unit(request, "roster_template")
    response = HttpResponse(roster_template(by=request.user, unit=unit), content_type=XLSX)
    name = f"roster-{unit.code}.xlsx" if unit is not None else "roster.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
