"""A unit's 公示 page: during publicity (and read-only after it) the unit's people and the unit's roles see
each person's final grade, the day publicity ends and, for their own result, the way to ask for a review.
Scores are shown only where the region's parameter says so. Anyone else gets a 404 (logged)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from assessment.models import Grade, QuarterlyResult
from assessment.quarter import selectors, services
from common.params import is_number
from common.refusals import not_found
from periods.models import Period
from units.models import Unit
from units.permissions import Action, scope_for

PUBLICITY_PAGE = 100


@login_required
def publicity(request, period_pk: int, code: str):
    """The unit's published results: search by name, filter by section and grade, 100 to a page; with
    ``?print=1`` every row on a page without navigation, to print and post."""
    period = Period.objects.select_related("assessment_year").filter(pk=period_pk).first()
    unit = (
        Unit.objects.filter(code=code, region_id=period.assessment_year.region_id).first()
        if period is not None
        else None
    )
    today = services.today()
    if unit is None or not selectors.may_read_publicity(user=request.user, period=period, unit=unit, today=today):
        raise not_found(request, "quarter_publicity", f"period={period_pk} unit={code}")
    every = selectors.published_results_for(user=request.user, period=period, unit=unit, today=today)
    sections = {s.pk: s for s in unit.sections.order_by("order", "pk")}
    chosen = {
        "section": request.GET.get("section", ""),
        "grade": request.GET.get("grade", ""),
        "q": request.GET.get("q", "").strip()[:50],
    }
    shown = every
    if is_number(chosen["section"]) and int(chosen["section"]) in sections:
        shown = shown.filter(section_id=int(chosen["section"]))
    else:
        chosen["section"] = ""
    if chosen["grade"] in Grade.values:
        shown = shown.filter(final_grade=chosen["grade"])
    else:
        chosen["grade"] = ""
    if chosen["q"]:
        shown = shown.filter(person__name__icontains=chosen["q"])
    printing = request.GET.get("print") == "1"
    ends = selectors.publicity_ends_of(period=period, unit=unit)
    own = selectors.own_result(user=request.user, period=period)
    own = own if own is not None and own.unit_id == unit.pk and own.status in selectors.PUBLISHED else None
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("print", None)
    running = ends is not None and today <= ends and every.filter(status=QuarterlyResult.Status.PUBLICITY).exists()
    context = {
        "period": period,
        "unit": unit,
        "ends": ends,
        "running": running,
        "shows_scores": period.assessment_year.publicity_shows_scores,
        "own": own,
        "sections": list(sections.values()),
        "grades": Grade.values,
        "chosen": chosen,
        "query": query.urlencode(),
        # The list as a register (平时考核结果公示表), to print and post, for whoever exports the unit's registers.
        "register_query": urlencode(
            {
                "unit-kind": "quarterly-publicity",
                "unit-year": period.assessment_year_id,
                "unit-quarter": period.quarter,
                "unit-unit": unit.code,
            }
        )
        if scope_for(request.user, Action.EXPORT).covers_unit(unit)
        else "",
    }
    if printing:
        return render(request, "assessment/quarter/publicity_print.html", {**context, "rows": list(shown)})
    return render(
        request,
        "assessment/quarter/publicity.html",
        {**context, "page": Paginator(shown, PUBLICITY_PAGE).get_page(request.GET.get("page"))},
    )
