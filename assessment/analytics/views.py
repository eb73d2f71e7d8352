"""The fairness analytics' pages: the year's report for the organisation department (its region) and the office
(its units), the rows behind each figure (a section's quarters, a reviewer's sheets, a unit's measures), the
export and, for the organisation department, the rating's weights and adopting a suggested ratio."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.analytics import export, selectors, services
from assessment.models import Performance
from common.params import as_pk
from common.refusals import not_found, refusal_messages
from periods.models import AssessmentYear
from units.permissions import Action, scope_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request, year_pk: int, what: str):
    """The year and the units of it the user reads analytics for; 404, logged, for anybody else."""
    year = AssessmentYear.objects.select_related("region").filter(pk=year_pk).first()
    units = selectors.analytics_units_for(user=request.user, assessment_year=year) if year else None
    if not units:
        raise not_found(request, what, f"year={year_pk}")
    return year, units


def _report(year, units):
    report = selectors.fairness_report(assessment_year=year)
    keep = {u.pk for u in units}
    return report if keep >= {u.pk for u in report.units} else report.for_units(units)


@login_required
def index(request):
    """The newest year with a closed quarter, of the regions the user reads analytics for."""
    years = selectors.analytics_years_for(user=request.user)
    if years:
        return redirect("analytics:year", year_pk=selectors.default_year(years).pk)
    if scope_for(request.user, Action.CONFIRM).is_empty and scope_for(request.user, Action.RUN_PERIOD).is_empty:
        raise not_found(request, "analytics", "")
    return render(request, "assessment/analytics/year.html", {"report": None, "years": []})


def _charts(report: selectors.FairnessReport) -> dict:
    """What analytics.js draws: plain lists, labels already translated."""
    judged = [r for r in report.reviewers if r.leniency is not None]
    rated = [r for r in report.running if r.rating is not None]
    return {
        "leniency": {
            "names": [f"{r.name}（{r.unit.name}）" for r in judged],
            "values": [str(r.leniency) for r in judged],
            "label": _("leniency (points)"),
        },
        "ratings": {
            "names": [r.unit.name for r in rated],
            "values": [str(r.rating.score) for r in rated],
            "label": _("rating"),
        },
    }


@login_required
def year(request, year_pk: int):
    year, units = _year(request, year_pk, "analytics")
    report = _report(year, units)
    org = scope_for(request.user, Action.SET_RATIOS).covers_region(year.region_id)
    return render(
        request,
        "assessment/analytics/year.html",
        {
            "year": year,
            "report": report,
            "years": selectors.analytics_years_for(user=request.user),
            "charts": _charts(report),
            "org": org,
            "measure_labels": [(name, selectors.MEASURE_LABELS[name]) for name in selectors.MEASURES],
            "weight_lines": [
                (name, label, year.rating_weights.get(name, "0")) for name, label in selectors.MEASURE_LABELS.items()
            ],
            "next_year": AssessmentYear.objects.filter(region_id=year.region_id, year=year.year + 1).first()
            if org
            else None,
            "performances": Performance.choices,
            "printing": request.GET.get("print") == "1",
            "band": (export.percent(year.excellent_ratio_min), export.percent(year.excellent_ratio_max)),
            "inversion_percent": export.percent(year.rotation_min_inversion),
        },
    )


@login_required
def section(request, year_pk: int, section_pk: int):
    """A section's quarters: its people by total, who was graded 好, and the inverted pairs."""
    year, units = _year(request, year_pk, "analytics_section")
    report = _report(year, units)
    found = next((s for s in report.sections if s.section_id == section_pk), None)
    if found is None:
        raise not_found(request, "analytics_section", f"section={section_pk}")
    return render(request, "assessment/analytics/section.html", {"year": year, "section": found, "report": report})


