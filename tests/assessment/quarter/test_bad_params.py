"""Forged numbers in a query string or a form are "not given": never a 500. ("²".isdigit() is true and
int("²") fails, so a check by isdigit() alone let such values through.)"""

import pytest
from django.urls import reverse

from assessment.quarter import services
from tests.assessment.conftest import results

FORGED = ("²", "abc", "1e9", "-1", "9" * 30)


@pytest.mark.parametrize("value", FORGED)
def test_forged_numbers_are_refused_or_ignored_never_a_crash(
    quarter, cast, unit, section, client, during_quarter, value
):
    services.summaries_skip(results=results(quarter), by=cast["office"], reason="纸质")
    propose = reverse("quarter:propose", args=[quarter.pk, section.pk])
    asks = [
        ("head", "post", propose, {f"grade-{value}": "好", "comment-all": "x"}),
        ("leader", "post", reverse("quarter:review", args=[quarter.pk, unit.code]), {"result": value}),
        ("committee", "post", reverse("quarter:decide", args=[quarter.pk, unit.code]), {f"grade-{value}": "好"}),
        ("office", "get", reverse("quarter:feedback", args=[quarter.pk, unit.code]), {"section": value}),
        ("office", "post", reverse("quarter:feedback", args=[quarter.pk, unit.code]), {"result": value}),
        ("office", "get", reverse("quarter:publicity", args=[quarter.pk, unit.code]), {"section": value}),
        ("office", "post", reverse("scoring:events", args=[quarter.pk, unit.code]), {"event": value}),
        ("head", "post", reverse("scoring:event_checks", args=[quarter.pk]), {"event": value}),
        ("org", "post", reverse("quarter:year_create"), {"region": value, "year": value}),
        ("org", "post", reverse("quarter:ratios", args=[quarter.assessment_year_id]), {"unit": value}),
        ("office", "get", reverse("scoring:unit_sheets", args=[quarter.pk, unit.code]), {"section": value}),
    ]
    for who, method, url, data in asks:
        client.force_login(cast[who])
        response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302, 403, 404), (who, url, data, response.status_code)
    assert {r.status for r in results(quarter)} == {"scoring"}
