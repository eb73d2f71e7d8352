"""The unit's side of the annual chain in the browser: the leaders' proposals, the committee's decisions,
publish and report, and the answers to reviews; each refusing outsiders, one's own result and forged input,
saving nothing on a refusal, in a bounded number of queries."""

import datetime

import pytest
from django.urls import reverse

from assessment.models import AnnualAppeal, AnnualResult
from assessment.year import services as svc
from periods.models import Period
from tests.assessment.year.test_services import GRADES, close_year

Status = AnnualResult.Status


@pytest.fixture
def year(region, unit, cast, staff):
    return close_year(region, unit, cast["org"], cast["office"], dict(zip(staff, GRADES[:10], strict=True)))


@pytest.fixture
def rolled(year, unit, cast):
    svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    return year


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def today(monkeypatch):
    def set_today(day):
        monkeypatch.setattr("assessment.quarter.services.today", lambda: day)
        monkeypatch.setattr("assessment.year.services.today", lambda: day)

    set_today(datetime.date(2026, 1, 5))
    return set_today


def url(name, year, unit):
    return reverse(f"annual:{name}", args=[year.pk, unit.code])


def results():
    return {r.person_id: r for r in AnnualResult.objects.select_related("person")}


def suggested_form(rows, **extra):
    data = {f"grade-{r.pk}": (r.suggested_grade or "none") for r in rows}
    return data | extra


def propose_all(year, cast, grades=None):
    grades = grades or {}
    svc.annual_propose(
        proposals=[
            svc.Proposal(result=r, grade=grades.get(r.person_id, r.suggested_grade))
            for r in AnnualResult.objects.order_by("pk")
        ],
        by=cast["leader"],
    )


def decide_all(cast):
    svc.annual_decide(
        verdicts=[svc.Verdict(result=r, grade=r.proposed_grade) for r in AnnualResult.objects.order_by("pk")],
        by=cast["committee"],
    )


# The leaders propose -----------------------------------------------------------------------------------


def test_the_leaders_fill_the_suggestions_and_propose_all_at_once(rolled, unit, cast, staff, as_user):
    client = as_user(cast["leader"])
    page = client.get(url("propose", rolled, unit) + "?fill=1")
    html = page.content.decode()
    assert page.status_code == 200
    assert "第一季度" in html
    assert "第四季度" in html
    assert "人员0" in html
    assert 'value="称职" selected' in html  # the suggestion pre-filled
    assert "data-confirm" in html
    # The candidates ranked within the places are pre-filled 优秀, the rest their suggestion; each is marked.
    ranked = svc.candidates(unit=unit, assessment_year=rolled)
    within = [r for r in ranked if r.within_places and not r.tied_at_cut]
    assert within
    assert html.count('value="优秀" selected') == len(within)
    assert html.count("候选第") == len(ranked)
    rows = list(AnnualResult.objects.order_by("pk"))
    data = suggested_form(rows, **{f"grade-{results()[staff[0].pk].pk}": "优秀"}, **{"comment-all": "同意"})
    response = client.post(url("propose", rolled, unit), data)
    assert response.status_code == 302
    found = results()
    assert {r.status for r in found.values()} == {Status.COMMITTEE}
    assert found[staff[0].pk].proposed_grade == "优秀"
    assert found[staff[4].pk].appraisal == "同意"  # the one comment for every empty row


