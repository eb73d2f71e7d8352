"""The unit of tests/assessment (every role, a filled quarter), seen through the API."""

import pytest
from rest_framework.test import APIClient

from assessment.models import RegisterExport
from assessment.quarter import services
from scoring import services as scoring
from scoring.models import EventStandard, MonthlyImport, MonthlyScore
from tests.assessment.conftest import cast, decided, during_quarter, quarter, staff  # noqa: F401
from tests.assessment.year.test_services import newcomer, people, today, year  # noqa: F401


@pytest.fixture
def api():
    """An API client acting as ``user`` (a session, as a browser has), sending JSON unless told otherwise."""

    def _as(user):
        client = APIClient()
        client.default_format = "json"
        client.force_authenticate(user)
        return client

    return _as


@pytest.fixture
def rows(decided, cast, unit, staff, section, region):  # noqa: F811
    """One row of every new kind in the main unit, the quarter published, a review asked for."""
    standard = EventStandard.objects.get(code="city_commendation")
    event = scoring.event_declare(period=decided, matter="先进", standard=standard, evidence="文件", by=staff[0].user)
    services.unit_publish(period=decided, unit=unit, by=cast["office"])
    result = staff[0].results.get(period=decided)
    request = services.review_request(result=result, reason="复核", by=staff[0].user)
    export = RegisterExport.objects.create(
        kind="quarterly-results",
        assessment_year=decided.assessment_year,
        quarter=1,
        unit=unit,
        requested_by=cast["office"],
        file_name="x.xlsx",
        status="done",
    )
    return {
        "period": decided,
        "unit": unit,
        "region": region,
        "standard": standard,
        "person": staff[1],
        "events": event.pk,
        "monthly-scores": MonthlyScore.objects.filter(person=staff[1]).first().pk,
        "monthly-imports": MonthlyImport.objects.filter(imported_by=cast["office"]).first().pk,
        "review-requests": request.pk,
        "register-exports": export.pk,
        "results": staff[1].results.get(period=decided).pk,
    }
