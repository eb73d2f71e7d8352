from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.imports import import_start, in_background
from common.listing import Filter, listing
from common.params import is_number
from common.progress import shown_task
from common.refusals import log_refusal, not_found
from common.workbooks import run_import
from periods.selectors import periods_visible_to
from scoring import selectors, services
from scoring.models import IndicatorItem
from scoring.monthly import monthly_import, monthly_template
from scoring.tasks import MONTHLY_IMPORTED, monthly_import_task
from units.models import Section
from units.permissions import Action, scope_for
from units.selectors import units_visible_to


def _period(request, period_pk: int):
    period = periods_visible_to(user=request.user).filter(pk=period_pk).first()
    if period is None:
        raise not_found(request, "period", f"period={period_pk}")
    return period


def _unit(request, code: str, action: Action = Action.VIEW):
    unit = units_visible_to(user=request.user, action=action).filter(code=code).first()
    if unit is None:
        raise not_found(request, "unit", f"unit={code} action={action}")
    return unit


@login_required
def period_list(request):
    periods = periods_visible_to(user=request.user).order_by("-assessment_year__year", "-quarter")
    units = units_visible_to(user=request.user).order_by("order", "code")
    ratios = scope_for(request.user, Action.SET_RATIOS)  # who sets the ratios recomputes the region's places
    allocates = {p.pk for p in periods if ratios.covers_region(p.assessment_year.region_id)}
    imports_in = set(
        units_visible_to(user=request.user, action=Action.IMPORT_MONTHLY).values_list("region_id", flat=True)
    )
    return render(
        request,
        "scoring/period_list.html",
        {
            "periods": periods,
            "units": units,
            "allocates": allocates,
            "imports_in": imports_in,
            "task": shown_task(request),
        },
    )


@login_required
def unit_sheets(request, period_pk: int, code: str):
    """A unit's score sheets as a list: searched by name or ID tail, filtered by section, eligible grade and
    completeness, sorted by name, section or total, 50 a page; with the way to each section's grid."""
    period = _period(request, period_pk)
    unit = _unit(request, code)
    sheets = selectors.sheets_visible_to(user=request.user, period=period, unit=unit)
    sections = list(Section.objects.filter(pk__in=sheets.values("section_id")).order_by("order", "pk"))
    found = listing(
        request,
        sheets,
        filters=(
            Filter(
                "section",
                "section_id",
                _("section"),
                [(str(s.pk), s.name) for s in sections] + [("none", _("outside the sections"))],
            ),
            Filter("grade", "eligible_grade", _("eligible grade"), [(g, g) for g in ("好", "较好", "一般", "较差")]),
            Filter("complete", "is_complete", _("sheet status"), [("True", _("complete")), ("False", _("incomplete"))]),
        ),
        sorts={"name": ("person__name",), "section": ("section__order",), "total": ("-total",)},
        default_sort=("section__order", "section_id", "person__post_order", "person_id"),
    )
    return render(
        request,
        "scoring/unit_sheets.html",
        {"period": period, "unit": unit, "sheets": found.rows, "sections": sections, "listing": found},
    )


@login_required
def sheet_detail(request, pk: int):
    sheet = selectors.sheet_detail_for(user=request.user, pk=pk)
    if sheet is None:
        raise not_found(request, "sheet_detail", f"sheet={pk}")
    items = selectors.sheet_items(sheet)
    entered = {e.item_id: e for e in sheet.entries.all()}
    can_enter = (
        scope_for(request.user, Action.ENTER_SCORES).covers_place(unit=sheet.unit, section=sheet.section)
        and sheet.person.user_id != request.user.pk
        and not sheet.period.is_closed
    )
    errors: dict[str, list[str]] = {}
    posted: dict[str, str] = {}
    if request.method == "POST":
        if not can_enter:
            log_refusal(request.user, "sheet_enter", f"sheet={pk}")
            return HttpResponse(_("Your roles do not allow this action."), status=403)
        posted = {key.removeprefix("item-"): value for key, value in request.POST.items() if key.startswith("item-")}
        try:
            expected = int(request.POST.get("version", ""))
        except ValueError:
            expected = -1
        try:
            services.sheet_enter(
                sheet=sheet,
                values={int(k): v for k, v in posted.items() if is_number(k)},
                by=request.user,
                expected_version=expected,
                reason=request.POST.get("reason", "")[:200],
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            messages.error(request, _("Nothing was saved; please correct the marked entries."))
        else:
            messages.success(request, _("Saved."))
            return redirect("scoring:sheet_detail", pk=sheet.pk)
    rows = [
        {
            "item": item,
            "entry": entered.get(item.pk),
            "value": posted.get(str(item.pk), entered[item.pk].points if item.pk in entered else ""),
            "errors": errors.get(str(item.pk), []),
            "entered": item.kind in IndicatorItem.ENTERED,
        }
        for item in items
    ]
    return render(
        request,
        "scoring/sheet_detail.html",
        {"sheet": sheet, "rows": rows, "can_enter": can_enter, "form_errors": errors.get("__all__", [])},
    )


class MonthlyUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Monthly performance file (.xlsx)"))


@login_required
def monthly(request, period_pk: int):
    period = _period(request, period_pk)
    if scope_for(request.user, Action.IMPORT_MONTHLY).is_empty:
        raise not_found(request, "monthly", f"period={period_pk}")
    units = units_visible_to(user=request.user, action=Action.IMPORT_MONTHLY).order_by("order", "code")
    errors = []
    form = MonthlyUploadForm()
    if request.method == "POST":
        form = MonthlyUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if in_background(upload):
                label = _("Import of %(file)s") % {"file": upload.name}
                task = import_start(
                    request, upload, monthly_import_task, period.pk, label=label, outcome=MONTHLY_IMPORTED
                )
                return redirect(f"{reverse('scoring:monthly', args=[period.pk])}?task={task}")
            batch, errors = run_import(
                upload,
                lambda content: monthly_import(content=content, file_name=upload.name, period=period, by=request.user),
            )
            if batch is not None:
                messages.success(
                    request,
                    _("Imported %(rows)s rows: %(created)s new, %(replaced)s replaced.")
                    % {"rows": batch.rows, "created": batch.created, "replaced": batch.replaced},
                )
                return redirect("scoring:monthly", period_pk=period.pk)
    imports = selectors.monthly_imports_visible_to(user=request.user, period=period).order_by("-imported_at")[:20]
    return render(
        request,
        "scoring/monthly.html",
        {
            "period": period,
            "form": form,
            "errors": errors,
            "imports": imports,
            "units": units,
            "task": shown_task(request),
        },
    )


@login_required
def monthly_template_download(request, period_pk: int):
    period = _period(request, period_pk)
    if scope_for(request.user, Action.IMPORT_MONTHLY).is_empty:
        raise not_found(request, "monthly_template", f"period={period_pk}")
    try:
        month = int(request.GET.get("month", period.months[0]))
    except ValueError:
        month = -1
    if month not in period.months:
        raise Http404(_("That month is not in the period."))
    unit = None
    if request.GET.get("unit"):
        unit = _unit(request, request.GET["unit"], Action.IMPORT_MONTHLY)
    content = monthly_template(period=period, month=month, by=request.user, unit=unit)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"monthly-{period.year}-{month:02d}{'-' + unit.code if unit else ''}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
