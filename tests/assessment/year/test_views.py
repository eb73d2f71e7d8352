"""The annual pages: each shows only what the user's roles cover, with an outsider refused on every one."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import AnnualAppeal, AnnualInput, AnnualResult
from assessment.year import services as svc
from tests import factories
from tests.assessment.year.test_services import GRADES, close_year
from units.models import Unit


@pytest.fixture
def year(region, unit, cast, staff):
    return close_year(region, unit, cast["org"], cast["office"], dict(zip(staff, GRADES[:10], strict=True)))


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_outsiders_get_404_on_every_annual_page(year, unit, cast, staff, as_user):
    svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    client = as_user(cast["outsider"])
    own_result = AnnualResult.objects.get(person=staff[0])
    for url in (
        reverse("annual:unit_results", args=[year.pk, unit.code]),
        reverse("annual:consequences", args=[year.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert staff[1].name not in response.content.decode()
    assert client.post(reverse("annual:unit_rollup", args=[year.pk, unit.code])).status_code == 404
    assert client.post(reverse("annual:ask", args=[own_result.pk, "review"]), {"reason": "x"}).status_code == 404
    # The outsider is an office of another unit in the region: its template lists none of this unit's people.
    template = client.get(reverse("annual:inputs_template", args=[year.pk]))
    names = {c.value for row in load_workbook(io.BytesIO(template.content)).active.iter_rows() for c in row}
    assert not names & {p.name for p in staff}


def test_a_stranger_to_the_region_sees_no_year(year, as_user):
    stranger = factories.user_with_role("office", unit=factories.UnitFactory())
    client = as_user(stranger)
    assert client.get(reverse("annual:inputs", args=[year.pk])).status_code == 404
    assert client.get(reverse("annual:inputs_template", args=[year.pk])).status_code == 404
    assert str(year.year) not in client.get(reverse("annual:year_list")).content.decode()


def test_the_office_rolls_up_and_sees_the_results_and_the_ranked_candidates(
    year, unit, cast, as_user, django_capture_on_commit_callbacks
):
    client = as_user(cast["office"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("annual:unit_rollup", args=[year.pk, unit.code]))
    assert response.status_code == 302
    assert AnnualResult.objects.filter(assessment_year=year).count() == 10
    html = client.get(reverse("annual:unit_results", args=[year.pk, unit.code])).content.decode()
    assert "人员0" in html
    assert "基本称职" in html
    assert "不称职" in html


def test_the_unit_page_makes_the_same_number_of_queries_for_more_people(
    region, unit, section, cast, admin, as_user, django_assert_max_num_queries
):
    small = factories.UnitFactory(region=region)
    grades = {p: ["好", "较好", "好", "较好"] for p in [factories.PersonFactory(unit=small) for _ in range(3)]}
    grades |= {
        p: ["好", "较好", "好", "较好"]
        for p in [factories.PersonFactory(unit=unit, section=section) for _ in range(30)]
    }
    org = cast["org"]
    year = close_year(region, [small, unit], org, admin, grades)
    for one in (small, unit):
        svc.annual_rollup(assessment_year=year, unit=one, by=org)
    client = as_user(org)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("annual:unit_results", args=[year.pk, small.code])).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("annual:unit_results", args=[year.pk, unit.code])).status_code == 200


def test_the_inputs_import_page_refuses_a_bad_file_naming_the_row(year, unit, cast, staff, as_user):
    client = as_user(cast["office"])
    template = client.get(reverse("annual:inputs_template", args=[year.pk]))
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.active
    headers = {c.value: c.column for c in sheet[1]}
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=headers["专项考核得分"], value=90)
        sheet.cell(row=row, column=headers["年度考评得分"], value=92)
    sheet.cell(row=3, column=headers["年度考评得分"], value=120)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "inputs.xlsx"
    response = client.post(reverse("annual:inputs", args=[year.pk]), {"file": buffer})
    html = response.content.decode()
    assert "年度考评得分" in html
    assert "120" in html
    assert not AnnualInput.objects.exists()
    sheet.cell(row=3, column=headers["年度考评得分"], value=88)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "inputs.xlsx"
    assert client.post(reverse("annual:inputs", args=[year.pk]), {"file": buffer}).status_code == 302
    assert AnnualInput.objects.count() == 10


def test_a_person_sees_the_notice_and_asks_for_a_review(year, unit, cast, staff, as_user, monkeypatch):
    svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    results = list(AnnualResult.objects.order_by("pk"))
    svc.annual_propose(proposals=[svc.Proposal(result=r, grade=r.suggested_grade) for r in results], by=cast["leader"])
    svc.annual_decide(verdicts=[svc.Verdict(result=r, grade=r.suggested_grade) for r in results], by=cast["committee"])
    svc.annual_publish(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 5))
    svc.annual_report(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 20))
    svc.annual_confirm(assessment_year=year, unit=unit, by=cast["org"], on=datetime.date(2026, 1, 25))
    monkeypatch.setattr("assessment.year.services.today", lambda: datetime.date(2026, 2, 1))
    client = as_user(staff[0].user)
    html = client.get(reverse("annual:mine")).content.decode()
    assert "你2025年度考核确定为称职等次" in html
    assert "30日内" in html  # the days to ask for a review, in the notice
    own = AnnualResult.objects.get(person=staff[0])
    client.post(reverse("annual:ask", args=[own.pk, "review"]), {"reason": "申请复核"})
    assert AnnualAppeal.objects.get().kind == "review"
    other = AnnualResult.objects.get(person=staff[1])
    assert client.post(reverse("annual:ask", args=[other.pk, "review"]), {"reason": "x"}).status_code == 404
    # The organisation department's list.
    org = as_user(cast["org"])
    assert org.get(reverse("annual:consequences", args=[year.pk])).status_code == 200
    assert as_user(cast["office"]).get(reverse("annual:consequences", args=[year.pk])).status_code == 404


def test_members_see_the_publicity_of_their_own_unit_only(year, unit, cast, staff, as_user):
    svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    results = list(AnnualResult.objects.order_by("pk"))
    grades = {staff[0].pk: "优秀"}
    svc.annual_propose(
        proposals=[svc.Proposal(result=r, grade=grades.get(r.person_id, r.suggested_grade)) for r in results],
        by=cast["leader"],
    )
    svc.annual_decide(
        verdicts=[svc.Verdict(result=r, grade=grades.get(r.person_id, r.suggested_grade)) for r in results],
        by=cast["committee"],
    )
    svc.annual_publish(assessment_year=year, unit=unit, by=cast["office"])
    url = reverse("annual:publicity", args=[year.pk])
    html = as_user(staff[0].user).get(url).content.decode()
    assert "人员0" in html
    assert '<td class="text-center">好</td>' in html
    assert "人员1" not in html  # only the 优秀 are shown
    stranger = factories.PersonFactory(user=factories.UserFactory(username="stranger"))  # another region
    assert as_user(stranger.user).get(url).status_code == 404
    neighbour = factories.PersonFactory(unit=Unit.objects.get(code="U-OUT"), user=factories.UserFactory(username="nb"))
    assert "人员0" not in as_user(neighbour.user).get(url).content.decode()
