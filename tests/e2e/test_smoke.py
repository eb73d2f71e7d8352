"""The browser reaches the app: Chinese pages, vendored assets, the menu on a phone."""

import pytest

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_page_is_chinese_and_loads_only_local_assets(page, live_server):
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("button[type=submit]").inner_text() == "登录"
    assert requested, "the page loaded nothing"
    assert all(url.startswith(live_server.url) for url in requested), requested


def test_phone_menu_opens_from_the_toggler(phone, live_server, log_in, unit):
    user = factories.user_with_role("office", unit=unit, username="office")
    log_in(phone, user)
    menu = phone.locator("#mainnav")
    assert not menu.is_visible()
    phone.click(".navbar-toggler")
    menu.get_by_role("link", name="平时考核").first.wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
