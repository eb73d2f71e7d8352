"""The organisation department's pages for the year: ratios of 优秀 for many units at once, the confirmation
queue (核准), the appeals (申诉) it decides and the year's dashboard; outsiders see and change nothing, nobody
confirms a unit that holds their own result, bad input never errors, and each page is a bounded number of
queries."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessment.models import AnnualAppeal, AnnualResult, ExcellentRatio
from assessment.year import services as svc
from audit.models import AuditEntry
from tests import factories
from tests.assessment.year import test_services as base
from tests.assessment.year.test_services import propose_all, result_of, rolled
from units.models import RoleAssignment, Unit

Status = AnnualResult.Status

# The year of the services' tests: eleven people, their quarters closed (fixtures shared by name).
newcomer = base.newcomer
people = base.people
year = base.year


@pytest.fixture
def today(monkeypatch):
    def set_today(day: datetime.date):
        monkeypatch.setattr("assessment.quarter.services.today", lambda: day)
        monkeypatch.setattr("assessment.year.services.today", lambda: day)

    set_today(datetime.date(2026, 1, 15))
    return set_today


@pytest.fixture
def outsiders(cast, staff):
    """The organisation department of another region, the unit's own office, a member of staff."""
    return [
        factories.user_with_role("org", region=factories.RegionFactory(), username="far_org"),
        cast["office"],
        staff[0].user,
    ]


def reported(year, unit, cast, grades=None):
    """The unit's annual results decided, published and reported to the organisation department."""
    rolled(year, unit, cast)
    propose_all(year, cast, grades or {})
    svc.annual_decide(
        verdicts=[
            svc.Verdict(result=r, grade=r.proposed_grade)
            for r in AnnualResult.objects.filter(assessment_year=year).order_by("pk")
        ],
        by=cast["committee"],
    )
    svc.annual_publish(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 5))
    svc.annual_report(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 20))


def statuses(year) -> set[str]:
    return set(AnnualResult.objects.filter(assessment_year=year).values_list("status", flat=True))


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def urls(year) -> list[str]:
    return [reverse(f"annual:{name}", args=[year.pk]) for name in ("ratios", "confirm_queue", "appeals", "dashboard")]


# Outsiders ------------------------------------------------------------------------------------------------


def test_outsiders_get_404_on_every_page_and_change_nothing(year, unit, cast, outsiders, client):
    reported(year, unit, cast)
    for user in outsiders:
        client.force_login(user)
        for url in urls(year):
            assert client.get(url).status_code == 404, (user, url)
        posts = {
            "ratios": {"unit": [unit.pk], f"performance-{unit.pk}": "excellent", f"reason-{unit.pk}": "x"},
            "confirm_queue": {"unit": [unit.pk], "act": "confirm"},
            "appeals": {"appeal": "1", "answer": "x"},
        }
        for name, data in posts.items():
            assert client.post(reverse(f"annual:{name}", args=[year.pk]), data).status_code == 404, (user, name)
    assert statuses(year) == {Status.CONFIRMATION}
    assert not ExcellentRatio.objects.exists()


def test_forged_keys_never_error(year, unit, cast, client):
    client.force_login(cast["org"])
    for url in urls(year):
        assert client.get(url, {"page": "²", "q": "²"}).status_code == 200
    assert client.get(reverse("annual:ratios", args=[999999])).status_code == 404
    response = client.post(reverse("annual:ratios", args=[year.pk]), {"unit": ["²", "abc"]})
    assert response.status_code == 200
    assert "请从列表中选择单位" in response.content.decode()
    assert client.post(reverse("annual:appeals", args=[year.pk]), {"appeal": "²", "answer": "x"}).status_code == 404
    queue = reverse("annual:confirm_queue", args=[year.pk])
    assert client.post(queue, {"unit": ["²"], "act": "confirm"}).status_code == 200


# Ratios of 优秀 ------------------------------------------------------------------------------------------


def test_the_org_sets_several_ratios_in_one_post_with_their_history(year, unit, other_unit, cast, client):
    client.force_login(cast["org"])
    url = reverse("annual:ratios", args=[year.pk])
    html = page(client, url)
    assert unit.name in html
    assert other_unit.name in html
    assert "20%" in html  # the default
    response = client.post(
        url,
        {
            "unit": [unit.pk, other_unit.pk],
            f"performance-{unit.pk}": "excellent",
            f"reason-{unit.pk}": "组织绩效考核优秀",
            f"performance-{other_unit.pk}": "major",
            f"percent-{other_unit.pk}": "25",
            f"reason-{other_unit.pk}": "重大贡献，酌定25%",
        },
    )
    assert response.status_code == 302
    ratios = {r.unit_id: (r.performance, r.ratio) for r in ExcellentRatio.objects.all()}
    assert ratios == {unit.pk: ("excellent", Decimal("0.200")), other_unit.pk: ("major", Decimal("0.250"))}
    html = page(client, url)
    assert "25%" in html
    assert "重大贡献，酌定25%" in html
    assert "变更记录1条" in html
    # A row left as it was is not a change: saving the page again changes nothing.
    assert (
        client.post(
            url,
            {
                "unit": [unit.pk, other_unit.pk],
                f"performance-{unit.pk}": "excellent",
                f"performance-{other_unit.pk}": "major",
            },
        ).status_code
        == 200
    )
    assert AuditEntry.objects.filter(action="excellent_ratio_set").count() == 2


