"""The office of another unit of the same region, against every endpoint and act of the API: lists leave the
main unit's rows out, details and acts on them answer 404, creations naming them are refused (400 naming
the field, or 403), and nothing is saved. A last test checks that no operation of the schema is missed."""

import io

import pytest
from drf_spectacular.generators import SchemaGenerator

from assessment.models import QuarterlyResult, RegisterExport, ReviewRequest
from audit.models import AuditEntry
from scoring.models import Event, MonthlyImport


def saved():
    return (
        list(Event.objects.values_list("pk", "status")),
        list(QuarterlyResult.objects.order_by("pk").values()),
        list(ReviewRequest.objects.values_list("pk", "answered_at")),
        MonthlyImport.objects.count(),
        RegisterExport.objects.count(),
        AuditEntry.objects.count(),
    )


NEW_LISTS = ["events", "monthly-scores", "monthly-imports", "review-requests", "register-exports"]


@pytest.mark.parametrize("name", NEW_LISTS)
def test_the_outsider_lists_none_of_the_units_rows(api, cast, rows, name):
    response = api(cast["outsider"]).get(f"/api/v1/{name}/?page_size=500")
    assert response.status_code == 200
    assert rows[name] not in {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("name", NEW_LISTS)
def test_the_outsider_opens_none_of_the_units_rows(api, cast, rows, name, caplog):
    response = api(cast["outsider"]).get(f"/api/v1/{name}/{rows[name]}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "refused user=outsider" in caplog.text


ACTS = [
    ("events", "check", {"note": "x"}),
    ("events", "return", {"reason": "x"}),
    ("events", "approve", {"note": "x"}),
    ("events", "reject", {"note": "x"}),
    ("results", "propose", {"grade": "较好", "comment": "x"}),
    ("results", "review", {"comment": "x"}),
    ("results", "return", {"reason": "x"}),
    ("results", "decide", {"grade": "较好"}),
    ("results", "skip-summary", {"reason": "x"}),
    ("review-requests", "answer", {"answer": "x"}),
]


@pytest.mark.parametrize(("name", "act", "body"), ACTS)
def test_the_outsider_acts_on_none_of_the_units_rows(api, cast, rows, name, act, body, caplog):
    before = saved()
    response = api(cast["outsider"]).post(f"/api/v1/{name}/{rows[name]}/{act}/", body)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert saved() == before
    assert "refused user=outsider" in caplog.text


def test_the_outsider_does_not_download_the_units_register(api, cast, rows):
    assert api(cast["outsider"]).get(f"/api/v1/register-exports/{rows['register-exports']}/file/").status_code == 404


@pytest.mark.parametrize(
    ("act", "body"), [("publish", {}), ("report", {}), ("confirm", {}), ("send-back", {"reason": "x"})]
)
def test_the_outsider_moves_none_of_the_units_results(api, cast, rows, act, body, caplog):
    before = saved()
    response = api(cast["outsider"]).post(f"/api/v1/periods/{rows['period'].pk}/units/{rows['unit'].code}/{act}/", body)
    assert response.status_code == 404
    assert saved() == before
    assert "refused user=outsider" in caplog.text


def creations(rows):
    """Each creation naming the main unit's rows: (path, body, format, expected status, field or None)."""
    period, unit = rows["period"], rows["unit"]
    return [
        (
            "/api/v1/events/",
            {
                "period": period.pk,
                "unit": unit.pk,
                "matter": "x",
                "standard": rows["standard"].pk,
                "evidence": "y",
                "shares": [{"person": rows["person"].pk, "points": "2"}],
            },
            "json",
            400,
            "unit",
        ),
        (
            "/api/v1/events/declare/",
            {"period": period.pk, "matter": "x", "standard": rows["standard"].pk, "evidence": "y"},
            "json",
            403,
            None,
        ),
        ("/api/v1/review-requests/", {"result": rows["results"], "reason": "x"}, "json", 400, "result"),
        (
            "/api/v1/register-exports/",
            {"kind": "quarterly-results", "year": 2026, "quarter": 1, "unit": unit.code},
            "json",
            400,
            "unit",
        ),
        (
            "/api/v1/register-exports/",
            {"kind": "quarterly-results", "year": 2026, "quarter": 1, "region": rows["region"].pk},
            "json",
            403,
            None,
        ),
        ("/api/v1/monthly-imports/", {"period": period.pk, "unit": unit.code, "file": b"x"}, "multipart", 400, "unit"),
        ("/api/v1/summaries/", {"period": period.pk, "summary": "x"}, "json", 400, "period"),
    ]


@pytest.mark.parametrize("index", range(7))
def test_the_outsider_creates_nothing_naming_the_units_rows(api, cast, rows, index):
    path, body, form, expected, field = creations(rows)[index]
    if form == "multipart":
        upload = io.BytesIO(body["file"])
        upload.name = "x.xlsx"
        body = {**body, "file": upload}
    before = saved()
    response = api(cast["outsider"]).post(path, body, format=form)
    assert response.status_code == expected, response.json()
    if field:
        assert field in response.json()
    assert saved() == before


# Every operation of the schema has its outsider test, here or in test_reads / test_bulk_scores.
COVERED = {
    *(("get", f"/api/v1/{name}/") for name in NEW_LISTS),
    *(("get", f"/api/v1/{name}/{{id}}/") for name in NEW_LISTS),
    *(("post", f"/api/v1/{name}/{{id}}/{act}/") for name, act, _body in ACTS),
    ("get", "/api/v1/register-exports/{id}/file/"),
    *(
        ("post", f"/api/v1/periods/{{period_pk}}/units/{{code}}/{act}/")
        for act in ("publish", "report", "confirm", "send-back")
    ),
    ("post", "/api/v1/events/"),
    ("post", "/api/v1/events/declare/"),
    ("post", "/api/v1/review-requests/"),
    ("post", "/api/v1/register-exports/"),
    ("post", "/api/v1/monthly-imports/"),
    ("post", "/api/v1/summaries/"),
    # test_annual.py: the annual acts and the reviews and appeals
    ("post", "/api/v1/annual-results/{id}/propose/"),
    ("post", "/api/v1/annual-results/{id}/decide/"),
    ("post", "/api/v1/annual-results/{id}/acknowledge/"),
    ("post", "/api/v1/annual-results/{id}/review/"),
    ("post", "/api/v1/annual-results/{id}/appeal/"),
    ("get", "/api/v1/annual-appeals/"),
    ("get", "/api/v1/annual-appeals/{id}/"),
    ("post", "/api/v1/annual-appeals/{id}/answer/"),
    ("post", "/api/v1/annual-appeals/{id}/decide/"),
    *(
        ("post", f"/api/v1/years/{{year_pk}}/units/{{code}}/{act}/")
        for act in ("publish", "report", "confirm", "send-back")
    ),
    # test_reads.py: the read lists and details (periods are the region's, see that file)
    *(
        (method, f"/api/v1/{name}/{suffix}")
        for name in (
            "units",
            "sections",
            "people",
            "placements",
            "periods",
            "sheets",
            "results",
            "ledgers",
            "annual-results",
        )
        for method, suffix in (("get", ""), ("get", "{id}/"))
    ),
    # test_bulk_scores.py
    ("post", "/api/v1/periods/{period_pk}/sections/{section_pk}/scores/"),
    # test_history.py: the grades from before the system, read and imported
    ("get", "/api/v1/grade-history/"),
    ("get", "/api/v1/grade-history/{id}/"),
    ("post", "/api/v1/grade-history/"),
    # tests/assessment/analytics/test_api.py: the fairness analytics
    ("get", "/api/v1/years/{year_pk}/fairness/"),
}


def test_every_operation_of_the_schema_has_an_outsider_test():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {(method, path) for path, methods in schema["paths"].items() for method in methods}
    assert operations - COVERED == set()
