"""The organisation department's own pages for the quarter: it sets up a year, opens, closes and reopens
periods, sets each unit's ratio of 好 (typed as a percentage, with the reason), and confirms (核准) or sends
back the units' reported results, all from its home page; outsiders see and change nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessment.models import FollowUp, QuarterlyResult, UnitYear
from assessment.quarter import services
from assessment.quarter.views.region import parse_percent
from audit.models import AuditEntry
from periods.models import AssessmentYear, Period
from tests import factories
from units.models import RoleAssignment


def statuses(period) -> set[str]:
    return set(QuarterlyResult.objects.filter(period=period).values_list("status", flat=True))


def page(client, url, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def outsiders(cast, staff, region):
    """Everyone who may not act for the region: the organisation department of another region, the
    unit's own office, a member of staff."""
    return [
        factories.user_with_role("org", region=factories.RegionFactory(), username="far_org"),
        cast["office"],
        staff[0].user,
    ]


@pytest.fixture
def reported(decided, cast, unit, during_quarter):
    """Q1 published on Friday 3 April 2026 and reported to the organisation department after publicity."""
    during_quarter(datetime.date(2026, 4, 3))
    services.unit_publish(period=decided, unit=unit, by=cast["office"])
    during_quarter(datetime.date(2026, 4, 10))
    services.unit_report(period=decided, unit=unit, by=cast["office"])
    return decided


# Years and periods ---------------------------------------------------------------------------------------


def test_the_org_sets_up_a_year_and_opens_closes_and_reopens_its_periods(quarter, cast, region, client):
    client.force_login(cast["org"])
    html = page(client, reverse("quarter:region_periods"))
    assert "2026年第1季度" in html
    assert 'name="year" value="2027"' in html  # the latest year + 1
    assert "data-confirm=" in html
    assert "关闭2026年第1季度？其10个结果将变为只读。" in html

    response = client.post(reverse("quarter:year_create"), {"region": region.pk, "year": "2027"}, follow=True)
    assert "已设立" in response.content.decode()
    year = AssessmentYear.objects.get(region=region, year=2027)
    assert sorted(year.periods.values_list("quarter", "status")) == [(q, "draft") for q in (1, 2, 3, 4)]

    first = year.periods.get(quarter=1)
    client.post(reverse("quarter:period_open", args=[first.pk]))
    first.refresh_from_db()
    assert first.status == Period.Status.OPEN

    # Closing a period with no result waiting; reopening needs a reason and is audited.
    client.post(reverse("quarter:period_close", args=[first.pk]))
    first.refresh_from_db()
    assert first.status == Period.Status.CLOSED
    response = client.post(reverse("quarter:period_reopen", args=[first.pk]), {"reason": "  "}, follow=True)
    assert "请说明重新开启的原因。" in response.content.decode()
    first.refresh_from_db()
    assert first.status == Period.Status.CLOSED
    client.post(reverse("quarter:period_reopen", args=[first.pk]), {"reason": "更正一人结果"})
    first.refresh_from_db()
    assert first.status == Period.Status.OPEN
    assert AuditEntry.objects.filter(period=first, action="period_reopen", comment="更正一人结果").exists()


def test_a_period_with_results_not_final_does_not_close_and_says_why(quarter, cast, client):
    client.force_login(cast["org"])
    response = client.post(reverse("quarter:period_close", args=[quarter.pk]), follow=True)
    assert "尚有10人的结果未确定，考核期不能关闭。" in response.content.decode()
    quarter.refresh_from_db()
    assert quarter.status == Period.Status.OPEN


def test_acts_out_of_order_are_refused_with_the_reason(quarter, cast, client):
    client.force_login(cast["org"])
    response = client.post(reverse("quarter:period_open", args=[quarter.pk]), follow=True)
    assert "只有草稿状态的考核期可以开启。" in response.content.decode()
    response = client.post(reverse("quarter:period_reopen", args=[quarter.pk]), {"reason": "x"}, follow=True)
    assert response.status_code == 200
    quarter.refresh_from_db()
    assert quarter.status == Period.Status.OPEN
    assert not AuditEntry.objects.filter(action="period_reopen").exists()


