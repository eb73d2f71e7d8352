"""Register exports through the API: asked for, built in the background, followed, downloaded by their
requester only, whose roles are checked again at download."""

import io

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from assessment.models import RegisterExport
from units.models import RoleAssignment

URL = "/api/v1/register-exports/"


@pytest.fixture
def media(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path
    return tmp_path


def fresh(user):
    """The account as the next request loads it (its roles are cached on the object for one request)."""
    return get_user_model().objects.get(pk=user.pk)


def test_the_org_asks_for_a_regions_register_follows_it_and_downloads_it(
    api, cast, quarter, unit, region, media, django_capture_on_commit_callbacks
):
    client = api(cast["org"])
    body = {"kind": "quarterly-results", "year": 2026, "quarter": 1, "region": region.pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, body)
    assert response.status_code == 202, response.json()
    job = response.json()
    assert (job["status"], job["region"], job["unit_code"]) == ("queued", region.pk, None)
    status = client.get(f"{URL}{job['id']}/").json()
    assert (status["status"], status["done"], status["total"]) == ("done", 1, 1)
    assert status["download"] == f"{URL}{job['id']}/file/"
    download = client.get(status["download"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(load_workbook(io.BytesIO(b"".join(download.streaming_content))).sheetnames) == 2
    assert [row["id"] for row in client.get(URL).json()["results"]] == [job["id"]]


def test_the_office_asks_for_its_units_register(api, cast, quarter, unit, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(cast["office"]).post(
            URL, {"kind": "quarterly-results", "year": 2026, "quarter": 1, "unit": unit.code}
        )
    assert response.status_code == 202, response.json()
    assert RegisterExport.objects.get().status == "done"


def test_someone_who_lost_the_role_no_longer_gets_the_file(
    api, cast, quarter, region, media, django_capture_on_commit_callbacks
):
    body = {"kind": "quarterly-results", "year": 2026, "quarter": 1, "region": region.pk}
    with django_capture_on_commit_callbacks(execute=True):
        job = api(cast["org"]).post(URL, body).json()
    RoleAssignment.objects.filter(user=cast["org"]).delete()
    response = api(fresh(cast["org"])).get(f"{URL}{job['id']}/file/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_file_not_yet_built_is_404(api, cast, quarter, region, media):
    job = api(cast["org"]).post(URL, {"kind": "quarterly-results", "year": 2026, "quarter": 1, "region": region.pk})
    assert job.json()["status"] == "queued"
    assert api(cast["org"]).get(f"{URL}{job.json()['id']}/file/").status_code == 404


def test_only_the_requester_sees_an_export(api, cast, quarter, region, media):
    job = api(cast["org"]).post(URL, {"kind": "quarterly-results", "year": 2026, "quarter": 1, "region": region.pk})
    office = api(cast["office"])
    assert office.get(URL).json()["results"] == []
    assert office.get(f"{URL}{job.json()['id']}/").status_code == 404
    assert office.get(f"{URL}{job.json()['id']}/file/").status_code == 404


def test_a_units_office_may_not_export_the_region(api, cast, quarter, region):
    body = {"kind": "quarterly-results", "year": 2026, "quarter": 1, "region": region.pk}
    response = api(cast["office"]).post(URL, body)
    assert response.status_code == 403
    assert not RegisterExport.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "nonsense"}, "kind"),
        ({"year": "two thousand"}, "year"),
        ({"year": 1900}, "year"),
        ({"year": 2030}, "year"),  # no such assessment year
        ({"quarter": 5}, "quarter"),
        ({"quarter": None}, "non_field_errors"),  # a quarterly register needs its quarter
        ({"unit": "U-MAIN"}, "non_field_errors"),  # a unit and a region at once
        ({"region": 2**63}, "region"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_bad_requests_are_400_naming_the_field_and_queue_nothing(api, cast, quarter, region, body, field):
    data = {"kind": "quarterly-results", "year": 2026, "quarter": 1, "region": region.pk, **body}
    response = api(cast["org"]).post(URL, data)
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not RegisterExport.objects.exists()
