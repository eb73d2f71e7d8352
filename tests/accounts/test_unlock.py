"""The organisation department unlocks the locked accounts of its region from a page its home card leads to;
a superuser any account, and the locked addresses. Nobody else, and no account outside the region."""

import logging

import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD

PAGE = reverse("locked_accounts")


def lock(client, username: str, address: str = "10.1.1.1") -> None:
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        client.post("/accounts/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


def can_log_in(client, username: str) -> bool:
    client.logout()
    answer = client.post("/accounts/login/", {"username": username, "password": PASSWORD}, REMOTE_ADDR="10.2.2.2")
    ok = answer.status_code == 302
    client.logout()
    return ok


@pytest.fixture
def other_region_org(db):
    return factories.user_with_role("org", region=factories.RegionFactory(), username="org-elsewhere")


def test_the_org_unlocks_a_locked_member_of_its_region(client, org_user, member, officer):
    lock(client, "member")
    lock(client, "officer")  # an officer of a unit of the region, holding no person record
    assert not can_log_in(client, "member")
    client.force_login(org_user)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "被锁定的账号" in html
    assert "member" in html
    assert "officer" in html
    assert page["Cache-Control"].count("no-store") == 1
    answer = client.post(PAGE, {"username": "member"}, follow=True)
    assert "账号 member 已解锁，可以重新登录。" in answer.content.decode()
    assert can_log_in(client, "member")
    assert not can_log_in(client, "officer")


def test_the_home_card_of_the_org_leads_to_the_page(client, org_user):
    client.force_login(org_user)
    assert f'href="{PAGE}"' in client.get(reverse("home")).content.decode()


def test_an_org_of_another_region_neither_sees_nor_unlocks(client, member, other_region_org, caplog):
    lock(client, "member")
    client.force_login(other_region_org)
    assert "member" not in client.get(PAGE).content.decode().split("<main", 1)[1]
    with caplog.at_level(logging.WARNING, logger="kaohe.security"):
        answer = client.post(PAGE, {"username": "member"}, follow=True)
    assert "您无权解锁此账号。" in answer.content.decode()
    assert "account_unlock" in caplog.text
    assert not can_log_in(client, "member")


def test_roles_other_than_the_org_do_not_reach_the_page(client, member, person, officer, outsider, leader):
    lock(client, "member")
    colleague = factories.UserFactory(username="colleague")
    person.user = colleague
    person.save()
    for user in (officer, outsider, leader, colleague):
        client.force_login(user)
        assert client.get(PAGE).status_code == 404
        assert client.post(PAGE, {"username": "member"}).status_code == 404
    assert not can_log_in(client, "member")


def test_the_org_cannot_unlock_an_administrator(client, org_user, region):
    staff_admin = factories.UserFactory(username="helpdesk", is_staff=True)
    factories.PersonFactory(unit=factories.UnitFactory(region=region), user=staff_admin)
    lock(client, "helpdesk")
    client.force_login(org_user)
    assert "helpdesk" not in client.get(PAGE).content.decode().split("<main", 1)[1]
    client.post(PAGE, {"username": "helpdesk"})
    assert not can_log_in(client, "helpdesk")


def test_the_superuser_sees_every_locked_name_and_address_and_unlocks_them(client, admin, member):
    lock(client, "member", address="10.3.3.3")
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        client.post("/accounts/login/", {"username": f"nobody{n}", "password": "x"}, REMOTE_ADDR="10.4.4.4")
    client.force_login(admin)
    html = client.get(PAGE).content.decode()
    assert "member" in html
    assert "无此账号" not in html
    assert "10.4.4.4" in html
    client.post(PAGE, {"address": "10.4.4.4"})
    assert 'id="locked-addresses"' not in client.get(PAGE).content.decode()
    assert client.post(PAGE, {"address": "not an address"}, follow=True).status_code == 200
    client.post(PAGE, {"username": "member"})
    assert can_log_in(client, "member")


def test_the_org_does_not_see_locked_addresses(client, org_user):
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        client.post("/accounts/login/", {"username": f"nobody{n}", "password": "x"}, REMOTE_ADDR="10.4.4.4")
    client.force_login(org_user)
    assert "10.4.4.4" not in client.get(PAGE).content.decode()
    client.post(PAGE, {"address": "10.4.4.4"})
    client.force_login(factories.UserFactory(username="root", is_superuser=True, is_staff=True))
    assert "10.4.4.4" in client.get(PAGE).content.decode()


def test_the_search_finds_a_locked_account_by_its_full_name(client, org_user, member, officer):
    member.full_name = "张三"
    member.save()
    lock(client, "member")
    lock(client, "officer")
    client.force_login(org_user)
    rows = client.get(PAGE, {"q": "张三"}).content.decode().split('id="locked-accounts"', 1)[1]
    assert "member" in rows
    assert "officer" not in rows


def test_the_admin_unlocks_selected_accounts(client, admin, member):
    lock(client, "member")
    client.force_login(admin)
    client.post(
        reverse("admin:accounts_user_changelist"), {"action": "unlock", "_selected_action": [member.pk]}, follow=True
    )
    assert can_log_in(client, "member")