@login_required
def reviewer(request, year_pk: int, code: str, user_pk: int):
    """The sheets a reviewer scored in a unit: their common points and final grades, beside the unit's."""
    year, units = _year(request, year_pk, "analytics_reviewer")
    report = _report(year, units)
    found = next((r for r in report.reviewers if r.user_id == user_pk and r.unit.code == code), None)
    if found is None:
        raise not_found(request, "analytics_reviewer", f"unit={code} user={user_pk}")
    sheets = selectors.reviewer_sheets(assessment_year=year, unit=found.unit, user_id=user_pk)
    return render(
        request,
        "assessment/analytics/reviewer.html",
        {"year": year, "reviewer": found, "sheets": sheets, "report": report},
    )


@login_required
def unit(request, year_pk: int, code: str):
    """How a unit ran its assessment: each measure with the rows behind it."""
    year, units = _year(request, year_pk, "analytics_unit")
    report = _report(year, units)
    running = next((r for r in report.running if r.unit.code == code), None)
    if running is None:
        raise not_found(request, "analytics_unit", f"unit={code}")
    org = scope_for(request.user, Action.SET_RATIOS).covers_region(year.region_id)
    return render(
        request,
        "assessment/analytics/unit.html",
        {
            "year": year,
            "report": report,
            "running": running,
            "behind": selectors.unit_rows_behind(assessment_year=year, unit=running.unit),
            "sections": [s for s in report.sections if s.unit.pk == running.unit.pk],
            "reviewers": [r for r in report.reviewers if r.unit.pk == running.unit.pk],
            "silence": next((s for s in report.silence if s.unit.pk == running.unit.pk), None),
            "org": org,
            "next_year": AssessmentYear.objects.filter(region_id=year.region_id, year=year.year + 1).first()
            if org
            else None,
            "performances": Performance.choices,
            "current_performance": selectors.next_year_performance(assessment_year=year, unit=running.unit),
            "suggested_percent": export.percent(running.suggested) if running.suggested is not None else None,
            "measure_rows": [
                (name, selectors.MEASURE_LABELS[name], percent, counts, year.rating_weights.get(name, "0"))
                for name, percent, counts in running.lines
            ],
        },
    )


@login_required
def download(request, year_pk: int):
    """The year's analyses as a workbook laid out for a report, one sheet per analysis."""
    year, units = _year(request, year_pk, "analytics_export")
    content = export.report_workbook(_report(year, units))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="fairness-{year.region.code}-{year.year}.xlsx"'
    return response


@login_required
@require_POST
def weights(request, year_pk: int):
    year, _units = _year(request, year_pk, "analytics_weights")
    posted = {name: request.POST[f"weight-{name}"] for name in selectors.MEASURES if f"weight-{name}" in request.POST}
    try:
        services.rating_weights_set(assessment_year=year, weights=posted, by=request.user)
    except (ValidationError, PermissionError) as exc:
        for problem in refusal_messages(exc):
            messages.error(request, problem)
    else:
        messages.success(request, _("The weights of the unit rating are saved."))
    return redirect("analytics:year", year_pk=year.pk)


@login_required
@require_POST
def adopt(request, year_pk: int, code: str):
    year, units = _year(request, year_pk, "analytics_adopt")
    unit = next((u for u in units if u.code == code), None)
    if unit is None:
        raise not_found(request, "analytics_adopt", f"unit={code}")
    performance = request.POST.get("performance", "")
    try:
        setting = services.suggested_ratio_adopt(
            unit=unit, assessment_year=year, performance=performance, by=request.user
        )
    except (ValidationError, PermissionError) as exc:
        for problem in refusal_messages(exc):
            messages.error(request, problem)
    else:
        messages.success(
            request,
            _("%(unit)s's ratio of 优秀 for %(year)s is now %(percent)s%%.")
            % {"unit": unit.name, "year": setting.assessment_year.year, "percent": export.percent(setting.ratio)},
        )
    back = as_pk(request.POST.get("back_to_year"))
    return redirect("analytics:year", year_pk=year.pk) if back else redirect("analytics:unit", year.pk, unit.code)
