"""The API's parsers (api.parsers): a body nested without end, or holding a control character, is a 400 in JSON
before any view reads it, never a 500."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.parsers import problem_of
from scoring.models import Event, EventStandard, MonthlyImport, ScoreEntry
from tests.api.test_bulk_scores import rows_for, url

REFUSED = "请求中含有控制字符（如空字符NUL），请删除后重新提交。"


def post_raw(api, user, path, body: str):
    return api(user).generic("POST", path, body.encode(), content_type="application/json")


def test_json_nested_a_hundred_thousand_deep_is_a_400_in_json(api, cast, quarter, section):
    # Before: RecursionError out of the JSON decoder, which DRF does not catch: a 500 page in HTML.
    before = list(ScoreEntry.objects.order_by("pk").values())
    response = post_raw(api, cast["office"], url(quarter, section), "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "JSON请求体嵌套超过20层。", "code": "too_deep"}
    assert list(ScoreEntry.objects.order_by("pk").values()) == before


def test_json_one_level_deeper_than_the_setting_is_refused(api, cast, quarter, section, settings):
    settings.API_JSON_MAX_DEPTH = 3
    rows = rows_for(quarter, [section.people.first()])  # a list of rows, each with its entries: 3 levels
    assert api(cast["office"]).post(url(quarter, section), rows, format="json").status_code == 200
    settings.API_JSON_MAX_DEPTH = 2
    response = api(cast["office"]).post(url(quarter, section), rows, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"


def test_the_depth_is_counted_without_recursion():
    deep = current = []
    for _ in range(50_000):
        current.append([])
        current = current[0]
    assert problem_of(deep, 20) == "too_deep"
    assert problem_of({"a": [{"b": "c"}]}, 3) is None
    assert problem_of({"a": [{"b": "c"}]}, 2) == "too_deep"


@pytest.mark.parametrize("matter", ["先进\\u0000", "先进\\u001b", "先进\\u0085"])
def test_a_control_character_escaped_in_json_is_refused_and_nothing_saved(api, cast, quarter, staff, unit, matter):
    standard = EventStandard.objects.get(code="city_commendation")
    body = {
        "period": quarter.pk,
        "unit": unit.pk,
        "matter": "MATTER",
        "standard": standard.pk,
        "evidence": "文件",
        "shares": [{"person": staff[1].pk, "points": "1"}],
    }
    text = json.dumps(body).replace("MATTER", matter)
    response = post_raw(api, cast["office"], "/api/v1/events/", text)
    assert response.status_code == 400
    assert response.json() == {"detail": REFUSED, "code": "control_characters"}
    assert not Event.objects.exists()


def test_a_control_character_in_a_json_key_is_refused(api, cast, quarter, section):
    response = post_raw(api, cast["office"], url(quarter, section), '[{"sheet\\u0000": 1}]')
    assert response.json()["code"] == "control_characters"


def test_an_escaped_backslash_before_u0000_is_text_and_passes_the_parser(api, cast, quarter, staff, unit):
    standard = EventStandard.objects.get(code="city_commendation")
    body = {
        "period": quarter.pk,
        "unit": unit.pk,
        "matter": "路径\\u0000",  # a backslash, then the text u0000
        "standard": standard.pk,
        "evidence": "文件",
        "shares": [{"person": staff[1].pk, "points": "1"}],
    }
    assert api(cast["office"]).post("/api/v1/events/", body, format="json").status_code == 201


def test_a_control_character_in_an_uploads_form_field_is_refused(api, cast, quarter):
    upload = SimpleUploadedFile("月度.xlsx", b"PK", content_type="application/octet-stream")
    response = api(cast["office"]).post(
        "/api/v1/monthly-imports/", {"period": quarter.pk, "unit": "U\x00", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "control_characters"
    assert not MonthlyImport.objects.filter(file_name__startswith="月度").exists()