@pytest.mark.parametrize("typed", ["abc", "", "1999", "20271", "2026", "2026.5", "-2027"])
def test_a_bad_or_existing_year_is_refused_with_a_message(quarter, cast, region, client, typed):
    client.force_login(cast["org"])
    response = client.post(reverse("quarter:year_create"), {"region": region.pk, "year": typed}, follow=True)
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert list(AssessmentYear.objects.values_list("year", flat=True)) == [2026]


def test_a_reason_too_long_reopens_nothing(quarter, cast, client):
    Period.objects.filter(pk=quarter.pk).update(status=Period.Status.CLOSED)
    client.force_login(cast["org"])
    response = client.post(reverse("quarter:period_reopen", args=[quarter.pk]), {"reason": "长" * 2001}, follow=True)
    assert "最多" in response.content.decode()
    quarter.refresh_from_db()
    assert quarter.status == Period.Status.CLOSED


def test_outsiders_neither_see_nor_change_the_years_and_periods(quarter, cast, region, outsiders, client):
    closed = factories.assessment_period(region, year=2025, quarter=4, status="closed")
    for user in outsiders:
        client.force_login(user)
        own = client.get(reverse("quarter:region_periods"))  # another region's department sees its own region
        assert own.status_code == 404 or region.name not in own.content.decode()
        assert client.post(reverse("quarter:year_create"), {"region": region.pk, "year": "2027"}).status_code == 404
        assert client.post(reverse("quarter:period_close", args=[quarter.pk])).status_code == 404
        assert client.post(reverse("quarter:period_reopen", args=[closed.pk]), {"reason": "x"}).status_code == 404
        draft = AssessmentYear.objects.get(year=2026).periods.get(quarter=2)
        assert client.post(reverse("quarter:period_open", args=[draft.pk])).status_code == 404
    for user in outsiders[1:]:  # the unit's office and a member of staff have no region page at all
        client.force_login(user)
        assert client.get(reverse("quarter:region_periods")).status_code == 404
    assert sorted(AssessmentYear.objects.values_list("year", flat=True)) == [2025, 2026]
    assert dict(Period.objects.values_list("pk", "status"))[closed.pk] == "closed"
    assert set(AssessmentYear.objects.get(year=2026).periods.exclude(quarter=1).values_list("status", flat=True)) == {
        "draft"
    }
    assert not AuditEntry.objects.filter(action__in=["period_open", "period_close", "period_reopen"]).exclude(
        actor=cast["org"]
    )


def test_the_years_page_costs_the_same_queries_however_many_years_and_periods(
    quarter, cast, region, client, django_assert_max_num_queries
):
    client.force_login(cast["org"])
    page(client, reverse("quarter:region_periods"))  # warm the per-process caches (content types)
    with django_assert_max_num_queries(12):
        page(client, reverse("quarter:region_periods"))
    for year in range(2015, 2026):
        factories.assessment_period(region, year=year, quarter=1, status="closed")
        factories.assessment_period(region, year=year, quarter=2, status="draft")
    with django_assert_max_num_queries(12):
        html = page(client, reverse("quarter:region_periods"))
    assert html.index("2026年第1季度") < html.index("2025年第1季度") < html.index("2015年第1季度")


# Ratios of 好 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"), [("40", Decimal("0.40")), ("37.5", Decimal("0.375")), ("0", 0), ("100", 1), ("25%", "0.25")]
)
def test_a_percentage_becomes_the_exact_ratio(typed, stored):
    assert parse_percent(typed) == Decimal(stored)


@pytest.mark.parametrize("typed", ["abc", "", "NaN", "Infinity", "-1", "100.1", "37.55", "1e400", "4 0"])
def test_a_malformed_percentage_is_refused(typed):
    with pytest.raises(ValidationError):
        parse_percent(typed)


