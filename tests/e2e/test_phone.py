"""The staff pages on a phone (390 px wide): nothing wider than the screen, every form reachable."""

import datetime

import pytest
from django.utils import timezone

from assessment.models import QuarterlyResult
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
        f"/quarter/{period.pk}/units/{unit.code}/publicity/",
    ):
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        assert phone.locator("h1").first.is_visible(), path

    # During publicity, a review request from the phone; the page asks first, and the person says yes.
    asked = []
    phone.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    phone.goto(f"{live_server.url}/quarter/mine/{period.pk}/")
    phone.get_by_label("申请复核的内容和理由").fill("加分事项未计入。")
    phone.get_by_role("button", name="申请复核").click()
    phone.locator(".alert-success").wait_for()
    assert me.results.get(period=period).review_requests.get().reason == "加分事项未计入。"
    assert asked == ["向考核办申请复核本人考核结果？"]


def test_the_offices_end_of_the_quarter_fits_a_phone_and_feedback_is_recorded_on_one(
    phone, live_server, log_in, decided, cast, staff, unit, during_quarter
):
    period = decided
    during_quarter(datetime.date(2026, 4, 3))
    services.unit_publish(period=period, unit=unit, by=cast["office"])
    during_quarter(datetime.date(2026, 4, 10))
    log_in(phone, cast["office"])
    board = f"/quarter/{period.pk}/units/{unit.code}/"
    feedback = f"{board}feedback/"
    for path in (board, f"{board}publicity/"):
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
    # The report asks first, saying to how many people; dismissing it changes nothing.
    phone.goto(f"{live_server.url}{board}")
    questions = []
    phone.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    phone.get_by_role("button", name="上报组织部门").click()
    assert questions == ["确定将区测试局的10人结果上报组织部门吗？上报后本单位不能再修改。"]
    assert set(QuarterlyResult.objects.filter(period=period).values_list("status", flat=True)) == {"publicity"}

    services.unit_report(period=period, unit=unit, by=cast["office"])
    services.unit_confirm(period=period, unit=unit, by=cast["org"])
    during_quarter(timezone.localdate())
    phone.goto(f"{live_server.url}{feedback}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_label("勾选本页全部").check()
    phone.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    phone.get_by_role("button", name="为勾选人员登记反馈").click()
    phone.locator(".alert-success").wait_for()
    assert questions[-1] == "确定为勾选的10人登记此反馈吗？反馈将记入其考核档案。"
    assert set(QuarterlyResult.objects.filter(period=period).values_list("feedback_method", flat=True)) == {"meeting"}
