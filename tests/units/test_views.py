import logging

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD
from units.models import Placement


def test_the_login_page_is_in_chinese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html
    assert "密码" in html


def test_pages_need_a_login(client, unit, person):
    for url in (
        reverse("home"),
        reverse("unit_list"),
        reverse("unit_detail", args=[unit.code]),
        reverse("person_detail", args=[person.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_wrong_password_is_refused_with_a_message(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_the_unit_list_shows_only_units_within_the_roles(login, officer, unit, other_unit):
    response = login(officer).get(reverse("unit_list"))
    assert list(response.context["units"]) == [unit]
    assert other_unit.name not in response.content.decode()


def test_the_outsider_is_refused_the_unit_page_and_the_refusal_is_logged(login, outsider, unit, caplog):
    with caplog.at_level(logging.WARNING, logger="kaohe.security"):
        response = login(outsider).get(reverse("unit_detail", args=[unit.code]))
    assert response.status_code == 404
    assert any("unit_detail" in r.getMessage() and unit.code in r.getMessage() for r in caplog.records)


def test_a_member_of_staff_sees_their_own_record_but_not_a_colleague(login, member, person):
    client = login(member)
    assert client.get(reverse("person_detail", args=[member.person.pk])).status_code == 200
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 404
    assert client.get(reverse("unit_detail", args=[person.unit.code])).status_code == 404


def test_a_section_head_sees_their_section_on_the_unit_page_and_no_other(login, section_head, person, other_section):
    stranger = factories.PersonFactory(unit=other_section.unit, section=other_section, name="别股人")
    response = login(section_head).get(reverse("unit_detail", args=[person.unit.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert person.name in html
    assert stranger.name not in html


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_unit_list_query_count_does_not_grow_with_units(login, org_user, region):
    client = login(org_user)
    factories.UnitFactory(region=region)
    few = _queries(client, reverse("unit_list"))
    for _ in range(15):
        unit = factories.UnitFactory(region=region)
        factories.PersonFactory(unit=unit)
    assert _queries(client, reverse("unit_list")) == few


def test_the_unit_page_query_count_does_not_grow_with_people(login, officer, unit, section, other_unit):
    client = login(officer)

    def add_people(sections: int, people: int, guests: int) -> None:
        for _ in range(sections):
            factories.SectionFactory(unit=unit)
        for _ in range(people):
            factories.PersonFactory(unit=unit, section=section)
        for _ in range(guests):  # people borrowed from another unit are listed too
            guest = factories.PersonFactory(unit=other_unit)
            Placement.objects.create(
                person=guest, kind="borrowed", unit=unit, section=section, start_date=guest.placements.get().start_date
            )

    add_people(1, 1, 1)
    few = _queries(client, reverse("unit_detail", args=[unit.code]))
    add_people(20, 20, 5)
    assert _queries(client, reverse("unit_detail", args=[unit.code])) == few


def test_an_imported_account_must_change_its_password_first(login, member, client):
    member.must_change_password = True
    member.save()
    login(member)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-Secret-2026",
            "new_password2": "a-new-Secret-2026",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.must_change_password
    assert client.get(reverse("home")).status_code == 200


def test_logout_is_a_post_and_ends_the_session(login, officer, client):
    login(officer)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_a_section_head_is_shown_only_the_headcount_they_may_see(login, section_head, person, other_section):
    factories.PersonFactory(unit=other_section.unit, section=other_section)
    response = login(section_head).get(reverse("unit_list"))
    unit = response.context["units"].get()
    assert (unit.section_count, unit.people_count) == (1, 1)


def test_the_organisation_department_sees_every_unit_of_its_region(login, org_user, unit, other_unit, person):
    response = login(org_user).get(reverse("unit_list"))
    counts = {u.code: u.people_count for u in response.context["units"]}
    assert counts == {unit.code: 1, other_unit.code: 0}


def test_the_outsider_does_not_find_the_unit_in_the_list(login, outsider, unit):
    response = login(outsider).get(reverse("unit_list"))
    assert unit not in list(response.context["units"])
    assert unit.name not in response.content.decode()


def test_logging_out_says_so(login, officer, client):
    login(officer)
    response = client.post(reverse("logout"), follow=True)
    assert "您已退出登录" in response.content.decode()


def test_page_titles_are_plain_text(login, officer, person, unit):
    import re

    client = login(officer)
    for url, start in (
        (reverse("person_detail", args=[person.pk]), person.name),
        (reverse("unit_detail", args=[unit.code]), unit.name),
    ):
        title = re.search(r"<title>(.*?)</title>", client.get(url).content.decode(), re.S).group(1)
        assert title == f"{start} · 公务员考核管理系统"
