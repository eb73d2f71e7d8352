"""The annual chain through the API: leaders propose, the committee decides, the office publishes and
reports, the organisation department confirms or sends back, the unit's committee answers a review and the
organisation department decides an appeal; outsiders see and move nothing; nobody acts on their own."""

import datetime

import pytest

from assessment.models import AnnualAppeal, AnnualResult
from audit.models import AuditEntry
from tests import factories
from tests.assessment.year.test_services import finish, rolled

Status = AnnualResult.Status


def snapshot():
    return (
        list(AnnualResult.objects.order_by("pk").values_list("status", "proposed_grade", "final_grade")),
        list(AnnualAppeal.objects.order_by("pk").values_list("answer", "outcome")),
        AuditEntry.objects.count(),
    )


def walk_to_final(api, cast, year, unit):
    for result in AnnualResult.objects.filter(assessment_year=year).order_by("pk"):
        comment = "试用期未满" if result.case == "no_grade" else "政治坚定"
        response = api(cast["leader"]).post(
            f"/api/v1/annual-results/{result.pk}/propose/", {"grade": result.suggested_grade, "comment": comment}
        )
        assert response.status_code == 200, response.json()
    for result in AnnualResult.objects.filter(assessment_year=year).order_by("pk"):
        response = api(cast["committee"]).post(
            f"/api/v1/annual-results/{result.pk}/decide/", {"grade": result.proposed_grade}
        )
        assert response.status_code == 200, response.json()
    base = f"/api/v1/years/{year.pk}/units/{unit.code}"
    assert api(cast["office"]).post(f"{base}/publish/", {}).json()["moved"] == AnnualResult.objects.count()


def test_the_annual_chain_runs_through_the_api(api, cast, year, unit, people, today):
    rolled(year, unit, cast)
    today(datetime.date(2026, 1, 5))
    walk_to_final(api, cast, year, unit)
    assert set(AnnualResult.objects.values_list("status", flat=True)) == {Status.PUBLICITY}
    base = f"/api/v1/years/{year.pk}/units/{unit.code}"
    too_early = api(cast["office"]).post(f"{base}/report/", {})
    assert too_early.status_code == 409
    today(datetime.date(2026, 1, 20))
    assert api(cast["office"]).post(f"{base}/report/", {}).status_code == 200
    refused = api(cast["org"]).post(f"{base}/send-back/", {})
    assert refused.status_code == 400
    assert "reason" in refused.json()
    assert api(cast["org"]).post(f"{base}/send-back/", {"reason": "材料不全"}).json()["moved"] > 0
    assert set(AnnualResult.objects.values_list("status", flat=True)) == {Status.COMMITTEE}
    for result in AnnualResult.objects.order_by("pk"):
        api(cast["committee"]).post(f"/api/v1/annual-results/{result.pk}/decide/", {"grade": result.final_grade})
    api(cast["office"]).post(f"{base}/publish/", {})
    today(datetime.date(2026, 2, 10))
    api(cast["office"]).post(f"{base}/report/", {})
    assert api(cast["org"]).post(f"{base}/confirm/", {}).status_code == 200
    assert set(AnnualResult.objects.values_list("status", flat=True)) == {Status.FINAL}
    assert all(r.notice for r in AnnualResult.objects.all())

    # A review answered by the unit's committee, then an appeal decided by the organisation department.
    mine = AnnualResult.objects.get(person=people[0], assessment_year=year)
    today(datetime.date(2026, 2, 12))
    asked = api(people[0].user).post(f"/api/v1/annual-results/{mine.pk}/review/", {"reason": "四个季度均为好等次"})
    assert asked.status_code == 201, asked.json()
    assert (asked.json()["kind"], asked.json()["is_open"]) == ("review", True)
    review = AnnualAppeal.objects.get(pk=asked.json()["id"])
    # Before the review's answer there is nothing to appeal against.
    early = api(people[0].user).post(f"/api/v1/annual-results/{mine.pk}/appeal/", {"reason": "不服"})
    assert early.status_code in (400, 409), early.json()
    assert api(cast["office"]).post(f"/api/v1/annual-appeals/{review.pk}/answer/", {"answer": "x"}).status_code == 403
    answered = api(cast["committee"]).post(f"/api/v1/annual-appeals/{review.pk}/answer/", {"answer": "维持原等次"})
    assert answered.status_code == 200
    assert (answered.json()["outcome"], answered.json()["is_open"]) == ("upheld", False)
    asked = api(people[0].user).post(f"/api/v1/annual-results/{mine.pk}/appeal/", {"reason": "不服复核决定"})
    assert asked.status_code == 201, asked.json()
    appeal = AnnualAppeal.objects.get(pk=asked.json()["id"], kind="appeal")
    wrong = api(cast["committee"]).post(f"/api/v1/annual-appeals/{appeal.pk}/decide/", {"answer": "x"})
    assert wrong.status_code == 403
    decided = api(cast["org"]).post(f"/api/v1/annual-appeals/{appeal.pk}/decide/", {"answer": "维持"})
    assert decided.status_code == 200
    # The person sees their own appeals, and nobody else's.
    own = api(people[0].user).get("/api/v1/annual-appeals/").json()["results"]
    assert {row["id"] for row in own} == {review.pk, appeal.pk}