def test_a_refused_row_saves_no_row_and_says_why_in_chinese(year, unit, other_unit, cast, client):
    client.force_login(cast["org"])
    url = reverse("annual:ratios", args=[year.pk])
    good = {f"performance-{unit.pk}": "excellent", f"reason-{unit.pk}": "优秀"}
    for bad, expected in (
        ({f"percent-{other_unit.pk}": "abc"}, "请按百分比填写比例"),
        ({f"percent-{other_unit.pk}": "50", f"reason-{other_unit.pk}": "x"}, "30"),  # outside the year's band
        ({f"percent-{other_unit.pk}": "25"}, "请填写设置比例的理由"),  # no reason
        ({f"performance-{other_unit.pk}": "", f"reason-{other_unit.pk}": "x"}, "请选择单位组织绩效等次"),
    ):
        data = {"unit": [unit.pk, other_unit.pk], f"performance-{other_unit.pk}": "major", **good, **bad}
        response = client.post(url, data)
        assert response.status_code == 200
        html = response.content.decode()
        assert expected in html, (bad, html[html.find("alert") : html.find("alert") + 400])
        assert not ExcellentRatio.objects.exists()


def test_a_ratio_below_the_places_used_is_refused(year, unit, cast, people, client):
    reported(year, unit, cast, {people[0].pk: ("优秀", ""), people[2].pk: ("优秀", "")})
    client.force_login(cast["org"])
    response = client.post(
        reverse("annual:ratios", args=[year.pk]),
        {"unit": [unit.pk], f"performance-{unit.pk}": "poor", f"percent-{unit.pk}": "10", f"reason-{unit.pk}": "差"},
    )
    assert response.status_code == 200
    assert "已有2人被提名或确定为优秀，该比例只有1个名额" in response.content.decode()
    assert not ExcellentRatio.objects.exists()


def test_the_bulk_service_is_all_or_nothing(year, unit, other_unit, cast):
    changes = [
        svc.RatioChange(unit=unit, performance="excellent", reason="优秀"),
        svc.RatioChange(unit=other_unit, performance="average", reason="一般", ratio=Decimal("0.5")),
    ]
    with pytest.raises(ValidationError) as caught:
        svc.excellent_ratios_set(assessment_year=year, changes=changes, by=cast["org"])
    assert list(caught.value.message_dict) == [str(other_unit.pk)]
    assert not ExcellentRatio.objects.exists()
    far = factories.UnitFactory(region=factories.RegionFactory())
    with pytest.raises(PermissionError):
        svc.excellent_ratios_set(
            assessment_year=year, changes=[svc.RatioChange(unit=far, performance="poor", reason="x")], by=cast["org"]
        )


# The confirmation queue -----------------------------------------------------------------------------------


def test_the_org_confirms_the_ticked_units_in_one_post(year, unit, other_unit, cast, client):
    reported(year, unit, cast)
    client.force_login(cast["org"])
    url = reverse("annual:confirm_queue", args=[year.pk])
    html = page(client, url)
    assert f'id="unit-{unit.pk}"' in html
    assert f'id="before-{other_unit.pk}"' in html  # not rolled up yet
    assert "data-confirm=" in html
    assert client.post(url, {"act": "confirm"}).status_code == 200  # nothing ticked
    assert statuses(year) == {Status.CONFIRMATION}
    response = client.post(url, {"unit": [unit.pk], "act": "confirm"})
    assert response.status_code == 302
    assert statuses(year) == {Status.FINAL}
    assert all(r.notice for r in AnnualResult.objects.filter(assessment_year=year))
    # Out of order: the unit is no longer waiting.
    html = client.post(url, {"unit": [unit.pk], "act": "confirm"}).content.decode()
    assert "所勾选的单位中有单位不在待核准之列" in html


