"""The quarterly workflow through the API: each act calls the service the browser calls, so the same rules
hold; an act out of order is a 409 naming the problem, bad input a 400 naming the field, and neither saves
anything."""

import datetime

import pytest

from assessment.models import QuarterlyResult, ReviewRequest
from assessment.quarter import services
from audit.models import AuditEntry
from tests.assessment.conftest import results
from units.models import RoleAssignment


def act(result, name):
    return f"/api/v1/results/{result.pk}/{name}/"


def unit_act(period, unit, name):
    return f"/api/v1/periods/{period.pk}/units/{unit.code}/{name}/"


def state(period):
    """Everything an act may change: the results' fields and the audit trail."""
    rows = QuarterlyResult.objects.filter(period=period).order_by("pk")
    return list(rows.values()), AuditEntry.objects.count(), ReviewRequest.objects.count()


@pytest.fixture
def scoring(quarter, cast):
    """The quarter with every summary skipped: the results wait for their section's proposal."""
    services.summaries_skip(results=results(quarter), by=cast["office"], reason="纸质")
    return quarter


@pytest.fixture
def published(decided, cast, unit):
    services.unit_publish(period=decided, unit=unit, by=cast["office"])
    return decided


def test_the_section_head_proposes_and_nominates(api, cast, scoring, section):
    first = results(scoring, section)[0]
    response = api(cast["head"]).post(act(first, "propose"), {"grade": "好", "comment": "突出", "nominate": True})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["proposed_grade"], body["nominated"]) == ("leader_review", "好", True)


def test_the_whole_way_from_proposal_to_decision(api, cast, scoring, section):
    result = results(scoring, section)[2]
    assert api(cast["head"]).post(act(result, "propose"), {"grade": "较好", "comment": "称职"}).status_code == 200
    assert api(cast["leader"]).post(act(result, "review"), {"comment": "同意"}).json()["status"] == "committee"
    decided = api(cast["committee"]).post(act(result, "decide"), {"grade": "较好"}).json()
    assert (decided["status"], decided["final_grade"]) == ("decided", "较好")


def test_a_result_is_returned_with_its_reason_and_loses_its_decision(api, cast, decided, section):
    result = results(decided, section)[0]
    response = api(cast["committee"]).post(act(result, "return"), {"reason": "再议"})
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["final_grade"]) == ("committee", "")
    entry = AuditEntry.objects.filter(result=result, action="result_return").get()
    assert entry.comment == "再议"


@pytest.mark.parametrize(
    ("who", "name", "body"),
    [
        ("head", "propose", {"grade": "较好", "comment": "x"}),
        ("leader", "review", {}),
        ("committee", "decide", {"grade": "较好"}),
    ],
)
def test_an_act_out_of_order_is_409_naming_the_problem_and_saves_nothing(api, cast, decided, section, who, name, body):
    result = results(decided, section)[3]
    before = state(decided)
    response = api(cast[who]).post(act(result, name), body, format="json")
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "out_of_order"
    assert response.json()["detail"]
    assert state(decided) == before