def test_nobody_proposes_their_own_annual_result_through_the_api(api, cast, year, unit, people):
    rolled(year, unit, cast)
    own = AnnualResult.objects.get(person=people[0], assessment_year=year)
    before = snapshot()
    response = api(people[0].user).post(f"/api/v1/annual-results/{own.pk}/propose/", {"grade": "优秀"})
    assert response.status_code in (403, 404)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("annual-results/{result}/propose/", {"grade": "称职"}),
        ("annual-results/{result}/decide/", {"grade": "称职"}),
        ("years/{year}/units/{unit}/publish/", {}),
        ("years/{year}/units/{unit}/report/", {}),
        ("years/{year}/units/{unit}/confirm/", {}),
        ("years/{year}/units/{unit}/send-back/", {"reason": "x"}),
        ("annual-appeals/{appeal}/answer/", {"answer": "x"}),
        ("annual-appeals/{appeal}/decide/", {"answer": "x"}),
        ("annual-results/{result}/review/", {"reason": "x"}),
        ("annual-results/{result}/appeal/", {"reason": "x"}),
    ],
)
def test_the_outsider_moves_none_of_the_units_annual_results(
    api,
    cast,
    year,
    unit,
    people,
    today,
    path,
    body,
    caplog,
):
    rolled(year, unit, cast)
    mine = AnnualResult.objects.get(person=people[0], assessment_year=year)
    appeal = AnnualAppeal.objects.create(
        result=mine,
        kind="review",
        reason="x",
        requested_on=datetime.date(2026, 2, 1),
        answer_due=datetime.date(2026, 3, 1),
    )
    url = "/api/v1/" + path.format(result=mine.pk, year=year.pk, unit=unit.code, appeal=appeal.pk)
    before = snapshot()
    response = api(cast["outsider"]).post(url, body)
    assert response.status_code == 404
    assert snapshot() == before
    assert "refused user=outsider" in caplog.text
    for listing in ("annual-appeals", "annual-results"):
        rows = api(cast["outsider"]).get(f"/api/v1/{listing}/").json()["results"]
        assert not rows


# The written notice, acknowledged (签收) ----------------------------------------------------------------


def test_the_person_acknowledges_their_notice_through_the_api_once(api, cast, year, unit, people, today):
    rolled(year, unit, cast)
    finish(year, unit, cast)
    mine = AnnualResult.objects.get(person=people[0], assessment_year=year)
    client = api(people[0].user)
    # The person finds their own final result, with its notice, and nobody else's.
    listed = client.get("/api/v1/annual-results/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    assert listed[0]["notice"] == mine.notice
    assert listed[0]["notice_acknowledged_at"] is None
    response = client.post(f"/api/v1/annual-results/{mine.pk}/acknowledge/")
    assert response.status_code == 200, response.json()
    assert response.json()["notice_acknowledged_at"] is not None
    assert AuditEntry.objects.filter(action="notice_acknowledge", actor=people[0].user).count() == 1
    again = client.post(f"/api/v1/annual-results/{mine.pk}/acknowledge/", {})
    assert again.status_code == 409
    assert again.json()["code"] == "done"
    refused = client.post(f"/api/v1/annual-results/{mine.pk}/acknowledge/", {"at": "2026-01-01"})
    assert refused.status_code == 400
    assert "at" in refused.json()


def test_nobody_acknowledges_another_persons_notice_through_the_api(api, cast, year, unit, people, today, caplog):
    rolled(year, unit, cast)
    finish(year, unit, cast)
    mine = AnnualResult.objects.get(person=people[0], assessment_year=year)
    colleague = factories.UserFactory(username="colleague")
    people[1].user = colleague
    people[1].save(update_fields=["user"])
    before = snapshot(), AnnualResult.objects.get(pk=mine.pk).notice_acknowledged_at
    url = f"/api/v1/annual-results/{mine.pk}/acknowledge/"
    # A colleague and the office of another unit do not see the result; the unit's own office and the
    # organisation department see it but may not sign for the person.
    for user, expected in (
        (colleague, 404),
        (cast["outsider"], 404),
        (cast["office"], 403),
        (cast["org"], 403),
        (cast["committee"], 403),
    ):
        response = api(user).post(url)
        assert response.status_code == expected, (user, response.json())
    assert (snapshot(), AnnualResult.objects.get(pk=mine.pk).notice_acknowledged_at) == before
    assert "refused user=colleague" in caplog.text
    assert "refused user=office action=notice_acknowledge" in caplog.text


def test_a_result_not_final_yet_has_no_notice_to_acknowledge(api, cast, year, unit, people, today):
    rolled(year, unit, cast)
    mine = AnnualResult.objects.get(person=people[0], assessment_year=year)
    client = api(people[0].user)
    assert client.get("/api/v1/annual-results/").json()["results"] == []
    assert client.post(f"/api/v1/annual-results/{mine.pk}/acknowledge/").status_code == 404
    # The office sees it, but there is nothing to sign, and not for it to sign.
    assert api(cast["office"]).post(f"/api/v1/annual-results/{mine.pk}/acknowledge/").status_code == 403
    assert AnnualResult.objects.get(pk=mine.pk).notice_acknowledged_at is None


def test_only_the_person_asks_for_a_review_or_appeals_their_result_through_the_api(
    api, cast, year, unit, people, today, caplog
):
    rolled(year, unit, cast)
    finish(year, unit, cast)
    mine = AnnualResult.objects.get(person=people[0], assessment_year=year)
    colleague = factories.UserFactory(username="colleague")
    people[1].user = colleague
    people[1].save(update_fields=["user"])
    before = snapshot()
    for kind in ("review", "appeal"):
        url = f"/api/v1/annual-results/{mine.pk}/{kind}/"
        for user, expected in ((colleague, 404), (cast["office"], 403), (cast["committee"], 403), (cast["org"], 403)):
            response = api(user).post(url, {"reason": "代为申请"})
            assert response.status_code == expected, (kind, user, response.json())
    refused = api(people[0].user).post(f"/api/v1/annual-results/{mine.pk}/review/", {"reason": "  "})
    assert refused.status_code == 400
    assert "reason" in refused.json()
    assert snapshot() == before
    assert "refused user=office action=annual_review_request" in caplog.text
