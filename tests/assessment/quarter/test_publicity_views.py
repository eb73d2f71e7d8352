"""A unit's 公示 page: its people and its roles see the published grades (scores only where the region says
so), the day publicity ends and the way to ask for a review of their own result; anyone else gets a 404,
logged. Linked from the home page while publicity runs, and from the person's own quarter."""

import datetime
import logging
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import QuarterlyResult
from assessment.quarter import services
from assessment.quarter.views import publicity as publicity_views
from tests import factories
from tests.assessment.conftest import results
from units.models import Placement

Step = QuarterlyResult.Status


@pytest.fixture
def published(decided, cast, unit, during_quarter):
    """Q1 published on Friday 3 April 2026: publicity lasts until Thursday 9 April; today is the 6th."""
    during_quarter(datetime.date(2026, 4, 3))
    services.unit_publish(period=decided, unit=unit, by=cast["office"])
    during_quarter(datetime.date(2026, 4, 6))
    return decided


def url(period, unit, query: str = "") -> str:
    return reverse("quarter:publicity", args=[period.pk, unit.code]) + query


def names_on(page: str, staff) -> set[str]:
    return {p.name for p in staff if f"<td>{p.name}</td>" in page}


def test_a_member_sees_the_units_published_grades_without_scores(published, staff, unit, client):
    member = staff[0].user
    client.force_login(member)
    response = client.get(url(published, unit))
    assert response.status_code == 200
    page = response.content.decode()
    assert names_on(page, staff) == {p.name for p in staff}
    assert "公示期至2026-04-09。" in page
    for r in results(published):
        assert f'<td class="fw-semibold">{r.final_grade}</td>' in page
        assert str(r.sheet.total) not in page
    # The way to ask for a review of one's own result.
    assert f'href="{reverse("quarter:my_quarter", args=[published.pk])}"' in page
    assert "我的结果：申请复核" in page


def test_the_scores_are_shown_where_the_region_says_so(published, staff, unit, client):
    year = published.assessment_year
    year.publicity_shows_scores = True
    year.save()
    client.force_login(staff[0].user)
    page = client.get(url(published, unit)).content.decode()
    assert all(str(r.sheet.total) in page for r in results(published))


def test_the_units_roles_see_it_and_outsiders_get_a_logged_404(published, cast, staff, unit, region, client, caplog):
    for who in ("office", "leader", "committee", "head", "head2", "org"):
        client.force_login(cast[who])
        assert client.get(url(published, unit)).status_code == 200, who
    stranger = factories.PersonFactory(
        unit=factories.UnitFactory(region=region, code="U-FAR"), user=factories.UserFactory(username="stranger")
    ).user
    far = factories.user_with_role("office", unit=factories.UnitFactory(), username="far")
    roleless = factories.UserFactory(username="roleless")
    for user in (cast["outsider"], stranger, far, roleless):
        client.force_login(user)
        with caplog.at_level(logging.WARNING, logger="kaohe.security"):
            response = client.get(url(published, unit))
        assert response.status_code == 404, user
        assert staff[1].name not in response.content.decode()
        assert f"user={user.username} action=quarter_publicity" in caplog.text
    client.force_login(staff[0].user)
    assert client.get(reverse("quarter:publicity", args=[published.pk, "NO-SUCH"])).status_code == 404
    assert client.get(reverse("quarter:publicity", args=[999999, unit.code])).status_code == 404


def test_someone_placed_in_the_unit_now_sees_its_publicity(published, unit, other_unit, client):
    """A person seconded into the unit belongs to it for its 公示, though their home unit is another."""
    guest = factories.PersonFactory(unit=other_unit, user=factories.UserFactory(username="guest"))
    client.force_login(guest.user)
    assert client.get(url(published, unit)).status_code == 404
    Placement.objects.create(person=guest, kind="seconded", unit=unit, start_date=datetime.date(2026, 4, 1))
    assert client.get(url(published, unit)).status_code == 200


def test_search_filters_and_pages(published, staff, unit, other_section, client, monkeypatch):
    client.force_login(staff[0].user)
    assert names_on(client.get(url(published, unit, f"?q={staff[3].name}")).content.decode(), staff) == {staff[3].name}
    assert names_on(client.get(url(published, unit, f"?section={other_section.pk}")).content.decode(), staff) == {
        p.name for p in staff[7:]
    }
    good = {r.person.name for r in results(published) if r.final_grade == "好"}
    assert names_on(client.get(url(published, unit, "?grade=好")).content.decode(), staff) == good
    assert len(names_on(client.get(url(published, unit, "?section=x&grade=y&page=z")).content.decode(), staff)) == 10

    monkeypatch.setattr(publicity_views, "PUBLICITY_PAGE", 4)
    first = client.get(url(published, unit)).content.decode()
    assert len(names_on(first, staff)) == 4
    assert "第1页，共3页" in first
    assert len(names_on(client.get(url(published, unit, "?page=3")).content.decode(), staff)) == 2


