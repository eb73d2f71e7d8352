"""Every JSON write of the API, sent by the one who may make it, with a body that is not JSON, not an object,
or carries a field it does not know: a 400 that says so (naming the field), never a 500, nothing saved."""

import pytest

from assessment.models import QuarterlyResult, RegisterExport, ReviewRequest
from audit.models import AuditEntry
from scoring.models import Event


def saved():
    return (
        list(Event.objects.values_list("pk", "status")),
        list(QuarterlyResult.objects.order_by("pk").values()),
        list(ReviewRequest.objects.values_list("pk", "answered_at")),
        RegisterExport.objects.count(),
        AuditEntry.objects.count(),
    )


def writes(rows):
    """(who, path) of every JSON write, on the main unit's rows."""
    period, unit = rows["period"], rows["unit"]
    units = f"/api/v1/periods/{period.pk}/units/{unit.code}"
    return {
        "event record": ("office", "/api/v1/events/"),
        "event declare": ("p0", "/api/v1/events/declare/"),
        "event check": ("head", f"/api/v1/events/{rows['events']}/check/"),
        "event return": ("head", f"/api/v1/events/{rows['events']}/return/"),
        "event approve": ("office", f"/api/v1/events/{rows['events']}/approve/"),
        "event reject": ("office", f"/api/v1/events/{rows['events']}/reject/"),
        "propose": ("head", f"/api/v1/results/{rows['results']}/propose/"),
        "review": ("leader", f"/api/v1/results/{rows['results']}/review/"),
        "return": ("committee", f"/api/v1/results/{rows['results']}/return/"),
        "decide": ("committee", f"/api/v1/results/{rows['results']}/decide/"),
        "publish": ("office", f"{units}/publish/"),
        "report": ("office", f"{units}/report/"),
        "confirm": ("org", f"{units}/confirm/"),
        "send back": ("org", f"{units}/send-back/"),
        "review request": ("p0", "/api/v1/review-requests/"),
        "review answer": ("office", f"/api/v1/review-requests/{rows['review-requests']}/answer/"),
        "register export": ("org", "/api/v1/register-exports/"),
    }


WRITES = [
    "event record",
    "event declare",
    "event check",
    "event return",
    "event approve",
    "event reject",
    "propose",
    "review",
    "return",
    "decide",
    "publish",
    "report",
    "confirm",
    "send back",
    "review request",
    "review answer",
    "register export",
]


def actor(cast, staff, who):
    return staff[0].user if who == "p0" else cast[who]


@pytest.mark.parametrize("name", WRITES)
def test_a_body_that_is_not_json_is_400_parse_error(api, cast, staff, rows, name):
    who, path = writes(rows)[name]
    before = saved()
    response = api(actor(cast, staff, who)).post(path, '{"reason": "x",', content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error"
    assert saved() == before


@pytest.mark.parametrize("name", WRITES)
@pytest.mark.parametrize("body", ['["reason"]', "null"])
def test_a_body_that_is_not_an_object_is_400(api, cast, staff, rows, name, body):
    who, path = writes(rows)[name]
    before = saved()
    response = api(actor(cast, staff, who)).post(path, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "non_field_errors" in response.json()
    assert saved() == before


@pytest.mark.parametrize("name", WRITES)
def test_an_unknown_field_is_400_naming_it(api, cast, staff, rows, name):
    who, path = writes(rows)[name]
    before = saved()
    response = api(actor(cast, staff, who)).post(path, {"surplus": 1}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["surplus"]
    assert saved() == before


def test_a_write_sent_as_a_form_is_415(api, cast, rows):
    who, path = writes(rows)["event approve"]
    response = api(cast[who]).post(path, {"note": "x"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