def test_the_org_sends_back_with_a_reason(year, unit, cast, client):
    reported(year, unit, cast)
    client.force_login(cast["org"])
    url = reverse("annual:confirm_queue", args=[year.pk])
    assert client.post(url, {"unit": [unit.pk], "act": "send_back", "reason": " "}).status_code == 200
    assert statuses(year) == {Status.CONFIRMATION}
    assert client.post(url, {"unit": [unit.pk], "act": "send_back", "reason": "公示材料不全"}).status_code == 302
    assert statuses(year) == {Status.COMMITTEE}


def test_nobody_confirms_a_unit_holding_their_own_result(year, unit, cast, staff, client):
    staff[3].user = cast["org"]
    staff[3].save(update_fields=["user"])
    reported(year, unit, cast)
    client.force_login(cast["org"])
    url = reverse("annual:confirm_queue", args=[year.pk])
    for data in ({"act": "confirm"}, {"act": "send_back", "reason": "x"}):
        html = client.post(url, {"unit": [unit.pk], **data}).content.decode()
        assert "请由组织部门其他工作人员办理" in html
        assert statuses(year) == {Status.CONFIRMATION}


def test_bulk_confirm_is_all_or_nothing(year, unit, other_unit, cast):
    reported(year, unit, cast)
    with pytest.raises(ValidationError):
        svc.annual_units_confirm(assessment_year=year, units=[unit, other_unit], by=cast["org"])
    assert statuses(year) == {Status.CONFIRMATION}


# Appeals --------------------------------------------------------------------------------------------------


def test_the_org_decides_an_appeal(year, unit, cast, people, today, client):
    reported(year, unit, cast, {people[0].pk: ("称职", "")})
    svc.annual_confirm(assessment_year=year, unit=unit, by=cast["org"], on=datetime.date(2026, 1, 25))
    mine = result_of(people[0], year)
    today(datetime.date(2026, 2, 20))
    review = svc.annual_review_request(result=mine, reason="四个季度均为好等次", by=people[0].user)
    svc.annual_review_answer(appeal=review, answer="维持原等次。", by=cast["committee"])
    today(datetime.date(2026, 3, 1))
    appeal = svc.annual_appeal_request(result=mine, reason="不服复核决定", by=people[0].user)

    client.force_login(cast["org"])
    url = reverse("annual:appeals", args=[year.pk])
    html = page(client, url)
    assert "不服复核决定" in html
    assert appeal.answer_due.strftime("%Y-%m-%d") in html
    assert "四个季度均为好等次" not in html  # a review is the unit's, not listed here
    # Bad input: no answer, an unknown grade; nothing saved.
    assert "请填写答复" in client.post(url, {"appeal": appeal.pk, "answer": " "}).content.decode()
    assert client.post(url, {"appeal": appeal.pk, "answer": "x", "grade": "特优"}).status_code == 200
    assert AnnualAppeal.objects.get(pk=appeal.pk).is_open
    # A review is not decided here.
    assert client.post(url, {"appeal": review.pk, "answer": "x"}).status_code == 404
    response = client.post(url, {"appeal": appeal.pk, "answer": "经审理，改定为优秀等次。", "grade": "优秀"})
    assert response.status_code == 302
    assert result_of(people[0], year).final_grade == "优秀"
    decided = AnnualAppeal.objects.get(pk=appeal.pk)
    assert decided.outcome == "changed"
    assert "经审理，改定为优秀等次。" in page(client, url)
    # Out of order: decided already.
    html = client.post(url, {"appeal": appeal.pk, "answer": "again"}).content.decode()
    assert "已经答复" in html


# Dashboard and links ---------------------------------------------------------------------------------------


def test_the_dashboard_shows_places_grades_and_what_is_open(year, unit, cast, people, client):
    reported(year, unit, cast)
    client.force_login(cast["org"])
    html = page(client, reverse("annual:dashboard", args=[year.pk]))
    assert unit.name in html
    assert "20%" in html
    home = page(client, reverse("home"))
    assert reverse("annual:dashboard", args=[year.pk]) in home
    assert reverse("annual:ratios", args=[year.pk]) in home
    listing = page(client, reverse("annual:year_list"))
    for url in urls(year):
        assert url in listing


# Bounded queries --------------------------------------------------------------------------------------------


