"""Celery tasks: they take ids, fetch fresh rows, call a service, and are safe to run twice."""

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext_noop

from assessment.models import QuarterlyResult
from assessment.quarter import reminders, services
from periods.models import Period
from units.models import Unit

# What the progress bar says once a task has succeeded, filled in from the dictionary it returns.
ALLOCATED = gettext_noop(
    "Allocated the places of %(units)s units (%(sections)s sections); %(unit_places)s places of 好 in all."
)
ROLLED_UP = gettext_noop(
    "Rolled up %(units)s units, %(people)s people: %(created)s new, %(updated)s updated, %(unchanged)s "
    "unchanged, %(sent_back)s sent back for a new decision."
)


@shared_task(bind=True)
def allocate_places_task(self, period_id: int, unit_id: int | None = None) -> dict:
    """Allocate a period's places for one unit or the whole region; reports progress per unit.

    Idempotent: the ledgers are recomputed from the results each time.
    """
    period = Period.objects.select_related("assessment_year").get(pk=period_id)
    unit_ids = QuarterlyResult.objects.filter(period=period).values("unit_id")
    units = Unit.objects.filter(pk__in=unit_ids)
    if unit_id is not None:
        units = units.filter(pk=unit_id)
    units = list(units.order_by("order", "pk"))
    sections = places = 0
    for done, unit in enumerate(units, start=1):
        rows = services.allocate(period=period, unit=unit)
        sections += len(rows) - 1
        places += next(row.places for row in rows if row.section_id is None)
        if not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"done": done, "total": len(units)})
    return {"units": len(units), "sections": sections, "unit_places": places}


@shared_task
def send_reminders_task() -> int:
    """Daily (Celery beat): remind whoever's step is due soon, and tell offices which sections are late."""
    return reminders.send_reminders(today=timezone.localdate())


@shared_task(bind=True)
def annual_rollup_task(self, assessment_year_id: int, by_id: int, unit_id: int | None = None) -> dict:
    """Roll a year up for one unit or the whole region, as ``by``; reports progress per unit.

    Idempotent and incremental: a second run finds every fingerprint unchanged and writes nothing.
    """
    from django.contrib.auth import get_user_model

    from assessment.year import services as annual_services
    from periods.models import AssessmentYear

    year = AssessmentYear.objects.select_related("region").get(pk=assessment_year_id)
    by = get_user_model().objects.get(pk=by_id)
    unit_ids = QuarterlyResult.objects.filter(period__assessment_year=year).values("unit_id")
    units = Unit.objects.filter(pk__in=unit_ids)
    if unit_id is not None:
        units = units.filter(pk=unit_id)
    units = list(units.order_by("order", "pk"))
    total = annual_services.Rollup()
    for done, unit in enumerate(units, start=1):
        total.add(annual_services.annual_rollup(assessment_year=year, unit=unit, by=by))
        if not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"done": done, "total": len(units)})
    return {
        "units": len(units),
        "people": total.people,
        "created": total.created,
        "updated": total.updated,
        "unchanged": total.unchanged,
        "sent_back": total.sent_back,
        "final_changed": len(total.final_changed),
    }


@shared_task(bind=True)
def register_export_task(self, export_id: int) -> dict:
    """Build a queued register export (a whole region's), reporting progress per unit. Idempotent: an
    export that is no longer queued is left as it is."""
    from assessment.registers.jobs import register_export_run

    def progress(done: int, total: int) -> None:
        if not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"done": done, "total": total})

    job = register_export_run(export_id=export_id, on_progress=progress)
    return {"status": job.status, "sheets": job.sheets, "size": job.size}


@shared_task
def purge_register_exports_task() -> int:
    """Daily (Celery beat): delete register exports kept past their day."""
    from assessment.registers.jobs import register_exports_purge

    return register_exports_purge()
