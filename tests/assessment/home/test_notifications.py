"""A user's notifications clear: the header counts the unread, opening one reads it and follows its link (only
within the system), "mark all read" reads them all; nobody reads or opens another's; the page's cost is fixed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Notification


def _note(user, key="k", url="", message="请在期限前提交个人小结"):
    return Notification.objects.create(user=user, key=key, message=message, url=url)


def _bell(html: str) -> str:
    start = html.index('id="notifications-bell"')
    return html[start : html.index("</a>", start)]


def test_the_header_counts_the_users_unread_notifications(login, member, outsider):
    _note(member, "a")
    _note(member, "b")
    read = _note(member, "c")
    Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T00:00Z")
    _note(outsider, "a")
    bell = _bell(login(member).get(reverse("home")).content.decode())
    assert ">2</span>" in bell
    assert "2 条未读通知" in bell


def test_the_header_shows_no_count_when_everything_is_read(login, member):
    bell = _bell(login(member).get(reverse("home")).content.decode())
    assert "badge" not in bell


def test_the_unread_count_costs_no_query_of_its_own(login, member):
    client = login(member)
    client.get(reverse("home"))  # warm the per-process caches
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("home"))
    _note(member, "a")
    with CaptureQueriesContext(connection) as after:
        html = client.get(reverse("home")).content.decode()
    assert ">1</span>" in _bell(html)
    # The home page lists the unread reminders (a query of its own, only once there is one); the count rides on
    # the query that loads the user.
    assert len(after) == len(before)
    assert not [q for q in after.captured_queries if "COUNT" in q["sql"].upper() and "notification" in q["sql"]][1:]


def test_the_notifications_page_lists_the_users_own_newest_first_the_unread_marked(login, member, outsider):
    _note(member, "old", message="较早的提醒")
    _note(member, "new", message="较新的提醒")
    _note(outsider, "x", message="别人的提醒")
    html = login(member).get(reverse("notifications")).content.decode()
    assert html.index("较新的提醒") < html.index("较早的提醒")
    assert "别人的提醒" not in html
    assert "未读" in html
    assert "全部标为已读" in html


def test_the_notifications_page_filters_the_unread(login, member):
    _note(member, "a", message="未读的提醒")
    read = _note(member, "b", message="已读的提醒")
    Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T00:00Z")
    html = login(member).get(reverse("notifications"), {"state": "unread"}).content.decode()
    assert "未读的提醒" in html
    assert "已读的提醒" not in html


def test_opening_a_notification_reads_it_and_goes_to_its_page(login, member):
    note = _note(member, url="/annual/mine/")
    response = login(member).post(reverse("notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response.url == "/annual/mine/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_a_notification_twice_keeps_the_first_time_it_was_read(login, member):
    note = _note(member, url="/annual/mine/")
    client = login(member)
    client.post(reverse("notification_open", args=[note.pk]))
    note.refresh_from_db()
    first = note.read_at
    client.post(reverse("notification_open", args=[note.pk]))
    note.refresh_from_db()
    assert note.read_at == first


@pytest.mark.parametrize("url", ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)"])
def test_a_link_leading_outside_the_system_is_not_followed(login, member, url):
    note = _note(member, url=url)
    response = login(member).post(reverse("notification_open", args=[note.pk]), follow=True)
    assert response.redirect_chain[0][0] == reverse("notifications")
    assert "指向本系统以外" in response.content.decode()
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_a_notification_without_a_link_goes_to_the_list(login, member):
    note = _note(member)
    response = login(member).post(reverse("notification_open", args=[note.pk]))
    assert response.url == reverse("notifications")


def test_a_notification_is_not_opened_by_a_link_a_page_could_plant(login, member):
    note = _note(member, url="/annual/mine/")
    assert login(member).get(reverse("notification_open", args=[note.pk])).status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read_reads_every_unread_notification_of_the_user_only(login, member, outsider):
    mine = [_note(member, "a"), _note(member, "b")]
    theirs = _note(outsider, "a")
    response = login(member).post(reverse("notifications_mark_read"), follow=True)
    assert "已将 2 条通知标为已读" in response.content.decode()
    assert all(n.read_at for n in Notification.objects.filter(pk__in=[n.pk for n in mine]))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert ">2</span>" not in _bell(response.content.decode())


def test_mark_all_read_is_one_update(login, member):
    for key in "abc":
        _note(member, key)
    client = login(member)
    with CaptureQueriesContext(connection) as queries:
        client.post(reverse("notifications_mark_read"))
    assert len([q for q in queries.captured_queries if q["sql"].upper().startswith("UPDATE")]) == 1


def test_an_outsider_cannot_open_another_users_notification(login, member, outsider):
    note = _note(member, url="/annual/mine/")
    response = login(outsider).post(reverse("notification_open", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_the_notification_pages_send_a_visitor_to_the_login(client, member):
    note = _note(member)
    for response in (
        client.get(reverse("notifications")),
        client.post(reverse("notification_open", args=[note.pk])),
        client.post(reverse("notifications_mark_read")),
    ):
        assert response.status_code == 302
        assert reverse("login") in response.url
    note.refresh_from_db()
    assert note.read_at is None


def test_the_home_page_shows_only_unread_reminders_each_through_the_open_view(login, member):
    unread = _note(member, "a", url="/annual/mine/", message="未读的提醒")
    read = _note(member, "b", message="已读的提醒")
    Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T00:00Z")
    html = login(member).get(reverse("home")).content.decode()
    assert "未读的提醒" in html
    assert "已读的提醒" not in html
    assert reverse("notification_open", args=[unread.pk]) in html
    assert 'href="/annual/mine/"' not in html.split('id="home-reminders"')[1].split("</ul>")[0]


def test_the_notifications_page_costs_the_same_however_many_notifications(login, member):
    client = login(member)
    _note(member, "first")
    client.get(reverse("notifications"))  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications"))
    Notification.objects.bulk_create(
        [Notification(user=member, key=f"k{i}", message=f"提醒{i}", url="/") for i in range(120)]
    )
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("notifications")).content.decode()
    assert len(many) == len(few) <= 9  # measured: 9 on SQLite and PostgreSQL
    assert html.count('action="/notifications/') == settings.NOTIFICATIONS_PER_PAGE + 1  # the page, and mark all
