"""Monthly performance through the API: the scores and import batches to read, and an .xlsx upload that
imports all or nothing, its problems listed by row, column and message."""

import io
from decimal import Decimal as D

import pytest
from django.template.defaultfilters import filesizeformat
from openpyxl import load_workbook

from scoring.models import MonthlyImport, MonthlyScore
from scoring.monthly import HEADERS, monthly_template
from tests.helpers import xlsx

URL = "/api/v1/monthly-imports/"


def filled(period, by, unit, month, scores) -> io.BytesIO:
    """The browser's template for ``month``, with ``scores`` written row by row (None leaves a row empty)."""
    workbook = load_workbook(io.BytesIO(monthly_template(period=period, month=month, by=by, unit=unit)))
    for offset, score in enumerate(scores):
        workbook.active.cell(row=2 + offset, column=6, value=score)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "一月.xlsx"
    return buffer


def state():
    return MonthlyImport.objects.count(), sorted(MonthlyScore.objects.values_list("person_id", "month", "score"))


def test_the_office_reads_monthly_scores_by_period_person_and_month(api, cast, quarter, staff):
    client = api(cast["office"])
    rows = client.get(f"/api/v1/monthly-scores/?period={quarter.pk}&page_size=100").json()
    assert rows["count"] == 30  # ten people, three months
    one = client.get(f"/api/v1/monthly-scores/?person={staff[2].pk}&month=2").json()["results"]
    assert [(row["person"], row["month"], D(row["score"])) for row in one] == [(staff[2].pk, 2, D("97.5"))]
    assert client.get(f"/api/v1/monthly-scores/{one[0]['id']}/").json()["person_name"] == staff[2].name
    assert client.get("/api/v1/monthly-scores/?month=13").status_code == 400


def test_the_office_imports_a_filled_template(api, cast, quarter, unit, staff):
    upload = filled(quarter, cast["office"], unit, 1, [90 + n / 2 for n in range(10)])
    response = api(cast["office"]).post(
        URL, {"period": quarter.pk, "unit": unit.code, "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    batch = response.json()
    assert (batch["rows"], batch["created"], batch["replaced"], batch["unit"]) == (10, 0, 10, unit.pk)
    assert MonthlyScore.objects.get(person=staff[0], month=1).score == D("90.00")
    listed = api(cast["office"]).get(f"{URL}?period={quarter.pk}").json()["results"]
    assert batch["id"] in {row["id"] for row in listed}


def test_a_file_with_bad_rows_saves_nothing_and_lists_each_problem(api, cast, quarter, unit):
    upload = filled(quarter, cast["office"], unit, 1, [95, 150, "abc"])
    before = state()
    response = api(cast["office"]).post(URL, {"period": quarter.pk, "file": upload}, format="multipart")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "import_refused"
    problems = {(e["row"], e["column"]) for e in body["errors"]}
    assert {(3, "F（月度绩效得分）"), (4, "F（月度绩效得分）")} <= problems
    assert all(e["message"] for e in body["errors"])
    assert state() == before


def test_a_file_that_is_not_a_workbook_is_400_with_the_whole_file_named(api, cast, quarter):
    upload = io.BytesIO(b"not a workbook")
    upload.name = "x.xlsx"
    before = state()
    response = api(cast["office"]).post(URL, {"period": quarter.pk, "file": upload}, format="multipart")
    assert response.status_code == 400
    assert [e["row"] for e in response.json()["errors"]] == [0]
    assert state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "x"}, "period"),
        ({"period": 99999999}, "period"),
        ({"unit": "NOPE"}, "unit"),
        ({"extra": "1"}, "extra"),
        ({"file": None}, "file"),
    ],
)
def test_bad_uploads_are_400_naming_the_field(api, cast, quarter, unit, body, field):
    data = {"period": quarter.pk, "file": filled(quarter, cast["office"], unit, 1, [95]), **body}
    data = {key: value for key, value in data.items() if value is not None}
    before = state()
    response = api(cast["office"]).post(URL, data, format="multipart")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert state() == before


def test_json_is_not_an_upload(api, cast, quarter):
    response = api(cast["office"]).post(URL, {"period": quarter.pk}, format="json")
    assert response.status_code == 415


def test_a_leader_may_not_import(api, cast, quarter, unit):
    upload = filled(quarter, cast["office"], unit, 1, [95])
    before = state()
    response = api(cast["leader"]).post(URL, {"period": quarter.pk, "file": upload}, format="multipart")
    assert response.status_code == 403
    assert state() == before


def test_a_closed_period_is_409(api, cast, quarter, unit):
    quarter.status = "closed"
    quarter.save()
    upload = filled(quarter, cast["office"], unit, 1, [95])
    response = api(cast["office"]).post(URL, {"period": quarter.pk, "file": upload}, format="multipart")
    assert response.status_code == 409
    assert response.json()["code"] == "closed"


def test_a_section_head_reads_the_monthly_scores_of_their_section_only(api, cast, quarter, staff, section):
    rows = api(cast["head"]).get("/api/v1/monthly-scores/?page_size=500").json()["results"]
    assert {row["person"] for row in rows} == {p.pk for p in staff if p.section_id == section.pk}


def test_a_person_without_roles_reads_no_monthly_scores_and_no_imports(api, quarter, staff):
    client = api(staff[0].user)
    assert client.get("/api/v1/monthly-scores/").json()["results"] == []
    assert client.get("/api/v1/monthly-imports/").json()["results"] == []


def test_fifty_thousand_unknown_people_answer_with_the_first_problems_and_a_count(api, cast, quarter):
    # Each row names a person who does not exist: before the cap the answer listed all 50,000 (5.6 MB).
    content = xlsx([list(HEADERS)] + [[900_000 + n, "无此人", "", "", 1, 90] for n in range(50_000)])
    upload = io.BytesIO(content)
    upload.name = "unknown.xlsx"
    before = state()
    response = api(cast["office"]).post(URL, {"period": quarter.pk, "file": upload}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_refused"
    assert (len(body["errors"]), body["errors_total"], body["errors_not_shown"]) == (200, 50_000, 49_800)
    assert body["errors"][0]["row"] == 2
    assert body["errors"][0]["column"] == "A（人员编号）"
    assert "900000" in body["errors"][0]["message"]
    assert len(response.content) < 40_000
    assert state() == before


def test_a_file_larger_than_an_import_reads_is_refused_with_its_size(api, cast, quarter, settings):
    settings.IMPORT_MAX_BYTES = 1000
    upload = filled(quarter, cast["office"], None, 1, [90] * 10)
    response = api(cast["office"]).post(URL, {"period": quarter.pk, "file": upload}, format="multipart")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["row"] == 0
    assert filesizeformat(1000) in error["message"]


def test_a_workbook_sent_as_a_form_field_too_large_is_told_how_to_send_it(api, cast, quarter, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = api(cast["office"])
    client.raise_request_exception = False
    response = client.post(URL, {"period": quarter.pk, "file": "x" * 2000}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "request_too_large"
    assert "multipart/form-data" in response.json()["detail"]
