"""The year's Celery tasks: they take ids, fetch fresh rows, call a service, and are safe to run twice."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_noop

from assessment.models import QuarterlyResult
from assessment.year import services
from assessment.year.history import history_import
from assessment.year.inputs import annual_inputs_import
from common.imports import stored_import_run
from periods.models import AssessmentYear
from units.models import Region, Unit

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


INPUTS_IMPORTED = gettext_noop("Imported %(rows)s rows: %(created)s new, %(updated)s changed, %(sanctions)s sanctions.")
HISTORY_IMPORTED = gettext_noop(
    "Imported %(annual)s annual and %(quarterly)s quarterly grades: %(created)s new, %(updated)s changed, "
    "%(unchanged)s already there."
)


@shared_task(bind=True)
def annual_inputs_import_task(self, stored: str, file_name: str, by_id: int, assessment_year_id: int) -> dict:
    """Import an annual inputs file kept by the page (a large one), all or nothing, as ``by``."""

    def run(content: bytes) -> dict:
        year = AssessmentYear.objects.select_related("region").get(pk=assessment_year_id)
        by = get_user_model().objects.get(pk=by_id)
        return dict(annual_inputs_import(content=content, file_name=file_name, assessment_year=year, by=by))

    return stored_import_run(self, stored, run)


@shared_task(bind=True)
def history_import_task(self, stored: str, file_name: str, by_id: int, region_id: int) -> dict:
    """Import a file of earlier grades kept by the page (a large one), all or nothing, as ``by``."""

    def run(content: bytes) -> dict:
        region = Region.objects.get(pk=region_id)
        by = get_user_model().objects.get(pk=by_id)
        done = history_import(content=content, file_name=file_name, region=region, by=by)
        return {
            "annual": done.annual,
            "quarterly": done.quarterly,
            "created": done.created,
            "updated": done.updated,
            "unchanged": done.unchanged,
        }

    return stored_import_run(self, stored, run)