def test_the_org_sets_a_units_ratio_with_the_reason_and_sees_its_history(quarter, cast, unit, client):
    year = quarter.assessment_year
    url = reverse("quarter:ratios", args=[year.pk])
    client.force_login(cast["org"])
    html = page(client, url)
    assert unit.name in html
    assert "默认" in html  # no ratio of its own yet: the year's default, 40%
    assert 'value="40"' in html

    response = client.post(url, {"unit": unit.pk, "percent": "37.5", "reason": "窗口单位，任务繁重"})
    assert response.status_code == 302
    setting = UnitYear.objects.get(unit=unit, assessment_year=year)
    assert setting.good_ratio == Decimal("0.375")
    assert setting.reason == "窗口单位，任务繁重"
    assert setting.set_by == cast["org"]
    client.post(url, {"unit": unit.pk, "percent": "40", "reason": "恢复"})
    setting.refresh_from_db()
    assert setting.good_ratio == Decimal("0.40")

    html = page(client, url)
    assert 'value="40"' in html
    assert "<details>" in html
    assert "窗口单位，任务繁重" in html
    assert "恢复" in html
    assert "默认 → 37.5%" in html
    assert "37.5% → 40%" in html
    assert AuditEntry.objects.filter(action="ratio_set", unit=unit).count() == 2


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"percent": "四十", "reason": "x"}, "百分比"),
        ({"percent": "37.55", "reason": "x"}, "一位小数"),
        ({"percent": "140", "reason": "x"}, "0到100"),
        ({"percent": "40", "reason": "  "}, "请填写设置比例的理由。"),
        ({"percent": "40", "reason": "长" * 201}, "最多"),
        ({"percent": "40"}, "请填写设置比例的理由。"),
    ],
)
def test_bad_input_on_a_ratio_is_shown_beside_its_form_and_nothing_saved(quarter, cast, unit, client, form, message):
    url = reverse("quarter:ratios", args=[quarter.assessment_year.pk])
    client.force_login(cast["org"])
    response = client.post(url, {"unit": unit.pk, **form})
    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index(f'id="unit-{unit.pk}"') :]
    assert message in row[: row.index("</tr>")]
    assert not UnitYear.objects.exists()
    assert not AuditEntry.objects.filter(action="ratio_set").exists()


@pytest.mark.parametrize("unit_id", ["", "abc", "999999", "other_region"])
def test_an_unknown_or_foreign_unit_is_refused_and_nothing_saved(quarter, cast, client, unit_id):
    if unit_id == "other_region":
        unit_id = str(factories.UnitFactory().pk)
    client.force_login(cast["org"])
    response = client.post(
        reverse("quarter:ratios", args=[quarter.assessment_year.pk]), {"unit": unit_id, "percent": "50", "reason": "x"}
    )
    assert response.status_code == 200
    assert "请从列表中选择单位。" in response.content.decode()
    assert not UnitYear.objects.exists()


def test_outsiders_neither_see_nor_set_the_ratios(quarter, cast, unit, outsiders, client):
    url = reverse("quarter:ratios", args=[quarter.assessment_year.pk])
    for user in outsiders:
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"unit": unit.pk, "percent": "90", "reason": "x"}).status_code == 404
    assert not UnitYear.objects.exists()