def test_each_page_is_a_bounded_number_of_queries(year, unit, cast, region, client, django_assert_max_num_queries):
    reported(year, unit, cast)
    client.force_login(cast["org"])
    for url in urls(year):
        client.get(url)  # warm
    counts = {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls(year):
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        counts[url] = len(few.captured_queries)
    for n in range(12):
        extra = factories.UnitFactory(region=region, code=f"X{n:02d}")
        svc.excellent_ratio_set(unit=extra, assessment_year=year, performance="average", reason="一般", by=cast["org"])
    for url in urls(year):
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_nobody_decides_an_appeal_on_their_own_result(year, unit, cast, people, today, client):
    reported(year, unit, cast, {people[0].pk: ("称职", "")})
    svc.annual_confirm(assessment_year=year, unit=unit, by=cast["org"], on=datetime.date(2026, 1, 25))
    mine = result_of(people[0], year)
    today(datetime.date(2026, 2, 20))
    review = svc.annual_review_request(result=mine, reason="x", by=people[0].user)
    svc.annual_review_answer(appeal=review, answer="维持原等次。", by=cast["committee"])
    appeal = svc.annual_appeal_request(result=mine, reason="不服", by=people[0].user)
    # The person's login is also an officer of the organisation department.
    RoleAssignment.objects.create(user=people[0].user, role="org", region=unit.region)
    client.force_login(people[0].user)
    url = reverse("annual:appeals", args=[year.pk])
    response = client.post(url, {"appeal": appeal.pk, "answer": "改为优秀", "grade": "优秀"})
    assert response.status_code == 200
    assert "任何人不得办理本人的考核结果" in response.content.decode()
    assert AnnualAppeal.objects.get(pk=appeal.pk).is_open
    assert result_of(people[0], year).final_grade == "称职"


def test_a_percentage_finer_than_one_decimal_is_refused(year, unit, cast, client):
    client.force_login(cast["org"])
    response = client.post(
        reverse("annual:ratios", args=[year.pk]),
        {
            "unit": [unit.pk],
            f"performance-{unit.pk}": "average",
            f"percent-{unit.pk}": "12.34",
            f"reason-{unit.pk}": "x",
        },
    )
    assert response.status_code == 200
    assert "37.5" in response.content.decode()  # the message's example
    assert not ExcellentRatio.objects.exists()


# Lists: searched, sorted and paged as every list is (common.listing) ---------------------------------------


def test_the_ratios_and_the_dashboard_are_paged_and_searched_and_a_post_keeps_the_page(
    year, unit, region, cast, client
):
    for n in range(55):
        factories.UnitFactory(region=region, code=f"Z{n:02d}", name=f"区单位{n:02d}", order=100 + n)
    client.force_login(cast["org"])
    for name in ("ratios", "dashboard"):
        url = reverse(f"annual:{name}", args=[year.pk])
        first = page(client, url)
        assert "57" in first  # found: the 55, the main unit and the outsider's
        assert "区单位47" in first
        assert "区单位48" not in first
        assert "区单位54" in page(client, url + "?page=2")
        found = page(client, url + "?q=Z07")
        assert "区单位07" in found
        assert "区单位08" not in found
        assert "区单位54" in page(client, url + "?sort=-name")
    target = Unit.objects.get(code="Z52")
    url = reverse("annual:ratios", args=[year.pk]) + "?q=%E5%8C%BA%E5%8D%95%E4%BD%8D&page=2"
    response = client.post(
        url, {"unit": [target.pk], f"performance-{target.pk}": "excellent", f"reason-{target.pk}": "绩效优秀"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?q=%E5%8C%BA%E5%8D%95%E4%BD%8D&page=2")
    assert ExcellentRatio.objects.get(unit=target).performance == "excellent"


def test_the_appeals_are_filtered_by_state_and_searched(year, unit, cast, people, today, client):
    reported(year, unit, cast)
    svc.annual_confirm(assessment_year=year, unit=unit, by=cast["org"], on=datetime.date(2026, 1, 25))
    today(datetime.date(2026, 2, 20))
    asked = {}
    for person in people[:2]:
        result = result_of(person, year)
        AnnualAppeal.objects.create(
            result=result,
            kind="review",
            reason="复核",
            requested_on=datetime.date(2026, 2, 1),
            answer_due=datetime.date(2026, 3, 1),
            answer="维持",
            outcome="upheld",
            answered_on=datetime.date(2026, 2, 5),
        )
        asked[person.pk] = AnnualAppeal.objects.create(
            result=result,
            kind="appeal",
            reason=f"申诉{person.name}",
            requested_on=datetime.date(2026, 2, 10),
            answer_due=datetime.date(2026, 3, 10),
        )
    svc.annual_appeal_decide(appeal=asked[people[1].pk], answer="维持原等次。", by=cast["org"])
    client.force_login(cast["org"])
    url = reverse("annual:appeals", args=[year.pk])
    both = page(client, url)
    assert f"申诉{people[0].name}" in both
    assert f"申诉{people[1].name}" in both
    waiting = page(client, url + "?state=open")
    assert f"申诉{people[0].name}" in waiting
    assert f"申诉{people[1].name}" not in waiting
    assert f"申诉{people[0].name}" not in page(client, url + "?state=answered")
    assert f"申诉{people[1].name}" not in page(client, url + f"?q={people[0].name}")
    assert page(client, url + "?state=²&unit=²&sort=²").count("申诉") >= 2
