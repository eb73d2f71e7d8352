"""Read endpoints: each list holds what the caller's roles cover, each detail elsewhere is 404."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.models import AnnualResult, QuotaLedger
from units.models import Person, Placement

LISTS = ["units", "sections", "people", "placements", "periods", "sheets", "results", "ledgers", "annual-results"]


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def annual(decided, staff, unit, section):
    """One annual result, enough for the list and the detail."""
    return AnnualResult.objects.create(
        person=staff[0], assessment_year=decided.assessment_year, unit=unit, section=section, quarter_grades={}
    )


@pytest.fixture
def every_kind(decided, annual):
    """A row of every listed kind in the main unit: {list name: a row id}."""
    person = annual.person
    return {
        "units": person.unit_id,
        "sections": person.section_id,
        "people": person.pk,
        "placements": Placement.objects.filter(person=person).first().pk,
        "periods": decided.pk,
        "sheets": person.score_sheets.get(period=decided).pk,
        "results": person.results.get(period=decided).pk,
        "ledgers": QuotaLedger.objects.filter(period=decided, section=person.section).first().pk,
        "annual-results": annual.pk,
    }


@pytest.mark.parametrize("name", LISTS)
def test_the_office_lists_and_opens_a_row_of_every_kind(api, cast, every_kind, name):
    client = api(cast["office"])
    assert every_kind[name] in ids(client.get(f"/api/v1/{name}/"))
    assert client.get(f"/api/v1/{name}/{every_kind[name]}/").json()["id"] == every_kind[name]


@pytest.mark.parametrize("name", [n for n in LISTS if n != "periods"])
def test_the_office_of_another_unit_sees_an_empty_list_and_404(api, cast, every_kind, name, caplog):
    client = api(cast["outsider"])
    assert every_kind[name] not in ids(client.get(f"/api/v1/{name}/"))
    response = client.get(f"/api/v1/{name}/{every_kind[name]}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "refused user=outsider" in caplog.text


def test_periods_are_shared_by_the_region_but_nothing_in_them(api, cast, every_kind):
    """A period belongs to the region; the outsider sees it, and none of the main unit's rows in it."""
    client = api(cast["outsider"])
    assert every_kind["periods"] in ids(client.get("/api/v1/periods/"))
    assert not ids(client.get(f"/api/v1/sheets/?period={every_kind['periods']}"))
    assert not ids(client.get(f"/api/v1/results/?period={every_kind['periods']}"))


def test_a_section_head_sees_only_their_section(api, cast, decided, section, other_section):
    rows = api(cast["head"]).get("/api/v1/results/?page_size=100").json()["results"]
    assert rows
    assert {row["section"] for row in rows} == {section.pk}


def test_people_show_the_masked_id_number_only(api, cast, staff):
    body = api(cast["office"]).get(f"/api/v1/people/{staff[0].pk}/").json()
    assert "id_number" not in body
    assert body["masked_id_number"] == staff[0].masked_id_number
    assert staff[0].id_number not in str(body)


def test_lists_filter_by_unit_code_section_period_status_and_grade(api, cast, decided, section, other_section):
    client = api(cast["org"])
    assert len(ids(client.get("/api/v1/units/?code=U-MAIN"))) == 1
    assert ids(client.get("/api/v1/sheets/?unit_code=U-OUT")) == set()
    in_first = ids(client.get(f"/api/v1/results/?section={section.pk}&period={decided.pk}&page_size=100"))
    assert len(in_first) == 7
    good = client.get("/api/v1/results/?final_grade=好").json()["results"]
    assert {row["final_grade"] for row in good} == {"好"}
    assert len(good) == 2
    assert client.get("/api/v1/results/?status=decided").json()["count"] == 10


def test_lists_order_and_paginate(api, cast, decided):
    client = api(cast["office"])
    totals = [D(row["total"]) for row in client.get("/api/v1/sheets/?ordering=-total&page_size=100").json()["results"]]
    assert totals == sorted(totals, reverse=True)
    page = client.get("/api/v1/sheets/?page_size=3&page=2").json()
    assert page["count"] == 10
    assert len(page["results"]) == 3
    assert page["next"]
    assert page["previous"]
    assert client.get("/api/v1/sheets/?page=99").status_code == 404


def test_a_sheet_comes_with_its_entries(api, cast, decided, staff):
    sheet = staff[1].score_sheets.get(period=decided)
    body = api(cast["office"]).get(f"/api/v1/sheets/{sheet.pk}/").json()
    assert body["version"] == sheet.version
    assert {e["item"] for e in body["entries"]} == set(sheet.entries.values_list("item_id", flat=True))
    assert sum(D(e["points"]) for e in body["entries"]) == sheet.common_points


@pytest.mark.parametrize("name", LISTS)
def test_a_list_costs_the_same_queries_for_one_row_as_for_many(api, cast, every_kind, staff, decided, name):
    AnnualResult.objects.create(
        person=staff[8], assessment_year=decided.assessment_year, unit=staff[8].unit, section=staff[8].section
    )
    client = api(cast["org"])
    client.get(f"/api/v1/{name}/?page_size=1")  # the roles are resolved once per request: warm nothing else
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"/api/v1/{name}/?page_size=1").status_code == 200
    with CaptureQueriesContext(connection) as many:
        rows = client.get(f"/api/v1/{name}/?page_size=500").json()["results"]
    assert len(rows) > 1
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_a_person_without_roles_sees_only_their_own_record(api, staff):
    own = staff[0]
    client = api(own.user)
    assert ids(client.get("/api/v1/people/")) == {own.pk}
    assert ids(client.get("/api/v1/units/")) == set()
    assert client.get(f"/api/v1/people/{staff[1].pk}/").status_code == 404


def test_an_anonymous_caller_gets_401_with_a_token_challenge(client, decided):
    response = client.get("/api/v1/units/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": response.json()["detail"], "code": "not_authenticated"}


def test_the_schema_and_the_docs_need_a_login(client, login, officer):
    assert client.get("/api/schema/").status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302
    assert "/login" in docs["Location"]
    login(officer)
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "公务员考核管理系统 API"
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert b"drf_spectacular_sidecar" in page.content  # vendored assets, no CDN
    assert b"cdn" not in page.content.lower()


def test_bad_filter_values_are_400_naming_the_parameter(api, officer):
    response = api(officer).get("/api/v1/people/?unit=abc&section=99999999999999999999999")
    assert response.status_code == 400
    assert set(response.json()) == {"unit", "section"}


def test_person_count_is_not_changed_by_reads(api, officer, person):
    before = Person.objects.count()
    api(officer).get("/api/v1/people/")
    assert Person.objects.count() == before
