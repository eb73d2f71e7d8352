"""Every notification is created through ``notify``: once per user and key, and, where the region has enabled
e-mail (off by default: closed networks), mailed to the user's address after the transaction commits."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import transaction

from assessment.models import Notification
from assessment.notify import notify
from assessment.quarter import reminders
from tests import factories


@pytest.fixture
def someone(db):
    return factories.UserFactory(username="someone", email="someone@example.gov.cn")


def test_e_mail_is_off_by_default():
    from config.settings import base

    assert base.NOTIFY_EMAIL is False


def test_a_notification_is_not_mailed_unless_the_region_enabled_it(someone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert notify([Notification(user=someone, key="a", message="请提交小结", url="/annual/mine/")]) == 1
    assert Notification.objects.filter(user=someone).count() == 1
    assert mail.outbox == []


def test_a_new_notification_is_mailed_once_the_act_commits(settings, someone, django_capture_on_commit_callbacks):
    settings.NOTIFY_EMAIL = True
    settings.SITE_URL = "https://kaohe.example.gov.cn"
    with django_capture_on_commit_callbacks(execute=True):
        notify([Notification(user=someone, key="a", message="请提交小结", url="/annual/mine/")])
        assert mail.outbox == []  # not before the commit
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["someone@example.gov.cn"]
    assert sent.subject == "考核系统提醒"
    assert "请提交小结" in sent.body
    assert "https://kaohe.example.gov.cn/annual/mine/" in sent.body


def test_a_reminder_sent_before_is_not_mailed_again(settings, someone, django_capture_on_commit_callbacks):
    settings.NOTIFY_EMAIL = True
    with django_capture_on_commit_callbacks(execute=True):
        notify([Notification(user=someone, key="a", message="请提交小结")])
    with django_capture_on_commit_callbacks(execute=True):
        assert notify([Notification(user=someone, key="a", message="请提交小结")]) == 0
    assert len(mail.outbox) == 1


def test_a_user_without_an_address_gets_the_notification_only(settings, db, django_capture_on_commit_callbacks):
    settings.NOTIFY_EMAIL = True
    user = factories.UserFactory(username="nomail", email="")
    with django_capture_on_commit_callbacks(execute=True):
        assert notify([Notification(user=user, key="a", message="请提交小结")]) == 1
    assert mail.outbox == []


def test_an_act_rolled_back_mails_nothing(settings, someone, django_capture_on_commit_callbacks):
    settings.NOTIFY_EMAIL = True

    def act():
        with transaction.atomic():
            notify([Notification(user=someone, key="a", message="请提交小结")])
            raise RuntimeError("the act fails after the notification was written")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        act()
    assert mail.outbox == []
    assert not Notification.objects.filter(user=someone).exists()


def test_a_mail_server_that_is_down_does_not_fail_the_act(settings, someone, django_capture_on_commit_callbacks):
    settings.NOTIFY_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    with django_capture_on_commit_callbacks(execute=True):
        assert notify([Notification(user=someone, key="a", message="请提交小结")]) == 1
    assert Notification.objects.filter(user=someone).count() == 1


def test_the_daily_reminders_are_mailed_when_enabled(settings, quarter, staff, django_capture_on_commit_callbacks):
    settings.NOTIFY_EMAIL = True
    user = staff[0].user
    user.email = "p0@example.gov.cn"
    user.save()
    quarter.summary_due = datetime.date(2026, 3, 31)
    quarter.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_reminders(today=datetime.date(2026, 3, 29)) == 1
    assert [m.to for m in mail.outbox] == [["p0@example.gov.cn"]]
