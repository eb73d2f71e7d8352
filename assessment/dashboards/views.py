"""The dashboards. The office's is the unit's quarter board (``assessment.quarter.views.chain.board``);
here is only its way in. The organisation department's covers its region: per unit the quarter's grades
and deadline, the region's grades quarter by quarter, and the histogram of the quarter's scores, drawn with
ECharts from the figures the page also shows as tables; every figure comes from
``selectors.region_dashboard``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessment.dashboards import selectors
from assessment.quarter import services
from common.refusals import not_found
from periods.selectors import periods_visible_to
from units.permissions import Action, scope_for
from units.selectors import units_visible_to


@login_required
def office(request):
    """The office's way in: the dashboard (the board) of its unit's current quarter. An office of several
    units, or before any period has begun, chooses on the list of periods and units."""
    units = list(units_visible_to(user=request.user, action=Action.RUN_PERIOD)[:2])
    if not units:
        raise not_found(request, "office_dashboard", "")
    if len(units) == 1:
        unit = units[0]
        periods = list(periods_visible_to(user=request.user).filter(assessment_year__region_id=unit.region_id))
        period = selectors.default_dashboard_period(periods)
        if period is not None and period.status != period.Status.DRAFT:
            return redirect("quarter:board", period_pk=period.pk, code=unit.code)
    return redirect("scoring:period_list")


def _bin_width(raw: str | None) -> int:
    """The histogram's bin width from the query string; the default for anything else than a whole number
    of points within the bounds."""
    try:
        width = int(raw or selectors.DEFAULT_BIN_WIDTH)
    except ValueError:
        return selectors.DEFAULT_BIN_WIDTH
    return width if 1 <= width <= selectors.MAX_BIN_WIDTH else selectors.DEFAULT_BIN_WIDTH


def _charts(dashboard: selectors.RegionDashboard) -> dict:
    """What region_dashboard.js draws: plain lists, labels already translated."""
    grades = list(dashboard.grades)
    return {
        "grades": grades,
        "undecidedLabel": _("not decided yet"),
        "units": {
            "names": [row.unit.name for row in dashboard.units],
            "series": {g: [row.grades[g] for row in dashboard.units] for g in grades},
            "undecided": [row.undecided for row in dashboard.units],
        },
        "quarters": {
            "names": [_("Q%(quarter)s") % {"quarter": q} for q in dashboard.quarters],
            "series": {g: [dashboard.quarters[q][g] for q in dashboard.quarters] for g in grades},
        },
        "bins": {
            "names": [f"{b.low}–{b.high}" for b in dashboard.bins],
            "people": [b.people for b in dashboard.bins],
            "axis": _("total score"),
            "label": _("people"),
        },
    }


@login_required
def region(request):
    """The organisation department's dashboard; ``?period=`` picks the quarter, ``?bin=`` the width of the
    histogram's bins in points."""
    if scope_for(request.user, Action.CONFIRM).is_empty:
        raise not_found(request, "region_dashboard", "")
    periods = selectors.dashboard_periods_for(user=request.user)
    chosen = request.GET.get("period")
    if chosen:
        period = next((p for p in periods if str(p.pk) == chosen), None)
        if period is None:
            raise not_found(request, "region_dashboard", f"period={chosen}")
    else:
        period = selectors.default_dashboard_period(periods)
    dashboard = None
    if period is not None:
        dashboard = selectors.region_dashboard(
            user=request.user, period=period, today=services.today(), bin_width=_bin_width(request.GET.get("bin"))
        )
    return render(
        request,
        "assessment/dashboards/region.html",
        {
            "periods": periods,
            "period": period,
            "dashboard": dashboard,
            "charts": _charts(dashboard) if dashboard else None,
            "today": services.today(),
            "many_regions": len({p.assessment_year.region_id for p in periods}) > 1,
            # A bar per unit, each tall enough to read its name.
            "units_chart_height": max(260, 80 + 26 * len(dashboard.units)) if dashboard else 0,
        },
    )