def test_no_place_left_is_409_no_place(api, cast, scoring, section):
    first = results(scoring, section)
    head = api(cast["head"])
    for result in first[:2]:  # 7 people at the default ratio: two places in the section
        assert head.post(act(result, "propose"), {"grade": "好", "comment": "x", "nominate": True}).status_code == 200
    before = state(scoring)
    response = head.post(act(first[2], "propose"), {"grade": "好", "comment": "x", "nominate": True})
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "no_place"
    assert state(scoring) == before


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("propose", {"grade": "优秀", "comment": "x"}, "grade"),
        ("propose", {"grade": "较好"}, "comment"),
        ("propose", {"grade": "较好", "comment": "x", "nominate": "perhaps"}, "nominate"),
        ("propose", {"grade": "较好", "comment": "x", "extra": 1}, "extra"),
        ("propose", {"grade": "较好", "comment": "   "}, "comment"),
        ("propose", {"grade": ["较好"], "comment": "x"}, "grade"),
        ("propose", ["grade"], "non_field_errors"),
        ("return", {}, "reason"),
        ("return", {"reason": "x" * 2001}, "reason"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_saves_nothing(api, cast, scoring, section, name, body, field):
    result = results(scoring, section)[0]
    before = state(scoring)
    response = api(cast["head"]).post(act(result, name), body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert state(scoring) == before


def test_a_grade_the_score_does_not_allow_is_400_naming_grade(api, cast, scoring, other_section):
    last = results(scoring, other_section)[-1]  # 一般 at best
    response = api(cast["head2"]).post(act(last, "propose"), {"grade": "较好", "comment": "x"})
    assert response.status_code == 400
    assert list(response.json()) == ["grade"]


def test_malformed_json_is_400_parse_error(api, cast, scoring, section):
    result = results(scoring, section)[0]
    response = api(cast["head"]).post(act(result, "propose"), '{"grade": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_nobody_acts_on_their_own_result(api, cast, scoring, section, staff):
    own = staff[0].user
    RoleAssignment.objects.create(user=own, role="section_head", section=section)
    result = staff[0].results.get(period=scoring)
    before = state(scoring)
    response = api(own).post(act(result, "propose"), {"grade": "较好", "comment": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert state(scoring) == before


def test_a_leader_who_may_not_propose_gets_403(api, cast, scoring, section):
    result = results(scoring, section)[0]
    assert api(cast["leader"]).post(act(result, "propose"), {"grade": "较好", "comment": "x"}).status_code == 403


# The unit's acts ------------------------------------------------------------------------------------------


def test_the_office_publishes_then_reports_then_the_org_confirms(api, cast, decided, unit, during_quarter):
    response = api(cast["office"]).post(unit_act(decided, unit, "publish"))
    assert response.status_code == 200, response.json()
    assert response.json() == {"moved": 10}
    assert set(QuarterlyResult.objects.filter(period=decided).values_list("status", flat=True)) == {"publicity"}
    early = api(cast["office"]).post(unit_act(decided, unit, "report"))
    assert early.status_code == 409
    assert early.json()["code"] == "publicity"
    during_quarter(datetime.date(2026, 4, 30))
    assert api(cast["office"]).post(unit_act(decided, unit, "report")).json() == {"moved": 10}
    assert api(cast["org"]).post(unit_act(decided, unit, "confirm")).json() == {"moved": 10}
    assert set(QuarterlyResult.objects.filter(period=decided).values_list("status", flat=True)) == {"final"}


def test_publishing_twice_is_409_and_changes_nothing(api, cast, published, unit):
    before = state(published)
    response = api(cast["office"]).post(unit_act(published, unit, "publish"))
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_order"
    assert state(published) == before


def test_publishing_before_every_result_is_decided_is_409(api, cast, scoring, unit):
    response = api(cast["office"]).post(unit_act(scoring, unit, "publish"))
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_order"


def test_the_org_sends_a_reported_unit_back_with_its_reason(api, cast, published, unit, during_quarter):
    during_quarter(datetime.date(2026, 4, 30))
    services.unit_report(period=published, unit=unit, by=cast["office"])
    client = api(cast["org"])
    missing = client.post(unit_act(published, unit, "send-back"), {}, format="json")
    assert missing.status_code == 400
    assert list(missing.json()) == ["reason"]
    response = client.post(unit_act(published, unit, "send-back"), {"reason": "比例超标"}, format="json")
    assert response.json() == {"moved": 10}
    assert set(QuarterlyResult.objects.filter(period=published).values_list("status", flat=True)) == {"committee"}


def test_the_office_may_not_confirm_its_own_unit(api, cast, published, unit):
    response = api(cast["office"]).post(unit_act(published, unit, "confirm"))
    assert response.status_code == 403


def test_an_unknown_period_or_unit_is_404(api, cast, decided, unit):
    client = api(cast["office"])
    assert client.post(f"/api/v1/periods/999999/units/{unit.code}/publish/").status_code == 404
    assert client.post(f"/api/v1/periods/{decided.pk}/units/NOPE/publish/").status_code == 404
    assert client.post(f"/api/v1/periods/{2**63}/units/{unit.code}/publish/").status_code == 404


# Review requests ------------------------------------------------------------------------------------------


def test_a_person_asks_for_a_review_and_the_office_answers(api, cast, published, staff):
    person = staff[0]
    result = person.results.get(period=published)
    response = api(person.user).post("/api/v1/review-requests/", {"result": result.pk, "reason": "分数有误"})
    assert response.status_code == 201, response.json()
    asked = response.json()
    assert (asked["result"], asked["is_open"], asked["grade_before"]) == (result.pk, True, result.final_grade)
    assert asked["id"] in {row["id"] for row in api(person.user).get("/api/v1/review-requests/").json()["results"]}
    again = api(person.user).post("/api/v1/review-requests/", {"result": result.pk, "reason": "再问"})
    assert again.status_code == 409
    assert again.json()["code"] == "pending"
    office = api(cast["office"])
    assert asked["id"] in {row["id"] for row in office.get("/api/v1/review-requests/?is_open=true").json()["results"]}
    answered = office.post(f"/api/v1/review-requests/{asked['id']}/answer/", {"answer": "维持原等次"})
    assert answered.status_code == 200, answered.json()
    assert (answered.json()["is_open"], answered.json()["grade_after"]) == (False, result.final_grade)
    twice = office.post(f"/api/v1/review-requests/{asked['id']}/answer/", {"answer": "再答"})
    assert twice.status_code == 409
    assert twice.json()["code"] == "answered"


def test_only_the_person_asks_for_a_review_of_their_result(api, cast, published, staff):
    result = staff[1].results.get(period=published)
    response = api(cast["office"]).post("/api/v1/review-requests/", {"result": result.pk, "reason": "x"})
    assert response.status_code == 403
    assert not ReviewRequest.objects.exists()


def test_a_review_before_publicity_is_409(api, decided, staff):
    result = staff[0].results.get(period=decided)
    response = api(staff[0].user).post("/api/v1/review-requests/", {"result": result.pk, "reason": "x"})
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_order"
    assert not ReviewRequest.objects.exists()


def test_someone_elses_result_is_400_naming_result(api, published, staff):
    other = staff[1].results.get(period=published)
    response = api(staff[0].user).post("/api/v1/review-requests/", {"result": other.pk, "reason": "x"})
    assert response.status_code == 400
    assert list(response.json()) == ["result"]


def test_a_person_submits_their_own_summary_once(api, cast, quarter, staff, during_quarter):
    me = staff[0]
    response = api(me.user).post("/api/v1/summaries/", {"period": quarter.pk, "summary": "完成了全部任务。"})
    assert response.status_code == 200, response.json()
    result = QuarterlyResult.objects.get(period=quarter, person=me)
    assert response.json() == {"result": result.pk, "status": "scoring"}
    assert result.summary == "完成了全部任务。"
    before = state(quarter)
    again = api(me.user).post("/api/v1/summaries/", {"period": quarter.pk, "summary": "再写一次"})
    assert again.status_code == 409
    assert state(quarter) == before


def test_a_summary_needs_a_result_of_ones_own_and_some_text(api, cast, quarter, staff, during_quarter):
    before = state(quarter)
    nobody = api(cast["office"]).post("/api/v1/summaries/", {"period": quarter.pk, "summary": "x"})
    assert nobody.status_code == 400
    assert "period" in nobody.json()
    empty = api(staff[0].user).post("/api/v1/summaries/", {"period": quarter.pk, "summary": "  "})
    assert empty.status_code == 400
    assert "summary" in empty.json()
    assert state(quarter) == before


def test_the_office_moves_a_result_without_a_summary_on_and_nobody_else_does(api, cast, quarter, section):
    result = results(quarter, section)[1]
    before = state(quarter)
    assert api(cast["head"]).post(act(result, "skip-summary"), {"reason": "纸质"}).status_code == 403
    missing = api(cast["office"]).post(act(result, "skip-summary"), {})
    assert missing.status_code == 400
    assert "reason" in missing.json()
    assert state(quarter) == before
    moved = api(cast["office"]).post(act(result, "skip-summary"), {"reason": "纸质小结"})
    assert moved.status_code == 200, moved.json()
    assert moved.json()["status"] == "scoring"
