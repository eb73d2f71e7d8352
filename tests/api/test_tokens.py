"""Service-account tokens: created and revoked by an administrator; the account's roles limit them."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests import factories


def token_for(username: str, *extra: str) -> str:
    out = io.StringIO()
    call_command("api_token", username, *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def with_token(token: str, **defaults) -> APIClient:
    client = APIClient(**defaults)
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


def test_the_token_of_an_account_that_must_change_its_password_is_refused_until_it_has(client, unit):
    user = factories.user_with_role("office", unit=unit, username="p1300")
    api = with_token(token_for("p1300"))
    user.must_change_password = True
    user.save()
    refused = api.get("/api/v1/units/")
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "此账号须先修改密码才能使用：请登录系统并设置新密码。",
        "code": "password_change_required",
    }
    client.force_login(user)
    session = client.get("/api/v1/units/")  # the session of that account too, in JSON
    assert session.status_code == 403
    assert session.json()["code"] == "password_change_required"
    changed = client.post(
        reverse("password_change"),
        {"old_password": factories.PASSWORD, "new_password1": "my-own-choice-42", "new_password2": "my-own-choice-42"},
    )
    assert changed.status_code == 302
    assert api.get("/api/v1/units/").status_code == 200


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


# The administrator's token page -------------------------------------------------------------------------


def shown_token(response) -> str:
    """The token in the page's one-time message (knox's tokens are 64 hexadecimal characters)."""
    found = [re.search(r"\b[0-9a-f]{64}\b", str(m)) for m in response.context["messages"]]
    (token,) = [match.group(0) for match in found if match]
    return token


def test_the_admin_creates_a_token_shown_once_that_lasts_its_days(client, admin, unit):
    account = factories.user_with_role("office", unit=unit, username="svc-hr")
    client.force_login(admin)
    response = client.post(reverse("admin:knox_authtoken_add"), {"user": account.pk, "days": 30}, follow=True)
    assert response.status_code == 200
    token = shown_token(response)
    stored = AuthToken.objects.get(user=account)
    assert token not in (stored.digest, stored.token_key)
    assert 29 <= (stored.expiry - stored.created).days <= 30
    assert with_token(token).get("/api/v1/units/").status_code == 200
    listing = client.get(reverse("admin:knox_authtoken_changelist")).content.decode()
    assert "svc-hr" in listing
    assert stored.token_key in listing
    assert token not in listing  # shown once, never again


def test_a_token_is_not_edited_and_deleting_it_revokes_it(client, admin, unit):
    factories.user_with_role("office", unit=unit, username="svc-hr")
    token = token_for("svc-hr")
    stored = AuthToken.objects.get()
    client.force_login(admin)
    change = reverse("admin:knox_authtoken_change", args=[stored.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # read-only
    client.post(reverse("admin:knox_authtoken_delete", args=[stored.pk]), {"post": "yes"})
    assert not AuthToken.objects.exists()
    response = with_token(token).get("/api/v1/units/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_admin_token_for_an_account_without_roles_warns_and_is_refused_acts(client, admin, unit, decided, staff):
    account = factories.UserFactory(username="svc-none")
    client.force_login(admin)
    response = client.post(reverse("admin:knox_authtoken_add"), {"user": account.pk, "days": 1}, follow=True)
    token = shown_token(response)
    warnings = [str(m) for m in response.context["messages"] if token not in str(m)]
    assert any("svc-none" in text for text in warnings)  # it holds no role
    api = with_token(token)
    result = staff[1].results.get(period=decided)
    refused = api.post(f"/api/v1/results/{result.pk}/decide/", {"grade": "较好"}, format="json")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    event = api.post("/api/v1/events/declare/", {}, format="json")
    assert event.status_code == 403
    assert event.json()["code"] == "permission_denied"


def test_a_non_staff_user_does_not_reach_the_token_page(client, officer):
    client.force_login(officer)
    assert client.get(reverse("admin:knox_authtoken_changelist")).status_code == 302