def test_the_ratios_are_searched_and_paged_in_the_same_queries_whatever_the_units(
    quarter, cast, unit, region, client, django_assert_max_num_queries
):
    year = quarter.assessment_year
    url = reverse("quarter:ratios", args=[year.pk])
    client.force_login(cast["org"])
    services.ratio_set(unit=unit, assessment_year=year, good_ratio=Decimal("0.3"), reason="a", by=cast["org"])
    page(client, url)  # warm the per-process caches (content types)
    with django_assert_max_num_queries(13):
        page(client, url)
    for n in range(60):
        other = factories.UnitFactory(region=region, code=f"R{n:03d}", name=f"区直单位{n:03d}")
        services.ratio_set(unit=other, assessment_year=year, good_ratio=Decimal("0.35"), reason="b", by=cast["org"])
    factories.UnitFactory(region=region, code="GONE", name="已撤销单位", is_active=False)
    with django_assert_max_num_queries(13):
        html = page(client, url)
    assert "第1页，共2页" in html
    assert "已撤销单位" not in html
    second = page(client, url, data={"page": 2})
    assert "第2页，共2页" in second
    found = page(client, url, data={"q": "R05"})
    assert "区直单位050" in found
    assert "区直单位049" not in found
    assert unit.name not in found
    assert "区直单位007" in page(client, url, data={"q": "单位007"})


# The confirmation queue (核准) ---------------------------------------------------------------------------


def test_the_org_confirms_the_reported_units_through_the_queue(reported, cast, unit, client):
    url = reverse("quarter:confirm_queue", args=[reported.pk])
    client.force_login(cast["org"])
    html = page(client, url)
    assert reverse("quarter:board", args=[reported.pk, unit.code]) in html
    ready = html[html.index('id="ready"') : html.index('id="before"')]
    assert unit.name in ready
    assert "10人" in html  # the data-confirm question counts the people
    assert 'data-people="10"' in ready  # and the script recounts those ticked
    assert "核准所勾选的{units}个单位、共{people}人的结果？" in html
    assert "4 / 2" in ready  # places of 好 / 好 given

    response = client.post(url, {"unit": [unit.pk], "act": "confirm"})
    assert response.status_code == 302
    assert statuses(reported) == {"final"}
    assert FollowUp.objects.count() == 1  # the one 一般
    assert unit.name not in page(client, url).split('id="before"')[0].split('id="ready"')[-1]


def test_the_org_sends_reported_units_back_with_the_reason(reported, cast, unit, client):
    url = reverse("quarter:confirm_queue", args=[reported.pk])
    client.force_login(cast["org"])
    response = client.post(url, {"unit": [unit.pk], "act": "send_back", "reason": ""})
    assert response.status_code == 200
    assert "请说明退回原因。" in response.content.decode()
    assert statuses(reported) == {"confirmation"}
    client.post(url, {"unit": [unit.pk], "act": "send_back", "reason": "好等次超出名额，请复议"})
    assert statuses(reported) == {"committee"}
    assert AuditEntry.objects.filter(action="unit_send_back", comment="好等次超出名额，请复议").count() == 10


@pytest.mark.parametrize(
    "form",
    [
        {"act": "confirm"},  # nothing ticked
        {"act": "dance", "unit": "UNIT"},
        {"act": "confirm", "unit": ["UNIT", "abc"]},
        {"act": "confirm", "unit": ["UNIT", "OTHER"]},  # a unit of another region, forged
        {"act": "send_back", "unit": "UNIT", "reason": "长" * 2001},
    ],
)
def test_bad_input_on_the_queue_changes_nothing(reported, cast, unit, client, form):
    other = factories.UnitFactory()
    swap = {"UNIT": str(unit.pk), "OTHER": str(other.pk)}
    if "unit" in form:
        ids = form["unit"] if isinstance(form["unit"], list) else [form["unit"]]
        form = {**form, "unit": [swap.get(i, i) for i in ids]}
    client.force_login(cast["org"])
    response = client.post(reverse("quarter:confirm_queue", args=[reported.pk]), form)
    assert response.status_code == 200
    assert "未保存任何内容" in response.content.decode()
    assert statuses(reported) == {"confirmation"}


def test_units_before_confirmation_are_listed_with_their_steps_and_cannot_be_confirmed(decided, cast, unit, client):
    url = reverse("quarter:confirm_queue", args=[decided.pk])
    client.force_login(cast["org"])
    html = page(client, url)
    before = html[html.index('id="before"') :]
    assert unit.name in before
    assert "已审定 10" in before
    assert "未开始" in before  # the outsider's unit has not started
    response = client.post(url, {"unit": [unit.pk], "act": "confirm"})
    assert "未保存任何内容" in response.content.decode()
    assert statuses(decided) == {"decided"}


