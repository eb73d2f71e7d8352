"""Service-account tokens: created and revoked by an administrator; the account's roles limit them."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests import factories


def token_for(username: str, *extra: str) -> str:
    out = io.StringIO()
    call_command("api_token", username, *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_sees_what_the_accounts_roles_cover(unit, person, other_unit):
    factories.user_with_role("office", unit=unit, username="svc-hr")
    client = with_token(token_for("svc-hr"))
    assert [row["code"] for row in client.get("/api/v1/units/").json()["results"]] == ["U-MAIN"]
    assert client.get(f"/api/v1/people/{person.pk}/").status_code == 200
    assert client.get(f"/api/v1/units/{other_unit.pk}/").status_code == 404


def test_only_a_digest_of_the_token_is_stored(unit):
    factories.user_with_role("office", unit=unit, username="svc-hr")
    token = token_for("svc-hr")
    stored = AuthToken.objects.get(user__username="svc-hr")
    assert token not in (stored.digest, stored.token_key)
    assert stored.expiry is not None


def test_a_revoked_token_is_401(unit):
    factories.user_with_role("office", unit=unit, username="svc-hr")
    client = with_token(token_for("svc-hr"))
    assert client.get("/api/v1/units/").status_code == 200
    token_for("svc-hr", "--revoke")
    response = client.get("/api/v1/units/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_token_of_a_disabled_account_is_401(unit):
    user = factories.user_with_role("office", unit=unit, username="svc-hr")
    client = with_token(token_for("svc-hr"))
    user.is_active = False
    user.save()
    assert client.get("/api/v1/units/").status_code == 401


def test_an_account_without_roles_sees_empty_lists_and_404(unit, staff, decided):
    person = staff[1]
    client = with_token(token_for("svc-none", "--create-user"))
    for name in ("units", "sections", "people", "placements", "periods", "sheets", "results", "ledgers"):
        assert client.get(f"/api/v1/{name}/").json()["results"] == [], name
    assert client.get(f"/api/v1/people/{person.pk}/").status_code == 404
    assert client.get(f"/api/v1/units/{unit.pk}/").status_code == 404


def test_a_created_service_account_cannot_log_in_to_the_site(db, client):
    token_for("svc-new", "--create-user")
    assert not get_user_model().objects.get(username="svc-new").has_usable_password()


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token nonsense", "Token \xff\xfe", "Bearer x"])
def test_a_malformed_or_unknown_token_is_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/units/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_unknown_accounts_are_refused_by_the_command(db):
    with pytest.raises(CommandError):
        token_for("nobody")
    with pytest.raises(CommandError):
        token_for("nobody", "--revoke")
