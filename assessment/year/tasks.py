"""The year's Celery tasks: they take ids, fetch fresh rows, call a service, and are safe to run twice."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_noop

from assessment.models import QuarterlyResult
from assessment.year import services
from periods.models import AssessmentYear
from units.models import Unit

# What the progress bar says once the task has succeeded, filled in from the dictionary it returns.
ROLLED_UP = gettext_noop(
    "Rolled up %(units)s units, %(people)s people: %(created)s new, %(updated)s updated, %(unchanged)s "
    "unchanged, %(sent_back)s sent back for a new decision."
)


@shared_task(bind=True)
def annual_rollup_task(self, assessment_year_id: int, by_id: int, unit_id: int | None = None) -> dict:
    """Roll a year up for one unit or the whole region, as ``by``; reports progress per unit.

    Idempotent and incremental: a second run finds every fingerprint unchanged and writes nothing.
    """
    year = AssessmentYear.objects.select_related("region").get(pk=assessment_year_id)
    by = get_user_model().objects.get(pk=by_id)
    unit_ids = QuarterlyResult.objects.filter(period__assessment_year=year).values("unit_id")
    units = Unit.objects.filter(pk__in=unit_ids)
    if unit_id is not None:
        units = units.filter(pk=unit_id)
    units = list(units.order_by("order", "pk"))
    total = services.Rollup()
    for done, unit in enumerate(units, start=1):
        total.add(services.annual_rollup(assessment_year=year, unit=unit, by=by))
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
