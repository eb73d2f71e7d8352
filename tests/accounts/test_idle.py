"""A session ends after SESSION_IDLE_TIMEOUT seconds without a request; the page's own question of how long
is left does not count as activity (accounts.middleware.IdleTimeoutMiddleware)."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from config.settings import base

HOME = reverse("home")
STATUS = reverse("session_status")
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def idle(settings, time_machine):
    """The production default (30 minutes, a warning 2 minutes before), the clock at START."""
    settings.SESSION_IDLE_TIMEOUT = base.SESSION_IDLE_TIMEOUT
    settings.SESSION_IDLE_WARNING = base.SESSION_IDLE_WARNING
    time_machine.move_to(START, tick=False)

    def at(minutes: float) -> None:
        time_machine.move_to(START + datetime.timedelta(minutes=minutes), tick=False)

    return at


def test_the_default_is_thirty_minutes_with_a_warning_two_minutes_before():
    assert base.SESSION_IDLE_TIMEOUT == 30 * 60
    assert base.SESSION_IDLE_WARNING == 2 * 60
    assert django_settings.SESSION_IDLE_TIMEOUT == 0  # off in the rest of the suite, whose clock jumps


def test_thirty_minutes_without_a_request_log_the_user_out(client, officer, idle):
    client.force_login(officer)
    assert client.get(HOME).status_code == 200
    idle(31)
    response = client.get(HOME, follow=True)
    assert response.redirect_chain[0][0] == f"{reverse('login')}?next={HOME}"
    assert "您已超过30分钟未操作，系统已自动退出登录，请重新登录。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_requests_keep_the_session(client, officer, idle):
    client.force_login(officer)
    for minute in (0, 20, 40, 60, 80):
        idle(minute)
        assert client.get(HOME).status_code == 200, minute


def test_asking_how_long_is_left_does_not_keep_the_session(client, officer, idle):
    client.force_login(officer)
    client.get(HOME)
    idle(20)
    assert client.get(STATUS).json() == {"remaining": 600, "timeout": 1800}
    idle(29)
    assert client.get(STATUS).json()["remaining"] == 60
    idle(31)
    expired = client.get(STATUS)
    assert expired.status_code == 401
    assert expired.json()["code"] == "session_expired"


def test_staying_logged_in_restarts_the_clock(client, officer, idle):
    client.force_login(officer)
    client.get(HOME)
    idle(29)
    assert client.post(STATUS).json()["remaining"] == 1800
    idle(58)
    assert client.get(HOME).status_code == 200


def test_the_api_answers_an_idle_session_with_401_json(client, officer, idle):
    client.force_login(officer)
    client.get("/api/v1/units/")
    idle(45)
    response = client.get("/api/v1/units/")
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


def test_a_progress_bar_polling_an_idle_session_goes_to_the_login_page(client, officer, idle):
    client.force_login(officer)
    client.get(HOME)
    idle(45)
    response = client.get(HOME, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("login")


def test_the_page_carries_the_warning_and_its_script(client, officer, idle):
    client.force_login(officer)
    html = client.get(HOME).content.decode()
    assert 'data-idle-timeout="1800"' in html
    assert 'data-idle-warning="120"' in html
    assert "/static/js/idle.js" in html
    assert 'id="idle-warning"' in html


def test_no_warning_when_the_timeout_is_off(client, officer):
    client.force_login(officer)
    html = client.get(HOME).content.decode()
    assert "idle.js" not in html
    assert client.get(STATUS).json() == {"remaining": None, "timeout": 0}


def test_an_anonymous_status_question_is_401(client, db):
    assert client.get(STATUS).status_code == 401
