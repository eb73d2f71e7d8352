"""The registers' acts: asking for a whole region's register, which a Celery task then builds (``jobs``)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from assessment.models import RegisterExport
from assessment.registers.export import Request, validate
from assessment.registers.selectors import may_export_region
from assessment.registers.tasks import register_export_task
from audit.services import record
from common.refusals import log_refusal
from units.permissions import Action, scope_for


@transaction.atomic
def register_export_request(*, request: Request, by) -> RegisterExport:
    """Queue the export of ``request`` for ``by``; the task starts once this transaction commits."""
    if request.unit is None and not may_export_region(by, request.assessment_year.region_id):
        log_refusal(by, "register_export_request", f"kind={request.kind} region={request.assessment_year.region_id}")
        raise PermissionError(_("Only the organisation department exports the registers of a whole region."))
    if request.unit is not None and not scope_for(by, Action.EXPORT).covers_unit(request.unit):
        log_refusal(by, "register_export_request", f"kind={request.kind} unit={request.unit.pk}")
        raise PermissionError(_("You may not export the registers of %(unit)s.") % {"unit": request.unit})
    validate(request)
    job = RegisterExport.objects.create(
        kind=request.kind,
        assessment_year=request.assessment_year,
        quarter=request.quarter,
        unit=request.unit,
        requested_by=by,
        file_name=request.file_name(),
    )
    record(
        action="register_export",
        by=by,
        obj=job,
        unit=request.unit,
        assessment_year=request.assessment_year,
        region=request.assessment_year.region_id if request.unit is None else None,
        changes={"kind": [None, job.kind], "quarter": [None, job.quarter], "file_name": [None, job.file_name]},
    )
    register_export_task.delay_on_commit(job.pk)
    return job
