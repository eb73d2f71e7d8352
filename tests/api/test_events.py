"""Bonus and deduction events through the API: recorded by the office, declared by a person, checked or
returned by the head of the person's section, approved or rejected by the office; the services' rules hold,
bad input is named, nothing half-saved."""

from decimal import Decimal as D

import pytest

from scoring import services as scoring
from scoring.models import Event, EventShare, EventStandard


@pytest.fixture
def standards(db):
    return {s.code: s for s in EventStandard.objects.all()}


@pytest.fixture
def declared(quarter, staff, standards):
    """A bonus the first person declared, waiting for the section's check."""
    return scoring.event_declare(
        period=quarter, matter="市级先进", standard=standards["city_commendation"], evidence="文件", by=staff[0].user
    )


@pytest.fixture
def checked(declared, cast):
    """The declaration checked by the head of the person's section, waiting for the office."""
    return scoring.event_check(event=declared, by=cast["head"], note="属实")


def record_body(quarter, unit, standard, people, points="2.00"):
    return {
        "period": quarter.pk,
        "unit": unit.pk,
        "matter": "抗洪抢险",
        "standard": standard.pk,
        "evidence": "区委通报〔2026〕1号",
        "shares": [{"person": person.pk, "points": points} for person in people],
    }


def saved():
    return Event.objects.count(), EventShare.objects.count()


def test_the_office_records_an_event_that_counts_at_once(api, cast, quarter, unit, staff, standards):
    body = record_body(quarter, unit, standards["city_commendation"], staff[1:3])
    response = api(cast["office"]).post("/api/v1/events/", body)
    assert response.status_code == 201, response.json()
    event = response.json()
    assert (event["status"], event["kind"], len(event["shares"])) == ("approved", "bonus", 2)
    assert staff[1].score_sheets.get(period=quarter).bonus_points == D("2.00")


def test_the_office_lists_filters_and_opens_events(api, cast, quarter, unit, declared):
    client = api(cast["office"])
    rows = client.get(f"/api/v1/events/?period={quarter.pk}&unit={unit.pk}&status=declared&kind=bonus").json()
    assert [row["id"] for row in rows["results"]] == [declared.pk]
    assert client.get("/api/v1/events/?kind=deduction").json()["results"] == []
    assert client.get(f"/api/v1/events/{declared.pk}/").json()["matter"] == "市级先进"


