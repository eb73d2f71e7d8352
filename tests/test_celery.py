"""A real round trip: a worker started by the test takes a task from Redis and the result comes back."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app
from tests import factories
from units.tasks import region_census_task


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_a_task_through_redis_and_returns_its_result(region):
    unit = factories.UnitFactory(region=region)
    factories.SectionFactory(unit=unit)
    for _ in range(3):
        factories.PersonFactory(unit=unit)

    app.conf.update(
        task_always_eager=False,
        broker_url=settings.REDIS_URL,
        result_backend=settings.REDIS_URL,
    )
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = region_census_task.delay(region.pk)
            assert result.get(timeout=20) == {"units": 1, "sections": 1, "people": 3}
            assert result.successful()
    finally:
        app.conf.update(task_always_eager=True, broker_url="memory://", result_backend="cache+memory://")


def test_without_a_broker_tasks_run_in_process(region):
    factories.PersonFactory(unit=factories.UnitFactory(region=region))
    assert region_census_task.delay(region.pk).get() == {"units": 1, "sections": 0, "people": 1}
