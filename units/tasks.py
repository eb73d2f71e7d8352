from celery import shared_task

from units.selectors import region_census


@shared_task
def region_census_task(region_id: int) -> dict[str, int]:
    """Counts for the organisation department's dashboard; safe to run twice (it only reads)."""
    return region_census(region_id=region_id)
