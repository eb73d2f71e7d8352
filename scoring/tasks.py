"""Scoring's Celery tasks: they take ids, fetch fresh rows, call a service, and are safe to run twice."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_noop

from common.imports import stored_import_run
from periods.models import Period
from scoring.monthly import monthly_import

# What the progress bar says once the file is saved, filled in from the dictionary the task returns (the page's
# own message for a file imported within the request).
MONTHLY_IMPORTED = gettext_noop("Imported %(rows)s rows: %(created)s new, %(replaced)s replaced.")


@shared_task(bind=True)
def monthly_import_task(self, stored: str, file_name: str, by_id: int, period_id: int) -> dict:
    """Import a monthly performance file kept by the page (a large one), all or nothing, as ``by``."""

    def run(content: bytes) -> dict:
        period = Period.objects.select_related("assessment_year").get(pk=period_id)
        batch = monthly_import(
            content=content, file_name=file_name, period=period, by=get_user_model().objects.get(pk=by_id)
        )
        return {"rows": batch.rows, "created": batch.created, "replaced": batch.replaced}

    return stored_import_run(self, stored, run)