def test_outsiders_neither_see_nor_act_on_the_queue(reported, cast, unit, outsiders, client):
    url = reverse("quarter:confirm_queue", args=[reported.pk])
    for user in outsiders:
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"unit": [unit.pk], "act": "confirm"}).status_code == 404
    assert statuses(reported) == {"confirmation"}


def test_the_queue_costs_the_same_queries_whatever_the_number_of_units(
    reported, cast, region, client, django_assert_max_num_queries
):
    url = reverse("quarter:confirm_queue", args=[reported.pk])
    client.force_login(cast["org"])
    page(client, url)  # warm the per-process caches (content types)
    with django_assert_max_num_queries(13):
        page(client, url)
    for n in range(30):
        factories.UnitFactory(region=region, code=f"Q{n:03d}")
    with django_assert_max_num_queries(13):
        html = page(client, url)
    assert html.count('id="before-') == 31  # the thirty new units and the outsider's, none started


def test_bulk_confirmation_is_all_or_nothing(reported, cast, unit, region):
    not_reported = factories.UnitFactory(region=region)
    with pytest.raises(ValidationError):
        services.units_confirm(period=reported, units=[unit, not_reported], by=cast["org"])
    assert statuses(reported) == {"confirmation"}
    with pytest.raises(PermissionError):
        services.units_confirm(period=reported, units=[unit, factories.UnitFactory()], by=cast["org"])
    with pytest.raises(ValidationError):
        services.units_send_back(period=reported, units=[unit], by=cast["org"], reason=" ")
    with pytest.raises(PermissionError):
        services.units_confirm(period=reported, units=[unit], by=cast["office"])
    assert statuses(reported) == {"confirmation"}
    assert services.units_confirm(period=reported, units=[unit], by=cast["org"]) == 10
    assert statuses(reported) == {"final"}


# The home page --------------------------------------------------------------------------------------------


def test_the_org_home_page_leads_to_its_own_pages(quarter, cast, region, client, django_assert_max_num_queries):
    client.force_login(cast["org"])
    html = page(client, reverse("home"))
    assert reverse("quarter:region_periods") in html
    assert reverse("quarter:ratios", args=[quarter.assessment_year.pk]) in html
    assert reverse("quarter:confirm_queue", args=[quarter.pk]) in html
    # A second region adds no query per role.
    second = factories.RegionFactory()
    services.year_create(region=second, year=2027, by=factories.user_with_role("org", region=second))
    RoleAssignment.objects.create(user=cast["org"], role="org", region=second)
    with django_assert_max_num_queries(11):
        html = page(client, reverse("home"))
    newer = AssessmentYear.objects.get(region=second, year=2027)
    assert reverse("quarter:ratios", args=[newer.pk]) in html
    client.force_login(cast["office"])
    assert reverse("quarter:region_periods") not in page(client, reverse("home"))


def test_nobody_confirms_or_sends_back_a_unit_holding_their_own_result(reported, cast, unit, region):
    from assessment.models import QuarterlyResult
    from assessment.quarter import services as quarter_services

    period = reported
    mine = QuarterlyResult.objects.filter(period=period, unit=unit).select_related("person").first()
    officer = factories.user_with_role("org", region=region, username="org-member")
    mine.person.user = officer
    mine.person.save(update_fields=["user"])
    for act in (
        lambda: quarter_services.unit_confirm(period=period, unit=unit, by=officer),
        lambda: quarter_services.unit_send_back(period=period, unit=unit, by=officer, reason="复议"),
    ):
        with pytest.raises(PermissionError):
            act()
    assert set(QuarterlyResult.objects.filter(period=period, unit=unit).values_list("status", flat=True)) == {
        "confirmation"
    }
    assert quarter_services.unit_confirm(period=period, unit=unit, by=cast["org"]) > 0
