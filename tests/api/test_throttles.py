"""The API's throttles: an account's requests per account, requests without valid credentials per address;
over the rate, 429 in JSON with a Chinese message and Retry-After (api/throttling.py)."""

import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from config.settings import base
from tests import factories
from tests.api.test_tokens import token_for, with_token


@pytest.fixture
def rates(settings, monkeypatch):
    """Low rates, and a cache of the test's own for the throttles' counts."""
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttles-{uuid.uuid4()}", {}))

    def set_rates(anon: str = "1000/minute", user: str = "1000/minute") -> None:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user}}

    return set_rates


def test_the_defaults_are_600_a_minute_per_account_and_30_per_address():
    assert base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {"anon": "30/minute", "user": "600/minute"}


def test_an_account_over_its_rate_gets_429_in_json(rates, unit):
    rates(user="3/minute")
    factories.user_with_role("office", unit=unit, username="svc-hr")
    client = with_token(token_for("svc-hr"))
    assert [client.get("/api/v1/units/").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/units/")
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "throttled"
    assert body["detail"].startswith("请求过于频繁，请在")
    assert body["detail"].endswith("秒后重试。")
    assert 0 < int(refused["Retry-After"]) <= 60
    # Another account is counted on its own.
    factories.user_with_role("office", unit=unit, username="svc-other")
    assert with_token(token_for("svc-other")).get("/api/v1/units/").status_code == 200


def test_a_session_counts_against_the_same_account(rates, officer):
    rates(user="2/minute")
    api = APIClient()
    api.force_authenticate(officer)
    assert [api.get("/api/v1/units/").status_code for _ in range(3)] == [200, 200, 429]


def test_requests_without_credentials_are_counted_per_address(rates, db):
    rates(anon="3/minute")
    anonymous = APIClient(REMOTE_ADDR="10.1.1.1")
    assert [anonymous.get("/api/v1/units/").status_code for _ in range(3)] == [401, 401, 401]
    refused = anonymous.get("/api/v1/units/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert APIClient(REMOTE_ADDR="10.2.2.2").get("/api/v1/units/").status_code == 401


def test_guessing_tokens_is_throttled_and_a_valid_token_still_works(rates, unit):
    rates(anon="5/minute")
    factories.user_with_role("office", unit=unit, username="svc-hr")
    token = token_for("svc-hr")
    guesses = [with_token("0" * 64, REMOTE_ADDR="10.3.3.3").get("/api/v1/units/").status_code for _ in range(6)]
    assert guesses == [401] * 5 + [429]
    assert with_token(token, REMOTE_ADDR="10.3.3.3").get("/api/v1/units/").status_code == 200