def test_a_refused_proposal_saves_nothing_and_says_why_beside_the_row(rolled, unit, cast, staff, as_user):
    client = as_user(cast["leader"])
    found = results()
    data = {
        f"grade-{found[staff[4].pk].pk}": "基本称职",  # below the suggestion: needs a reason
        f"grade-{found[staff[3].pk].pk}": "称职",
    }
    response = client.post(url("propose", rolled, unit), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "未保存任何内容" in html
    assert "table-danger" in html
    assert not AnnualResult.objects.exclude(status=Status.PROPOSAL).exists()
    # Three 优秀 for two places: refused whole.
    data = {f"grade-{found[staff[n].pk].pk}": "优秀" for n in (0, 1, 2)}
    html = client.post(url("propose", rolled, unit), data).content.decode()
    assert "名额" in html
    assert not AnnualResult.objects.exclude(status=Status.PROPOSAL).exists()


def test_the_leaders_own_result_is_not_listed_nor_acted_on(rolled, unit, cast, staff, as_user):
    staff[5].user = cast["leader"]
    staff[5].save(update_fields=["user"])
    own = results()[staff[5].pk]
    client = as_user(cast["leader"])
    html = client.get(url("propose", rolled, unit)).content.decode()
    assert "人员4" in html
    assert "人员5" not in html
    response = client.post(url("propose", rolled, unit), {f"grade-{own.pk}": "基本称职"})
    assert response.status_code == 200
    assert "请重新加载页面；未保存任何内容。" in response.content.decode()
    own.refresh_from_db()
    assert own.status == Status.PROPOSAL


def test_forged_input_never_fails_and_saves_nothing(rolled, unit, cast, staff, as_user):
    client = as_user(cast["leader"])
    one = results()[staff[4].pk]
    for data in ({"grade-²": "称职"}, {f"grade-{one.pk}": "²"}, {f"grade-{one.pk}": "none"}, {"grade-99999": "称职"}):
        response = client.post(url("propose", rolled, unit), data)
        assert response.status_code == 200, data
    assert not AnnualResult.objects.exclude(status=Status.PROPOSAL).exists()
    committee = as_user(cast["committee"])
    assert committee.get(url("decide", rolled, unit) + "?section=²&sort=²&page=²").status_code == 200
    office = as_user(cast["office"])
    assert office.post(url("reviews", rolled, unit), {"appeal": "²"}).status_code == 404


def test_outsiders_get_404_on_every_chain_page_and_act(rolled, unit, cast, as_user):
    client = as_user(cast["outsider"])
    for name in ("propose", "decide", "reviews"):
        assert client.get(url(name, rolled, unit)).status_code == 404, name
        assert client.post(url(name, rolled, unit), {}).status_code == 404, name
    for name in ("publish", "report"):
        assert client.post(url(name, rolled, unit)).status_code == 404, name
    # Roles that do not act on a step do not get its page either.
    office = as_user(cast["office"])
    assert office.get(url("decide", rolled, unit)).status_code == 404
    committee = as_user(cast["committee"])
    assert committee.post(url("publish", rolled, unit)).status_code == 404
    assert not AnnualResult.objects.exclude(status=Status.PROPOSAL).exists()


# The committee decides ---------------------------------------------------------------------------------


def test_the_committee_decides_from_the_proposals_by_section(
    rolled, unit, section, other_section, cast, staff, as_user
):
    propose_all(rolled, cast, {staff[0].pk: "优秀"})
    client = as_user(cast["committee"])
    html = client.get(url("decide", rolled, unit)).content.decode()
    assert 'value="优秀" selected' in html  # pre-filled from the proposal
    filtered = client.get(url("decide", rolled, unit) + f"?section={other_section.pk}").content.decode()
    assert "人员8" in filtered
    assert "人员1<" not in filtered
    found = results()
    # A grade below the suggestion without a reason: refused beside the row, nothing saved.
    data = {f"grade-{r.pk}": r.proposed_grade for r in found.values()} | {f"grade-{found[staff[4].pk].pk}": "基本称职"}
    html = client.post(url("decide", rolled, unit), data).content.decode()
    assert "所选等次与建议等次（称职）不同，请填写理由。" in html
    assert "table-danger" in html
    assert not AnnualResult.objects.filter(status=Status.DECIDED).exists()
    data[f"reason-{found[staff[4].pk].pk}"] = "年度任务未完成"
    assert client.post(url("decide", rolled, unit), data).status_code == 302
    found = results()
    assert {r.status for r in found.values()} == {Status.DECIDED}
    assert found[staff[4].pk].final_grade == "基本称职"
    assert found[staff[0].pk].final_grade == "优秀"


def test_out_of_order_the_pages_are_empty_and_publish_is_refused(rolled, unit, cast, as_user):
    committee = as_user(cast["committee"])
    assert "人员0" not in committee.get(url("decide", rolled, unit)).content.decode()  # nothing proposed yet
    office = as_user(cast["office"])
    page = office.get(url("unit_results", rolled, unit)).content.decode()
    assert "尚有10人的年度考核结果未审定" in page
    assert url("publish", rolled, unit) not in page
    assert office.post(url("publish", rolled, unit)).status_code == 302
    assert not AnnualResult.objects.exclude(status=Status.PROPOSAL).exists()
    assert office.post(url("report", rolled, unit)).status_code == 302
    assert not AnnualResult.objects.exclude(status=Status.PROPOSAL).exists()


# The office publishes and reports; the committee answers reviews -----------------------------------------


def test_the_office_publishes_then_reports_after_publicity(rolled, unit, cast, as_user, today):
    propose_all(rolled, cast)
    decide_all(cast)
    office = as_user(cast["office"])
    page = office.get(url("unit_results", rolled, unit)).content.decode()
    assert 'data-confirm="公示10人的年度考核结果？"' in page
    assert url("publish", rolled, unit) in page
    assert office.post(url("publish", rolled, unit)).status_code == 302
    assert set(AnnualResult.objects.values_list("status", flat=True)) == {Status.PUBLICITY}
    page = office.get(url("unit_results", rolled, unit)).content.decode()
    assert url("report", rolled, unit) not in page
    assert 'data-why="report"' in page
    office.post(url("report", rolled, unit))
    assert set(AnnualResult.objects.values_list("status", flat=True)) == {Status.PUBLICITY}
    today(datetime.date(2026, 2, 10))
    page = office.get(url("unit_results", rolled, unit)).content.decode()
    assert url("report", rolled, unit) in page
    assert office.post(url("report", rolled, unit)).status_code == 302
    assert set(AnnualResult.objects.values_list("status", flat=True)) == {Status.CONFIRMATION}


def test_the_committee_answers_a_review_and_may_change_the_grade(rolled, unit, cast, staff, as_user, today):
    propose_all(rolled, cast)
    decide_all(cast)
    svc.annual_publish(assessment_year=rolled, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 5))
    svc.annual_report(assessment_year=rolled, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 20))
    svc.annual_confirm(assessment_year=rolled, unit=unit, by=cast["org"], on=datetime.date(2026, 1, 25))
    today(datetime.date(2026, 2, 1))
    own = AnnualResult.objects.get(person=staff[0])
    review = svc.annual_review_request(result=own, reason="四个季度均为好", by=staff[0].user)
    client = as_user(cast["committee"])
    html = client.get(url("reviews", rolled, unit)).content.decode()
    assert "四个季度均为好" in html
    # No answer written: refused, nothing saved.
    response = client.post(url("reviews", rolled, unit), {"appeal": review.pk, f"grade-{review.pk}": "优秀"})
    assert response.status_code == 200
    review.refresh_from_db()
    assert review.is_open
    response = client.post(
        url("reviews", rolled, unit),
        {"appeal": review.pk, f"answer-{review.pk}": "经复核，改为优秀。", f"grade-{review.pk}": "优秀"},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.outcome, review.grade_after) == (AnnualAppeal.Outcome.CHANGED, "优秀")
    assert AnnualResult.objects.get(person=staff[0]).final_grade == "优秀"


