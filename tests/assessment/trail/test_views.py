"""The audit trail page (/trail/) and its export: the organisation department reads its region's trail, a unit's
office its unit's, nobody else any; searched, filtered by act, unit, person and dates, sorted and paged like
every list; the export holds the page's rows, all of them, and is itself recorded."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from audit.services import entry, record, record_all
from tests import factories

TRAIL = reverse("trail")
EXPORT = reverse("trail_export")


@pytest.fixture
def acts(unit, other_unit, person, officer, org_user):
    """A person's change in each unit, a region-level act, and a failed login under an unknown name."""
    stranger = factories.PersonFactory(unit=other_unit, name="外单位人")
    return {
        "mine": record(action="person_change", by=officer, person=person, changes={"post": ["科员", "副科长"]}),
        "theirs": record(action="person_change", by=org_user, person=stranger, changes={"post": ["科员", "主任"]}),
        "region": record(action="region_create", by=org_user, region=unit.region),
        "nobody": record(action="login_failed", address="10.9.9.9", changes={"username": [None, "ghost"]}),
    }


def listed(response) -> set[int]:
    """The entries listed, but the reader's own login (the test's login is in the trail too)."""
    return {row["entry"].pk for row in response.context["rows"] if row["entry"].action != "login"}


def test_the_office_reads_its_units_trail_only(login, officer, acts):
    response = login(officer).get(TRAIL)
    assert response.status_code == 200
    assert listed(response) == {acts["mine"].pk}
    html = response.content.decode()
    assert "审计记录" in html
    assert "副科长" in html
    assert "主任" not in html


def test_the_organisation_department_reads_its_regions_trail(login, org_user, acts):
    response = login(org_user).get(TRAIL)
    assert listed(response) == {acts["mine"].pk, acts["theirs"].pk, acts["region"].pk}


def test_another_units_office_sees_none_of_this_units_entries(login, outsider, acts):
    response = login(outsider).get(TRAIL)
    assert response.status_code == 200
    assert acts["mine"].pk not in listed(response)
    assert "副科长" not in response.content.decode()
    exported = login(outsider).get(EXPORT)
    assert "副科长" not in _cells(exported)


def test_a_plain_person_and_a_section_head_are_refused(client, member, section_head, acts):
    for user in (member, section_head):
        client.force_login(user)
        assert client.get(TRAIL).status_code == 404
        assert client.get(EXPORT).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, acts):
    assert client.get(TRAIL).status_code == 302


def test_the_administrator_also_sees_the_entries_of_nobody(login, admin, acts):
    assert acts["nobody"].pk in listed(login(admin).get(TRAIL))


def test_the_trail_is_filtered_by_act_unit_person_and_dates_and_searched(login, org_user, unit, person, acts):
    client = login(org_user)
    assert listed(client.get(TRAIL, {"action": "organisation"})) == {acts["region"].pk}
    assert listed(client.get(TRAIL, {"unit": unit.pk})) == {acts["mine"].pk}
    assert listed(client.get(TRAIL, {"person": person.pk})) == {acts["mine"].pk}
    assert listed(client.get(TRAIL, {"q": person.name})) == {acts["mine"].pk}
    assert listed(client.get(TRAIL, {"q": person.id_number[-4:]})) == {acts["mine"].pk}
    today = timezone.localdate()
    assert len(listed(client.get(TRAIL, {"from": today.isoformat(), "to": today.isoformat()}))) == 3
    assert listed(client.get(TRAIL, {"to": (today - datetime.timedelta(days=1)).isoformat()})) == set()
    assert listed(client.get(TRAIL, {"from": "not-a-date"})) == {acts["mine"].pk, acts["theirs"].pk, acts["region"].pk}


def test_a_person_outside_the_readers_roles_is_not_offered_as_a_filter(login, officer, acts):
    stranger = acts["theirs"].person
    response = login(officer).get(TRAIL, {"person": stranger.pk})
    assert stranger.name not in response.content.decode()
    assert listed(response) == {acts["mine"].pk}  # the unknown value is not applied, as every list does


def test_the_trail_is_sorted_newest_first_and_paged(login, officer, person, acts):
    record_all(entry(action="score_enter", by=officer, person=person) for _ in range(60))
    client = login(officer)
    first = client.get(TRAIL)
    rows = [row["entry"] for row in first.context["rows"]]
    assert len(rows) == 50
    assert rows[0].pk > rows[-1].pk
    assert len(client.get(TRAIL, {"page": 2}).context["rows"]) == 12  # 60, the acts' one and the login
    by_actor = client.get(TRAIL, {"sort": "actor"})
    assert by_actor.status_code == 200


def _cells(response) -> str:
    if response.status_code != 200:
        return ""
    sheet = load_workbook(io.BytesIO(response.content)).active
    return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)


def test_the_export_holds_the_filtered_rows_and_is_itself_recorded(login, org_user, unit, acts):
    response = login(org_user).get(EXPORT, {"unit": unit.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # the headers and the unit's one entry
    assert "副科长" in " ".join(str(c) for c in rows[1] if c)
    export = AuditEntry.objects.get(action="trail_export")
    assert export.actor == org_user
    assert export.changes == {"entries": [None, 1], "filters": [None, {"unit": str(unit.pk)}]}


def test_an_export_larger_than_the_limit_is_refused_with_the_reason(login, org_user, acts, settings):
    settings.TRAIL_EXPORT_MAX_ROWS = 1
    response = login(org_user).get(EXPORT, follow=True)
    assert response.redirect_chain[-1][0] == TRAIL
    assert "超过一次导出的上限" in response.content.decode()
    assert not AuditEntry.objects.filter(action="trail_export").exists()


def test_the_home_page_leads_the_office_and_the_organisation_department_to_the_trail(login, officer, org_user, member):
    assert TRAIL in login(officer).get(reverse("home")).content.decode()
    assert TRAIL in login(org_user).get(reverse("home")).content.decode()
    assert TRAIL not in login(member).get(reverse("home")).content.decode()


def test_page_queries_do_not_grow_with_the_entries(login, org_user, unit, other_unit, person, officer):
    client = login(org_user)
    people = [person, *(factories.PersonFactory(unit=other_unit) for _ in range(4))]
    record_all(entry(action="person_change", by=officer, person=p, changes={"post": ["a", "b"]}) for p in people)
    client.get(TRAIL)  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(TRAIL).status_code == 200
    more = [factories.PersonFactory(unit=unit) for _ in range(30)]
    record_all(entry(action="score_enter", by=org_user, person=p, changes={"x": [1, 2]}) for p in more)
    with CaptureQueriesContext(connection) as many:
        response = client.get(TRAIL)
    assert len(response.context["rows"]) == 36  # and the reader's own login
    assert len(many.captured_queries) == len(few.captured_queries) <= 10


def test_a_results_steps_and_coded_fields_read_as_the_pages_name_them(login, officer, person, unit):
    record(
        action="committee_decide",
        by=officer,
        person=person,
        object_type="quarterlyresult",
        object_id=987654,
        changes={"status": ["committee", "decided"]},
        from_status="committee",
        to_status="decided",
    )
    page = login(officer).get(TRAIL).content.decode()
    row = page[page.index("quarterlyresult 987654") :]
    row = row[: row.index("</tr>")]
    assert "committee" not in row
    assert "decided" not in row
    assert row.count("→") == 2
