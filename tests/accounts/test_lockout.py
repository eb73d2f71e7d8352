"""Repeated failed logins lock the account, and the address they come from; the right password does not get
in while the lock lasts, and every attempt is recorded (django-axes, accounts/lockout.py)."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


def attempt(client, username: str, password: str = "wrong-password", address: str = "10.1.1.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def clerk(db):
    return factories.UserFactory(username="clerk")


def test_a_user_name_longer_than_any_account_is_refused_by_the_form_not_recorded(client, clerk):
    # Before: the form checked no length and django-axes recorded the attempt in a column of 255 characters,
    # which PostgreSQL refused with an error (a 500).
    response = attempt(client, "u" * 400)
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert not AccessAttempt.objects.filter(username__startswith="uuu").exists()
    assert not logged_in(client)


def test_the_defaults_allow_five_failures_per_account_and_twenty_per_address():
    assert settings.LOGIN_FAILURES_PER_ACCOUNT == 5
    assert settings.LOGIN_FAILURES_PER_ADDRESS == 20
    assert settings.LOGIN_LOCKOUT_MINUTES == 30
    assert datetime.timedelta(minutes=30) == settings.AXES_COOLOFF_TIME


def test_thirty_wrong_passwords_lock_the_account_and_then_the_right_one_is_refused(client, clerk):
    limit = settings.LOGIN_FAILURES_PER_ACCOUNT
    answers = [attempt(client, "clerk") for _ in range(30)]
    # Before the limit: the ordinary form error; from the limit on: the lockout page.
    assert [a.status_code for a in answers[: limit - 1]] == [200] * (limit - 1)
    assert all("用户名或密码错误" in a.content.decode() for a in answers[: limit - 1])
    assert {a.status_code for a in answers[limit - 1 :]} == {429}
    right = attempt(client, "clerk", PASSWORD)
    assert right.status_code == 429
    assert not logged_in(client)
    page = right.content.decode()
    assert "登录已锁定" in page
    assert f"账号 clerk 连续登录失败{limit}次，已被锁定" in page
    assert "请在30分钟后再试" in page


def test_the_account_is_locked_whatever_address_the_guesses_come_from(client, clerk):
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        attempt(client, "clerk", address=f"10.2.0.{n + 1}")
    assert attempt(client, "clerk", PASSWORD, address="10.9.9.9").status_code == 429
    assert not logged_in(client)


def test_the_failure_before_the_limit_still_lets_the_right_password_in(client, clerk):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        assert attempt(client, "clerk").status_code == 200
    assert attempt(client, "clerk", PASSWORD).status_code == 302
    assert logged_in(client)


def test_an_address_guessing_many_accounts_is_locked_for_every_account(client, clerk):
    per_address = settings.LOGIN_FAILURES_PER_ADDRESS
    answers = [attempt(client, f"guess{n}", address="10.3.3.3") for n in range(per_address)]
    assert [a.status_code for a in answers[:-1]] == [200] * (per_address - 1)
    assert answers[-1].status_code == 429
    assert "来自该地址的登录已被锁定" in answers[-1].content.decode()
    # The clerk's own right password from that address is refused; from another address it works.
    assert attempt(client, "clerk", PASSWORD, address="10.3.3.3").status_code == 429
    assert attempt(client, "clerk", PASSWORD, address="10.4.4.4").status_code == 302


def test_a_success_clears_the_accounts_failures_but_not_the_addresses(client, clerk):
    per_account = settings.LOGIN_FAILURES_PER_ACCOUNT
    for _ in range(per_account - 1):
        attempt(client, "clerk")
    assert attempt(client, "clerk", PASSWORD).status_code == 302
    client.logout()
    for _ in range(per_account - 1):
        assert attempt(client, "clerk").status_code == 200  # counting from zero again
    # The address's count is not cleared by someone logging in from it: 2 × 4 failures still count there.
    assert AccessAttempt.objects.filter(ip_address="10.1.1.1").count() == 1
    assert AccessAttempt.objects.get(ip_address="10.1.1.1").failures_since_start == per_account - 1


def test_the_lock_lifts_after_the_lockout_time(client, clerk, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        attempt(client, "clerk")
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 29, tzinfo=datetime.UTC), tick=False)
    assert attempt(client, "clerk", PASSWORD).status_code == 429
    # That refused try was a failure too: the wait starts again from it.
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 58, tzinfo=datetime.UTC), tick=False)
    assert attempt(client, "clerk", PASSWORD).status_code == 429
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 29, tzinfo=datetime.UTC), tick=False)
    assert attempt(client, "clerk", PASSWORD).status_code == 302


def test_without_a_lockout_time_the_lock_lasts_until_unlocked(client, clerk, settings, time_machine):
    settings.AXES_COOLOFF_TIME = None
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        attempt(client, "clerk")
    time_machine.shift(datetime.timedelta(days=30))
    refused = attempt(client, "clerk", PASSWORD)
    assert refused.status_code == 429
    assert "分钟后再试" not in refused.content.decode()


def test_every_attempt_is_recorded_with_the_lockout(client, clerk):
    per_account = settings.LOGIN_FAILURES_PER_ACCOUNT
    for _ in range(per_account - 1):
        attempt(client, "clerk")
    attempt(client, "clerk", PASSWORD)
    client.logout()
    for _ in range(per_account):
        attempt(client, "clerk", address="10.5.5.5")
    failures = AccessFailureLog.objects.filter(username="clerk").order_by("attempt_time", "pk")
    assert failures.count() == 2 * per_account - 1
    assert [f.locked_out for f in failures] == [False] * (2 * per_account - 2) + [True]
    assert {f.ip_address for f in failures} == {"10.1.1.1", "10.5.5.5"}
    assert "wrong-password" not in "".join(AccessAttempt.objects.values_list("post_data", flat=True))
    (success,) = AccessLog.objects.filter(username="clerk")
    assert success.ip_address == "10.1.1.1"
    assert success.logout_time is not None


def test_the_admin_login_is_locked_too(client, admin):
    url = reverse("admin:login")
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        client.post(url, {"username": "sysadmin", "password": "nope"}, REMOTE_ADDR="10.6.6.6")
    refused = client.post(url, {"username": "sysadmin", "password": PASSWORD}, REMOTE_ADDR="10.6.6.6")
    assert refused.status_code == 429
    assert not logged_in(client)


def test_a_forwarded_address_is_ignored_unless_a_proxy_is_configured(client, clerk, settings):
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        # A client writing its own X-Forwarded-For does not escape the address count.
        attempt(client, f"guess{n}", address="10.7.7.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert attempt(client, "clerk", PASSWORD, address="10.7.7.7").status_code == 429


def test_behind_a_proxy_the_address_it_forwards_is_counted(client, clerk, settings):
    settings.PROXY_COUNT = 1
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        # The proxy (10.8.8.8) appends the address it saw; whatever the client wrote before it is not trusted.
        attempt(client, f"guess{n}", address="10.8.8.8", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5")
    assert AccessAttempt.objects.filter(ip_address="203.0.113.5").count() == settings.LOGIN_FAILURES_PER_ADDRESS
    # Another client behind the same proxy is not locked.
    ok = attempt(client, "clerk", PASSWORD, address="10.8.8.8", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert ok.status_code == 302
    client.logout()
    locked = attempt(client, "clerk", PASSWORD, address="10.8.8.8", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert locked.status_code == 429
