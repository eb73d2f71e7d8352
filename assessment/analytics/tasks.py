"""The fairness analytics' Celery tasks: the year's report computed ahead of the first reader once a quarter
closes, so the page reads it from the cache. Safe to run twice: a report already cached for the year's last
close is left alone."""

from celery import shared_task
from django.core.cache import cache
from django.db.models import Count, Q

from assessment.analytics import selectors
from periods.models import AssessmentYear, Period


@shared_task
def fairness_refresh_task(assessment_year_id: int) -> bool:
    """Compute and cache one year's report unless the cache holds it for the year's last close; True when it
    computed."""
    year = AssessmentYear.objects.select_related("region").get(pk=assessment_year_id)
    if cache.get(selectors.cache_key(year)) is not None:
        return False
    selectors.fairness_report(assessment_year=year, fresh=True)
    return True


@shared_task
def fairness_refresh_closed_task() -> int:
    """Every year with a closed quarter whose report is not cached for its last close (the beat runs this a few
    minutes after a quarter closes); returns how many were computed."""
    years = AssessmentYear.objects.annotate(
        closed=Count("periods", filter=Q(periods__status=Period.Status.CLOSED))
    ).filter(closed__gt=0)
    return sum(fairness_refresh_task(pk) for pk in years.order_by("pk").values_list("pk", flat=True))
