"""The quarter's Celery tasks: they take ids, fetch fresh rows, call a service, and are safe to run twice."""

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext_noop

from assessment.models import QuarterlyResult
from assessment.quarter import places, reminders
from periods.models import Period
from units.models import Unit

# What the progress bar says once the task has succeeded, filled in from the dictionary it returns.
ALLOCATED = gettext_noop(
    "Allocated the places of %(units)s units (%(sections)s sections); %(unit_places)s places of 好 in all."
)


@shared_task(bind=True)
def allocate_places_task(self, period_id: int, unit_id: int | None = None) -> dict:
    """Allocate a period's places for one unit or the whole region; reports progress per unit.

    Idempotent: the ledgers are recomputed from the results each time.
    """
    period = Period.objects.select_related("assessment_year").get(pk=period_id)
    if period.is_closed:
        # A closed quarter's ledgers are its record: a ratio changed later in the year must not rewrite them.
        return {"units": 0, "sections": 0, "unit_places": 0, "closed": True}
    unit_ids = QuarterlyResult.objects.filter(period=period).values("unit_id")
    units = Unit.objects.filter(pk__in=unit_ids)
    if unit_id is not None:
        units = units.filter(pk=unit_id)
    units = list(units.order_by("order", "pk"))
    sections = unit_places = 0
    for done, unit in enumerate(units, start=1):
        rows = places.allocate(period=period, unit=unit)
        sections += len(rows) - 1
        unit_places += next(row.places for row in rows if row.section_id is None)
        if not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"done": done, "total": len(units)})
    return {"units": len(units), "sections": sections, "unit_places": unit_places}


@shared_task
def send_reminders_task() -> int:
    """Daily (Celery beat): remind whoever's step is due soon, and tell offices which sections are late."""
    return reminders.send_reminders(today=timezone.localdate())
