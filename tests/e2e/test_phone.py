"""The staff pages on a phone (390 px wide): nothing wider than the screen, every form reachable."""

import pytest

from assessment.quarter import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_staff_pages_fit_a_phone_and_a_review_can_be_asked_on_one(
    phone, live_server, log_in, decided, cast, staff, unit
):
    period = decided
    services.unit_publish(period=period, unit=unit, by=cast["office"])
    me = staff[0]
    log_in(phone, me.user)
    for path in (
        "/",
        "/quarter/mine/",
        f"/quarter/mine/{period.pk}/",
        f"/scoring/periods/{period.pk}/declare/",
        f"/people/{me.pk}/",
    ):
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        assert phone.locator("h1").first.is_visible(), path

    # During publicity, a review request from the phone.
    phone.goto(f"{live_server.url}/quarter/mine/{period.pk}/")
    phone.get_by_label("申请复核的内容和理由").fill("加分事项未计入。")
    phone.get_by_role("button", name="申请复核").click()
    phone.locator(".alert-success").wait_for()
    assert me.results.get(period=period).review_requests.get().reason == "加分事项未计入。"
