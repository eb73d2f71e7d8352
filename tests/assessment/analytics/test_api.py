"""The fairness analytics in the API: ``GET /api/v1/years/<year>/fairness/``."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def _get(user, year_pk):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(reverse("api:fairness", args=[year_pk]))


def test_the_organisation_department_reads_the_regions_report(closed_year, cast, section):
    body = _get(cast["org"], closed_year.pk).json()
    assert body["year"] == 2025
    assert body["closed_quarters"] == [1, 2, 3, 4]
    suspected = [s for s in body["sections"] if s["suspected"]]
    assert [(s["section"], s["mean_inversion"]) for s in suspected] == [(section.pk, "50.0")]
    directions = {r["user"]: r["direction"] for r in body["reviewers"]}
    assert directions == {cast["head"].pk: "lenient", cast["head2"].pk: "severe"}
    assert {r["unit"] for r in body["ratings"]} == {"U-MAIN", "U-OTHER"}


def test_an_office_reads_its_own_units_rows(closed_year, cast):
    body = _get(cast["office"], closed_year.pk).json()
    assert {r["unit"] for r in body["ratings"]} == {"U-MAIN"}
    assert {s["unit"] for s in body["silence"]} == {"U-MAIN"}
    outsider = _get(cast["outsider"], closed_year.pk).json()
    assert {r["unit"] for r in outsider["ratings"]} == {"U-OTHER"}
    assert outsider["sections"] == []
    assert outsider["reviewers"] == []


@pytest.mark.parametrize("who", ["head", "staff"])
def test_anybody_else_is_answered_404(closed_year, cast, who):
    assert _get(cast[who], closed_year.pk).status_code == 404


def test_an_unknown_year_is_404(closed_year, cast):
    assert _get(cast["org"], closed_year.pk + 1000).status_code == 404
    assert _get(cast["org"], 10**12).status_code == 404


def test_without_a_login_the_report_is_refused(closed_year):
    assert APIClient().get(reverse("api:fairness", args=[closed_year.pk])).status_code in (401, 403)
