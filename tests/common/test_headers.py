"""The security headers: a Content-Security-Policy without inline script, a Permissions-Policy, and
Cache-Control: no-store on a logged-in user's pages and on the API (common/headers.py, django-csp)."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_every_page_has_a_policy_that_allows_no_inline_or_foreign_script(client, officer):
    client.force_login(officer)
    for response in (client.get(reverse("home")), client.get("/accounts/login/"), client.get("/no-such-page/")):
        csp = directives(response)
        assert csp["script-src"] == ["'self'"]
        assert csp["default-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]


def test_a_logged_in_users_pages_are_not_stored(client, officer):
    client.force_login(officer)
    for url in (reverse("home"), reverse("unit_list"), reverse("password_change")):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_the_api_is_not_stored(officer):
    api = APIClient()
    assert "no-store" in api.get("/api/v1/units/")["Cache-Control"]  # even the refusal
    api.force_authenticate(officer)
    assert "no-store" in api.get("/api/v1/units/")["Cache-Control"]


def test_the_api_documentation_starts_swagger_from_a_file(client, officer):
    client.force_login(officer)
    html = client.get(reverse("api-docs")).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    assert all("src=" in attrs and not body.strip() for attrs, body in scripts), scripts
    assert client.get(reverse("api-docs"), {"script": ""}).status_code == 200


def test_no_template_has_an_inline_script_or_event_handler():
    inline = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            inline.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=", text):
            inline.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
        for match in re.finditer(r"javascript:", text):
            inline.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert inline == []
