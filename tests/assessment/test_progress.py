"""Long work shows a progress bar and its outcome: the annual roll-up and the allocation of places run as
Celery tasks started from a page; only the session that started one may watch it."""

import re
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from assessment.models import QuotaLedger
from config.celery import app
from tests.assessment.year.test_views import year  # noqa: F401

TASK = re.compile(r"\?task=([0-9a-f-]{36})$")


def _started(response) -> str:
    assert response.status_code == 302
    found = TASK.search(response["Location"])
    assert found, response["Location"]
    return found.group(1)


def test_the_roll_up_shows_its_outcome_to_whoever_started_it_and_to_nobody_else(
    year,  # noqa: F811
    unit,
    cast,
    client,
    django_capture_on_commit_callbacks,
):
    client.force_login(cast["office"])
    with django_capture_on_commit_callbacks(execute=True):
        task = _started(client.post(reverse("annual:unit_rollup", args=[year.pk, unit.code])))
    page = client.get(reverse("annual:unit_results", args=[year.pk, unit.code]), {"task": task}).content.decode()
    assert f'id="task-{task}"' in page
    assert 'aria-valuenow="100"' in page
    assert AsyncResult(task).result["people"] == 10
    fragment = client.get(reverse("task_progress", args=[task]))
    assert fragment.status_code == 200
    assert "hx-trigger" not in fragment.content.decode()  # finished: it stops polling

    # Another officer of the same unit, in another session, learns nothing of it.
    other = Client()
    other.force_login(cast["outsider"])
    assert other.get(reverse("task_progress", args=[task])).status_code == 404
    colleague = Client()
    colleague.force_login(cast["office"])
    assert colleague.get(reverse("task_progress", args=[task])).status_code == 404


def test_the_office_recomputes_its_places_and_the_ledger_is_written(
    quarter, unit, cast, client, django_capture_on_commit_callbacks
):
    client.force_login(cast["office"])
    with django_capture_on_commit_callbacks(execute=True):
        task = _started(client.post(reverse("quarter:allocate", args=[quarter.pk, unit.code])))
    assert QuotaLedger.objects.filter(period=quarter, unit=unit, section=None).exists()
    board = client.get(reverse("quarter:board", args=[quarter.pk, unit.code]), {"task": task}).content.decode()
    assert 'aria-valuenow="100"' in board


def test_only_the_unit_office_recomputes_its_places(quarter, unit, cast, client):
    for who, status in (("outsider", 404), ("leader", 403), ("head", 403)):
        client.force_login(cast[who])
        assert client.post(reverse("quarter:allocate", args=[quarter.pk, unit.code])).status_code == status, who
    assert not QuotaLedger.objects.filter(period=quarter).exists()


def test_the_organisation_department_recomputes_the_region_and_others_cannot(
    quarter, unit, cast, client, django_capture_on_commit_callbacks
):
    for who in ("office", "outsider", "leader"):
        client.force_login(cast[who])
        assert client.post(reverse("quarter:allocate_region", args=[quarter.pk])).status_code == 404, who
        assert "quarter:allocate_region" not in client.get(reverse("scoring:period_list")).content.decode()
    assert not QuotaLedger.objects.filter(period=quarter).exists()
    client.force_login(cast["org"])
    assert (
        reverse("quarter:allocate_region", args=[quarter.pk])
        in client.get(reverse("scoring:period_list")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        task = _started(client.post(reverse("quarter:allocate_region", args=[quarter.pk])))
    assert QuotaLedger.objects.filter(period=quarter, unit=unit, section=None).exists()
    page = client.get(reverse("scoring:period_list"), {"task": task}).content.decode()
    assert 'aria-valuenow="100"' in page


def test_a_task_that_fails_says_why_and_the_page_still_answers(
    quarter, unit, cast, client, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError("名额比例未设置")

    monkeypatch.setattr("assessment.quarter.places.allocate", refuse)
    client.force_login(cast["office"])
    with django_capture_on_commit_callbacks(execute=True):
        task = _started(client.post(reverse("quarter:allocate", args=[quarter.pk, unit.code])))
    fragment = client.get(reverse("task_progress", args=[task])).content.decode()
    assert "名额比例未设置" in fragment
    assert "bg-danger" in fragment


def test_an_unknown_or_malformed_task_id_is_not_found(cast, client):
    client.force_login(cast["office"])
    assert client.get("/tasks/00000000-0000-4000-8000-000000000000/").status_code == 404
    assert client.get("/tasks/not-a-uuid/").status_code == 404


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_reports_progress_through_redis_until_the_bar_is_full(quarter, unit, cast, client):
    client.force_login(cast["org"])
    app.conf.update(task_always_eager=False, broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            task = _started(client.post(reverse("quarter:allocate_region", args=[quarter.pk])))
            deadline = time.monotonic() + 30
            while "hx-trigger" in (fragment := client.get(reverse("task_progress", args=[task])).content.decode()):
                assert time.monotonic() < deadline, fragment
                time.sleep(0.2)
    finally:
        app.conf.update(task_always_eager=True, broker_url="memory://", result_backend="cache+memory://")
    assert 'aria-valuenow="100"' in fragment
    assert QuotaLedger.objects.filter(period=quarter, unit=unit, section=None).exists()
