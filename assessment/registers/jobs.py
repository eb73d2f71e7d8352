"""Region-wide registers built in the background: run (by the Celery task), keep for a while, purge.

A unit's register is small and downloads at once (see ``views``); a whole region's may take a while, so
asking for it (``services.register_export_request``) makes a ``RegisterExport`` row that a task fills in
here, reporting progress per unit. A PDF is the workbook converted by LibreOffice (``pdf``) once every
unit is written.
"""

from __future__ import annotations

import datetime
import logging
import tempfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import RegisterExport
from assessment.registers import pdf
from assessment.registers.export import Request, export_register
from common.refusals import refusal_messages

logger = logging.getLogger(__name__)


def register_export_run(*, export_id: int, on_progress=None) -> RegisterExport:
    """Build the file of one queued export as its requester may see it. Safe to run twice: an export
    that is no longer queued is left as it is (a redelivered task changes nothing)."""
    claimed = RegisterExport.objects.filter(pk=export_id, status=RegisterExport.Status.QUEUED).update(
        status=RegisterExport.Status.RUNNING
    )
    job = RegisterExport.objects.select_related("assessment_year__region", "unit", "requested_by").get(pk=export_id)
    if not claimed:
        return job
    request = Request(
        kind=job.kind, assessment_year=job.assessment_year, quarter=job.quarter, unit=job.unit, format=job.format
    )

    def progress(done: int, total: int) -> None:
        RegisterExport.objects.filter(pk=job.pk).update(done=done, total=total)
        if on_progress is not None:
            on_progress(done, total)

    try:
        if request.format == "pdf":
            pdf.check_available()  # before the workbook is built for nothing
        with tempfile.TemporaryFile() as out:
            exported = export_register(request=request, by=job.requested_by, out=out, progress=progress)
            job.refresh_from_db(fields=["done", "total"])
            if request.format == "pdf":
                with tempfile.TemporaryFile() as converted:
                    pdf.workbook_file_to_pdf(out, converted)
                    converted.seek(0)
                    job.file.save(f"{job.kind}.pdf", File(converted), save=False)
            else:
                out.seek(0)
                job.file.save(f"{job.kind}.xlsx", File(out), save=False)
            job.size = job.file.size
    except (PermissionError, ValidationError) as exc:
        job.status = RegisterExport.Status.FAILED
        job.error = " ".join(refusal_messages(exc))[:500]
    except pdf.PdfUnavailable as exc:
        job.status = RegisterExport.Status.FAILED
        job.error = str(exc)[:500]
    except Exception:
        logger.exception("register export %s failed", job.pk)
        job.status = RegisterExport.Status.FAILED
        job.error = _("The export failed; the error was logged. Try again or tell the administrator.")
    else:
        job.status = RegisterExport.Status.DONE
        job.sheets = exported.sheets
        job.expires_at = timezone.now() + datetime.timedelta(days=settings.REGISTER_KEEP_DAYS)
    job.finished_at = timezone.now()
    job.save()
    return job


def register_exports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the exports kept past their day, files included, and those that never finished (failed, or
    left running by a worker that died) once as old; returns how many went."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(days=settings.REGISTER_KEEP_DAYS)
    expired = list(
        RegisterExport.objects.filter(Q(expires_at__lt=now) | Q(expires_at__isnull=True, requested_at__lt=stale))
    )
    for job in expired:
        if job.file:
            job.file.delete(save=False)
        job.delete()
    return len(expired)
