"""Earlier grades (历史等次) through the API: the organisation department's all-or-nothing .xlsx import, its
problems listed by row, column and message, and the grades to read, each only to those whose roles cover the
people; everyone else is refused and nothing is saved."""

import io

import pytest

from assessment.models import GradeHistory
from audit.models import AuditEntry
from tests import factories
from tests.assessment.year.test_history import history, row, workbook

URL = "/api/v1/grade-history/"


def upload(content: bytes) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = "历史等次.xlsx"
    return file


def state():
    return (
        sorted(GradeHistory.objects.values_list("person_id", "year", "quarter", "grade")),
        AuditEntry.objects.filter(action="grade_history_import").count(),
    )


def test_the_organisation_department_imports_and_reads_the_grades(api, cast, region, staff):
    content = workbook(history(staff[0], (2023, None, "优秀"), (2024, 1, "好"), (2024, None, "称职")))
    client = api(cast["org"])
    response = client.post(URL, {"region": region.pk, "file": upload(content)}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json() == {"rows": 3, "annual": 2, "quarterly": 1, "created": 3, "updated": 0, "unchanged": 0}
    again = client.post(URL, {"region": region.pk, "file": upload(content)}, format="multipart").json()
    assert (again["created"], again["unchanged"]) == (0, 3)

    listed = client.get(f"{URL}?person={staff[0].pk}&annual=true").json()["results"]
    assert [(g["year"], g["quarter"], g["grade"]) for g in listed] == [(2023, None, "优秀"), (2024, None, "称职")]
    one = client.get(f"{URL}{listed[0]['id']}/").json()
    assert (one["person_name"], one["file_name"], one["imported_by"]) == (staff[0].name, "历史等次.xlsx", "org")
    assert client.get(f"{URL}?quarter=1").json()["count"] == 1
    assert client.get(f"{URL}?quarter=5").status_code == 400
    # The office sees its people's imported grades; the person their own.
    assert api(cast["office"]).get(URL).json()["count"] == 3
    assert api(staff[0].user).get(URL).json()["count"] == 3


def test_a_bad_file_is_400_naming_every_problem_and_saves_nothing(api, cast, region, staff):
    content = workbook([row(staff[0], 2023, 9, "好"), row(staff[1], 2023, None, "好"), row(staff[2], "x", 1, "好")])
    before = state()
    response = api(cast["org"]).post(URL, {"region": region.pk, "file": upload(content)}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_refused"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "E（季度）"), (3, "F（等次）"), (4, "D（年度）")]
    assert all(e["message"] for e in body["errors"])
    assert state() == before


@pytest.mark.parametrize("content", [b"not a workbook", workbook([], headers=("身份证号",))])
def test_a_file_that_is_not_a_history_sheet_is_400_with_the_whole_file_named(api, cast, region, content):
    response = api(cast["org"]).post(URL, {"region": region.pk, "file": upload(content)}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "import_refused"
    assert [e["row"] for e in response.json()["errors"]] in ([0], [1])


def test_anyone_but_the_regions_organisation_department_is_refused_and_nothing_is_saved(
    api, cast, region, staff, caplog
):
    content = workbook(history(staff[0], (2023, None, "优秀")))
    other_org = factories.user_with_role("org", region=factories.RegionFactory(), username="org-elsewhere")
    before = state()
    for user, status in (
        (cast["office"], 403),  # the region is theirs to see, not to import into
        (cast["outsider"], 403),
        (staff[0].user, 400),  # a civil servant sees no region: refused as unknown
        (other_org, 400),
    ):
        response = api(user).post(URL, {"region": region.pk, "file": upload(content)}, format="multipart")
        assert response.status_code == status, response.json()
        if status == 400:
            assert "region" in response.json()
        else:
            assert response.json()["code"] == "permission_denied"
    assert state() == before
    assert "refused user=office action=grade_history_import" in caplog.text


def test_the_outsider_lists_and_opens_none_of_the_units_imported_grades(api, cast, region, staff, caplog):
    content = workbook(history(staff[0], (2023, None, "优秀")))
    api(cast["org"]).post(URL, {"region": region.pk, "file": upload(content)}, format="multipart")
    grade = GradeHistory.objects.get()
    assert api(cast["outsider"]).get(f"{URL}?page_size=500").json()["count"] == 0
    response = api(cast["outsider"]).get(f"{URL}{grade.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "refused user=outsider" in caplog.text