# The unit's annual page ---------------------------------------------------------------------------------


def test_the_unit_page_shows_a_percentage_chinese_quarters_and_one_column_each(rolled, unit, cast, as_user):
    html = as_user(cast["office"]).get(url("unit_results", rolled, unit)).content.decode()
    assert "20%" in html
    assert "第一季度" in html
    assert "Q1" not in html
    assert "<th>建议等次</th>" not in html  # one heading per meaning
    assert "<th>系统建议等次</th>" in html
    assert "<th>领导提名等次</th>" in html
    leader = as_user(cast["leader"]).get(url("unit_results", rolled, unit)).content.decode()
    assert url("propose", rolled, unit) in leader
    assert url("decide", rolled, unit) not in leader


def test_the_roll_up_button_is_disabled_while_a_quarter_is_open(year, unit, cast, as_user):
    Period.objects.filter(assessment_year=year, quarter=4).update(status=Period.Status.OPEN)
    html = as_user(cast["office"]).get(url("unit_results", year, unit)).content.decode()
    assert "disabled" in html
    assert 'id="roll-blocked"' in html


# Queries ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "who", "step"),
    [("propose", "leader", None), ("decide", "committee", "proposed"), ("unit_results", "office", "proposed")],
)
def test_each_page_makes_a_bounded_number_of_queries(
    rolled, unit, cast, name, who, step, as_user, django_assert_max_num_queries
):
    if step == "proposed":
        propose_all(rolled, cast)
    client = as_user(cast[who])
    assert client.get(url(name, rolled, unit)).status_code == 200  # warm
    with django_assert_max_num_queries(25):
        assert client.get(url(name, rolled, unit)).status_code == 200