def test_a_person_declares_and_sees_their_own_declaration(api, quarter, staff, standards):
    client = api(staff[0].user)
    body = {
        "period": quarter.pk,
        "matter": "论文获奖",
        "standard": standards["city_commendation"].pk,
        "evidence": "证书",
    }
    response = client.post("/api/v1/events/declare/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "declared"
    assert response.json()["id"] in {row["id"] for row in client.get("/api/v1/events/").json()["results"]}


def test_an_account_without_a_person_may_not_declare(api, cast, quarter, standards):
    body = {"period": quarter.pk, "matter": "x", "standard": standards["city_commendation"].pk, "evidence": "y"}
    response = api(cast["office"]).post("/api/v1/events/declare/", body)
    assert response.status_code == 403
    assert not Event.objects.exists()


def test_a_person_declares_bonuses_only(api, quarter, staff, standards):
    body = {"period": quarter.pk, "matter": "x", "standard": standards["circulated_criticism"].pk, "evidence": "y"}
    response = api(staff[0].user).post("/api/v1/events/declare/", body)
    assert response.status_code == 400
    assert list(response.json()) == ["standard"]


def test_the_section_head_checks_a_declaration_and_the_office_approves_it(api, cast, quarter, staff, declared):
    response = api(cast["head"]).post(f"/api/v1/events/{declared.pk}/check/", {"note": "属实"})
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["check_note"]) == ("checked", "属实")
    assert staff[0].score_sheets.get(period=quarter).bonus_points == D("0")
    response = api(cast["office"]).post(f"/api/v1/events/{declared.pk}/approve/", {"note": "属实"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    assert staff[0].score_sheets.get(period=quarter).bonus_points == D("2.00")


def test_the_office_may_not_approve_before_the_section_checks(api, cast, declared):
    response = api(cast["office"]).post(f"/api/v1/events/{declared.pk}/approve/", {})
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_order"
    assert Event.objects.get().status == "declared"


def test_the_section_head_returns_a_declaration_with_its_reason(api, cast, declared):
    client = api(cast["head"])
    missing = client.post(f"/api/v1/events/{declared.pk}/return/", {})
    assert missing.status_code == 400
    assert list(missing.json()) == ["reason"]
    response = client.post(f"/api/v1/events/{declared.pk}/return/", {"reason": "证明材料不全"})
    assert (response.json()["status"], response.json()["check_note"]) == ("returned", "证明材料不全")
    again = api(cast["office"]).post(f"/api/v1/events/{declared.pk}/approve/", {})
    assert again.status_code == 409
    assert Event.objects.get().status == "returned"


def test_the_head_of_another_section_may_not_check(api, cast, declared):
    response = api(cast["head2"]).post(f"/api/v1/events/{declared.pk}/check/", {})
    assert response.status_code == 404  # not one of their people: not even seen
    assert Event.objects.get().status == "declared"


def test_a_rejection_needs_its_reason(api, cast, checked):
    client = api(cast["office"])
    missing = client.post(f"/api/v1/events/{checked.pk}/reject/", {})
    assert missing.status_code == 400
    assert list(missing.json()) == ["note"]
    response = client.post(f"/api/v1/events/{checked.pk}/reject/", {"note": "无文件"})
    assert response.json()["status"] == "rejected"


def test_deciding_twice_is_409_decided(api, cast, checked):
    client = api(cast["office"])
    assert client.post(f"/api/v1/events/{checked.pk}/approve/", {}).status_code == 200
    response = client.post(f"/api/v1/events/{checked.pk}/reject/", {"note": "x"})
    assert response.status_code == 409
    assert response.json()["code"] == "decided"
    assert Event.objects.get().status == "approved"


def test_a_section_head_may_not_approve(api, cast, checked, caplog):
    response = api(cast["head"]).post(f"/api/v1/events/{checked.pk}/approve/", {})
    assert response.status_code == 403  # the head sees their section's declarations, but only checks them
    assert Event.objects.get().status == "checked"
    assert "refused user=head" in caplog.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"points": "5.00"}, "points"),  # more than the standard's 2
        ({"points": "-1"}, "points"),  # a bonus has positive points
        ({"evidence": "  "}, "evidence"),
        ({"shares": []}, "shares"),
        ({"shares": [{"person": 1}]}, "shares[0].points"),
        ({"shares": [{"person": "x", "points": "1"}]}, "shares[0].person"),
        ({"shares": [{"person": 99999999, "points": "1"}]}, "shares[0].person"),
        ({"period": 99999999}, "period"),
        ({"unit": 99999999}, "unit"),
        ({"standard": 99999999}, "standard"),
        ({"standard": "abc"}, "standard"),
        ({"period": 2**63}, "period"),
        ({"matter": "x" * 201}, "matter"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_events_are_400_naming_the_field_and_save_nothing(
    api, cast, quarter, unit, staff, standards, change, field
):
    body = {**record_body(quarter, unit, standards["city_commendation"], staff[1:2]), **change}
    before = saved()
    response = api(cast["office"]).post("/api/v1/events/", body)
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert saved() == before


def test_an_event_on_ones_own_result_is_403(api, cast, quarter, unit, staff, standards):
    office = cast["office"]
    staff[1].user = office
    staff[1].save()
    response = api(office).post(
        "/api/v1/events/", record_body(quarter, unit, standards["city_commendation"], staff[1:2])
    )
    assert response.status_code == 403
    assert saved() == (0, 0)
