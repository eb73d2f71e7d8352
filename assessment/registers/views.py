"""The register download centre: a unit's registers download at once; a whole region's are built in the
background with a progress bar, then kept for download. Thin: validate, call one service, render."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessment.models import RegisterExport
from assessment.registers import pdf
from assessment.registers.export import export_register
from assessment.registers.forms import RegisterForm, UnitRegisterForm
from assessment.registers.selectors import export_years, exports_of, may_export, may_export_region
from assessment.registers.services import register_export_request
from common.refusals import not_found
from units.permissions import Action, scope_for

CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def _refuse_without_export(request) -> None:
    if scope_for(request.user, Action.EXPORT).is_empty:
        raise not_found(request, "registers", "no export scope")


def _attachment(response, name: str):
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def centre(request):
    """Choose a register; a unit's downloads at once, a region's is queued (organisation department)."""
    _refuse_without_export(request)
    unit_form = UnitRegisterForm(user=request.user, prefix="unit")
    region_form = RegisterForm(user=request.user, prefix="region")
    regions = {year.region_id for year in export_years(user=request.user)}
    can_region = any(may_export_region(request.user, region) for region in regions)
    exports = exports_of(user=request.user)[:20]
    return render(
        request,
        "assessment/registers/centre.html",
        {"unit_form": unit_form, "region_form": region_form, "can_region": can_region, "exports": exports},
    )


@login_required
def download(request):
    """One unit's register, built and sent at once: the workbook, or its PDF made by LibreOffice."""
    _refuse_without_export(request)
    form = UnitRegisterForm(request.GET, user=request.user, prefix="unit")
    if not form.is_valid():
        if "unit-unit" in form.errors or "unit" in form.errors:
            raise not_found(request, "register_download", f"unit={request.GET.get('unit-unit')}")
        return _form_errors(request, form)
    wanted = form.request(unit=form.cleaned_data["unit"])
    out = io.BytesIO()
    try:
        export_register(request=wanted, by=request.user, out=out)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registers:centre")
    except PermissionError:
        raise not_found(request, "register_download", f"unit={wanted.unit.pk}") from None
    content = out.getvalue()
    if wanted.format == "pdf":
        try:
            content = pdf.workbook_to_pdf(content)
        except pdf.PdfUnavailable as exc:
            messages.error(request, str(exc))
            return redirect("registers:centre")
    return _attachment(HttpResponse(content, content_type=CONTENT_TYPES[wanted.format]), wanted.file_name())


def _form_errors(request, form):
    for field, problems in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for problem in problems:
            messages.error(request, f"{label}：{problem}" if label else problem)
    return redirect("registers:centre")


@login_required
@require_POST
def start(request):
    """Queue a whole region's register for the organisation department."""
    _refuse_without_export(request)
    form = RegisterForm(request.POST, user=request.user, prefix="region")
    if not form.is_valid():
        return _form_errors(request, form)
    try:
        job = register_export_request(request=form.request(), by=request.user)
    except PermissionError as exc:
        return HttpResponse(str(exc), status=403)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registers:centre")
    return redirect("registers:export", pk=job.pk)


def _own_export(request, pk: int) -> RegisterExport:
    job = exports_of(user=request.user).filter(pk=pk).first()
    if job is None:
        raise not_found(request, "register_export", f"export={pk}")
    return job


@login_required
def export(request, pk: int):
    """An export's progress; the page (or its htmx fragment) refreshes itself until the file is ready."""
    job = _own_export(request, pk)
    template = "assessment/registers/export_status.html" if request.headers.get("HX-Request") else None
    return render(request, template or "assessment/registers/export.html", {"job": job})


@login_required
def export_file(request, pk: int):
    job = _own_export(request, pk)
    if job.status != RegisterExport.Status.DONE or not job.file or (job.expires_at and job.expires_at < timezone.now()):
        raise not_found(request, "register_export_file", f"export={pk} status={job.status}")
    # The roles are checked again: someone who lost them since the export does not take the file away.
    if not may_export(request.user, job):
        raise not_found(request, "register_export_file", f"export={pk} no longer in scope")
    return _attachment(FileResponse(job.file.open("rb"), content_type=CONTENT_TYPES[job.format]), job.file_name)