def test_the_printable_version_lists_every_row_without_navigation(published, staff, unit, client, monkeypatch):
    monkeypatch.setattr(publicity_views, "PUBLICITY_PAGE", 4)
    client.force_login(staff[0].user)
    page = client.get(url(published, unit, "?print=1")).content.decode()
    assert names_on(page, staff) == {p.name for p in staff}
    assert "navbar" not in page
    assert "data-print" in page  # the print button, run by static/js/ticks.js (no inline script)
    assert "/static/js/ticks.js" in page
    assert "共10人。" in page
    filtered = client.get(url(published, unit, "?print=1&grade=好")).content.decode()
    assert names_on(filtered, staff) == {r.person.name for r in results(published) if r.final_grade == "好"}


def test_after_publicity_the_list_stays_readable_without_the_review_link(
    published, cast, staff, unit, client, during_quarter
):
    during_quarter(datetime.date(2026, 4, 10))
    services.unit_report(period=published, unit=unit, by=cast["office"])
    client.force_login(staff[0].user)
    page = client.get(url(published, unit)).content.decode()
    assert "公示已于2026-04-09结束。" in page
    assert names_on(page, staff) == {p.name for p in staff}
    assert "我的结果：申请复核" not in page


def test_before_publication_nothing_is_listed(decided, staff, unit, client):
    client.force_login(staff[0].user)
    page = client.get(url(decided, unit)).content.decode()
    assert "本单位尚未公示本季度结果。" in page
    assert names_on(page, staff) == set()


def test_the_home_page_and_my_quarter_lead_to_it_while_publicity_runs(
    published, cast, staff, unit, client, during_quarter
):
    link = f'href="{url(published, unit)}"'
    client.force_login(staff[0].user)
    assert link in client.get(reverse("home")).content.decode()
    assert link in client.get(reverse("quarter:my_quarter", args=[published.pk])).content.decode()
    client.force_login(cast["outsider"])
    assert link not in client.get(reverse("home")).content.decode()
    during_quarter(datetime.date(2026, 4, 10))
    client.force_login(staff[0].user)
    assert link not in client.get(reverse("home")).content.decode()


def test_the_board_links_to_the_publicity_list(published, cast, unit, client):
    client.force_login(cast["office"])
    page = client.get(reverse("quarter:board", args=[published.pk, unit.code])).content.decode()
    assert f'href="{url(published, unit)}"' in page


def test_the_publicity_page_takes_a_bounded_number_of_queries(
    quarter, cast, staff, unit, section, client, during_quarter, django_assert_max_num_queries
):
    """Results are set in publicity directly: the page's reads are measured, not the chain that leads there."""
    during_quarter(datetime.date(2026, 4, 6))
    client.force_login(staff[0].user)

    def measure() -> int:
        QuarterlyResult.objects.filter(period=quarter).update(
            status=Step.PUBLICITY, final_grade="较好", publicity_ends=datetime.date(2026, 4, 9)
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(quarter, unit))
        assert response.status_code == 200
        return len(queries)

    few = measure()
    for n in range(20):
        factories.PersonFactory(unit=unit, section=section, name=f"新人{n}")
    during_quarter(datetime.date(2026, 3, 20))
    services.unit_start(period=quarter, unit=unit, by=cast["office"])
    during_quarter(datetime.date(2026, 4, 6))
    assert measure() == few
    with django_assert_max_num_queries(20):
        client.get(url(quarter, unit))
    with django_assert_max_num_queries(20):
        client.get(url(quarter, unit, "?print=1"))


def test_the_office_downloads_the_list_as_a_register_and_a_member_sees_no_such_link(
    published, cast, staff, unit, client
):
    client.force_login(staff[0].user)
    assert "publicity-register-xlsx" not in client.get(url(published, unit)).content.decode()
    client.force_login(cast["office"])
    page = client.get(url(published, unit)).content.decode()
    link = page.split('id="publicity-register-xlsx" href="')[1].split('"')[0].replace("&amp;", "&")
    assert 'id="publicity-register-pdf"' in page
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert quote("平时考核结果公示表") in response["Content-Disposition"]
    client.force_login(cast["outsider"])
    assert client.get(link).status_code == 404