# The home page leads each role to its annual step -------------------------------------------------------


def home(client) -> str:
    return client.get(reverse("home")).content.decode()


def test_the_home_page_leads_each_role_to_its_annual_step(year, unit, cast, staff, as_user, today):
    assert "2025年度考核 · 待汇总" in home(as_user(cast["office"]))
    svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    waiting = AnnualResult.objects.filter(status=Status.PROPOSAL).exclude(person__user=cast["leader"]).count()
    page = home(as_user(cast["leader"]))
    assert url("propose", year, unit) in page
    assert f'年度等次提名 <span class="badge text-bg-light">{waiting}</span>' in page
    assert url("decide", year, unit) not in home(as_user(cast["committee"]))
    propose_all(year, cast)
    assert url("propose", year, unit) not in home(as_user(cast["leader"]))
    assert url("decide", year, unit) in home(as_user(cast["committee"]))
    decide_all(cast)
    assert "待公示" in home(as_user(cast["office"]))
    svc.annual_publish(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 5))
    svc.annual_report(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 20))
    svc.annual_confirm(assessment_year=year, unit=unit, by=cast["org"], on=datetime.date(2026, 1, 25))
    # The person is sent to their notice until they acknowledge it; the committee to the review asked.
    member = as_user(staff[0].user)
    assert "2025年度考核结果通知：待签收" in home(member)
    member.post(reverse("annual:acknowledge", args=[AnnualResult.objects.get(person=staff[0]).pk]))
    assert "待签收" not in home(member)
    today(datetime.date(2026, 2, 1))
    svc.annual_review_request(
        result=AnnualResult.objects.get(person=staff[0]), reason="四个季度均为好", by=staff[0].user
    )
    assert url("reviews", year, unit) in home(as_user(cast["committee"]))
    # A member of staff without a role sees only their own notice; the organisation department no unit's step.
    assert url("unit_results", year, unit) not in home(as_user(staff[0].user))
    assert url("unit_results", year, unit) not in home(as_user(cast["org"]))


def test_the_home_page_counts_the_annual_work_in_a_bounded_number_of_queries(
    rolled, unit, cast, as_user, django_assert_max_num_queries
):
    client = as_user(cast["committee"])
    home(client)  # warm
    with django_assert_max_num_queries(20):
        assert url("unit_results", rolled, unit) in home(client)


def test_the_organisation_department_is_led_to_the_year_whose_quarters_are_closed(year, region, cast, as_user):
    from assessment.quarter import services as quarter_services

    following = quarter_services.year_create(region=region, year=2026, by=cast["org"])
    page = home(as_user(cast["org"]))
    assert reverse("annual:ratios", args=[year.pk]) in page
    assert reverse("annual:confirm_queue", args=[year.pk]) in page
    assert reverse("quarter:ratios", args=[following.pk]) in page  # the quarters' ratios: the newest year
