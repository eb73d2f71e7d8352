"""The audit trail page (``/trail/``) and its export: for the organisation department, the units' offices and
system administrators, each over what their roles cover. Thin: the selectors scope, ``common.listing`` searches,
filters, sorts and pages; the export holds exactly the rows the page lists, all pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from assessment.trail import selectors, services
from common.listing import filtered, listing
from common.refusals import not_found, refusal_messages

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _options(request) -> dict:
    return {
        "search": selectors.SEARCH,
        "id_field": "person__id_number",
        "filters": selectors.trail_filters(user=request.user, person_pk=request.GET.get("person", "")),
        "sorts": selectors.SORTS,
        "default_sort": selectors.DEFAULT_SORT,
        "dates": "at",
    }


def _entries(request):
    if not selectors.may_read_trail(request.user):
        raise not_found(request, "trail", "")
    return selectors.trail_visible_to(user=request.user)


@login_required
def trail(request):
    found = listing(request, _entries(request), **_options(request))
    rows = [
        {
            "entry": e,
            "label": selectors.action_label(e.action),
            "changes": selectors.changes_of(e),
            "moved": selectors.step_moved(e),
        }
        for e in found.rows
    ]
    return render(request, "assessment/trail/trail.html", {"listing": found, "rows": rows})


@never_cache
@login_required
def trail_export(request):
    found, params, _dates = filtered(request, _entries(request), **_options(request))
    try:
        content = services.trail_export(entries=found.queryset, by=request.user, params=params)
    except (PermissionError, ValidationError) as exc:
        for problem in refusal_messages(exc):
            messages.error(request, problem)
        query = request.GET.urlencode()
        return redirect(f"{reverse('trail')}?{query}" if query else reverse("trail"))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="trail-{timezone.localdate():%Y%m%d}.xlsx"'
    return response
