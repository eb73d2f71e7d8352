"""Bonus declarations on a phone (390 px wide): the head of the section checks one from the queue, answering
the confirmation; the office's events page, with its record form, fits the screen too."""

import pytest

from scoring import services as scoring
from scoring.models import EventStandard

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_section_head_checks_a_declaration_on_a_phone(phone, live_server, log_in, quarter, cast, staff, unit):
    event = scoring.event_declare(
        period=quarter,
        matter="市级先进个人（抗洪抢险）",
        standard=EventStandard.objects.get(code="city_commendation"),
        evidence="市委表彰文件〔2026〕3号",
        by=staff[0].user,
    )
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept()

    phone.on("dialog", answer)
    log_in(phone, cast["head"])
    phone.goto(f"{live_server.url}/scoring/periods/{quarter.pk}/checks/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_placeholder("意见（退回须填写原因）").fill("属实")
    phone.get_by_role("button", name="把关通过").click()
    phone.locator(".alert-success").wait_for()
    event.refresh_from_db()
    assert (event.status, event.check_note) == ("checked", "属实")
    assert asked == ["把关通过并报送考核办？"]

    log_in(phone, cast["office"])
    phone.goto(f"{live_server.url}/scoring/periods/{quarter.pk}/units/{unit.code}/events/")
    phone.locator("summary").click()  # the record form opens
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
