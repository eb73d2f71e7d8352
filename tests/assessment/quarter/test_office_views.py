"""The assessment office's end of the quarter in the browser: it starts the unit's period from the board,
reports the results after publicity, and records how each person was told (反馈); outsiders and the other
roles change nothing, and nobody records feedback on their own result."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import QuarterlyResult
from assessment.quarter import services
from assessment.quarter.views import office
from audit.models import AuditEntry
from scoring.models import ScoreSheet
from tests import factories
from tests.assessment.conftest import results
from units.models import RoleAssignment
from units.permissions import forget

Step = QuarterlyResult.Status


def board(client, period, unit) -> str:
    response = client.get(reverse("quarter:board", args=[period.pk, unit.code]))
    assert response.status_code == 200
    return response.content.decode()


# Starting the unit's period ------------------------------------------------------------------------------


@pytest.fixture
def opened(cast, staff, region):
    """Q1 of 2026 opened by the organisation department, the unit not started yet."""
    year = services.year_create(region=region, year=2026, by=cast["org"])
    period = year.periods.get(quarter=1)
    return services.period_open(period=period, by=cast["org"])


def test_the_office_starts_the_units_period_from_the_board(opened, cast, staff, unit, section, client):
    url = reverse("quarter:unit_start", args=[opened.pk, unit.code])
    client.force_login(cast["office"])
    page = board(client, opened, unit)
    assert url in page
    assert "10人" in page
    assert 'data-confirm="确定为区测试局的10人启动本期考核吗？将立即为每人生成评分表和考核结果。"' in page

    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("quarter:board", args=[opened.pk, unit.code])
    assert "已启动10人的考核。" in response.content.decode()
    assert QuarterlyResult.objects.filter(period=opened, unit=unit, status=Step.SUMMARY).count() == 10
    assert ScoreSheet.objects.filter(period=opened, unit=unit).count() == 10
    assert url not in board(client, opened, unit)

    # Someone placed in the unit later is offered and started alone; the others keep their results.
    newcomer = factories.PersonFactory(unit=unit, section=section, name="新调入")
    assert "1人" in board(client, opened, unit)
    client.post(url)
    assert QuarterlyResult.objects.filter(period=opened, unit=unit).count() == 11
    assert QuarterlyResult.objects.filter(person=newcomer, period=opened).exists()


def test_the_start_is_offered_only_while_the_period_is_open(opened, cast, unit, region, client):
    draft = services.year_create(region=region, year=2026, by=cast["org"]).periods.get(quarter=2)
    client.force_login(cast["office"])
    assert reverse("quarter:unit_start", args=[draft.pk, unit.code]) not in board(client, draft, unit)
    response = client.post(reverse("quarter:unit_start", args=[draft.pk, unit.code]), follow=True)
    assert "该考核期尚未开启。" in response.content.decode()
    assert not QuarterlyResult.objects.filter(period=draft).exists()


def test_only_the_units_office_starts_its_period(opened, cast, staff, unit, client):
    url = reverse("quarter:unit_start", args=[opened.pk, unit.code])
    far = factories.user_with_role("office", unit=factories.UnitFactory(), username="far")
    for user in (cast["outsider"], far, cast["leader"], cast["committee"], cast["head"], staff[0].user):
        client.force_login(user)
        assert client.post(url).status_code == 404, user
        if user in (cast["leader"], cast["head"]):
            assert url not in board(client, opened, unit)
    assert not QuarterlyResult.objects.filter(period=opened).exists()
    assert not ScoreSheet.objects.filter(period=opened).exists()
    # Nor through the service, which the page calls.
    with pytest.raises(PermissionError):
        services.unit_start(period=opened, unit=unit, by=cast["outsider"])
    assert not ScoreSheet.objects.filter(period=opened).exists()


def test_the_scoring_page_no_longer_opens_sheets_of_its_own(opened, cast, unit, client):
    client.force_login(cast["office"])
    page = client.get(reverse("scoring:unit_sheets", args=[opened.pk, unit.code])).content.decode()
    assert "/open/" not in page
    assert client.post(f"/scoring/periods/{opened.pk}/units/{unit.code}/open/").status_code == 404
    assert not ScoreSheet.objects.filter(period=opened).exists()


def test_the_board_counts_the_people_to_start_in_one_query(opened, cast, unit, section, client):
    """The count is one query whatever the unit's size: the board's queries do not grow with it."""
    client.force_login(cast["office"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            board(client, opened, unit)
        return len(queries)

    few = count()
    for n in range(15):
        factories.PersonFactory(unit=unit, section=section, name=f"新人{n}")
    assert count() == few
    assert "25人" in board(client, opened, unit)


# Reporting after publicity (上报) -------------------------------------------------------------------------


@pytest.fixture
def published(decided, cast, unit, during_quarter):
    """Q1 published on Friday 3 April 2026: publicity lasts until Thursday 9 April."""
    during_quarter(datetime.date(2026, 4, 3))
    services.unit_publish(period=decided, unit=unit, by=cast["office"])
    return decided


def test_the_office_reports_once_publicity_is_over_and_every_review_is_answered(
    published, cast, staff, unit, client, during_quarter
):
    period = published
    url = reverse("quarter:report", args=[period.pk, unit.code])
    client.force_login(cast["office"])

    during_quarter(datetime.date(2026, 4, 8))
    page = board(client, period, unit)
    assert "公示期至2026-04-09。" in page
    assert url not in page
    response = client.post(url, follow=True)
    assert "公示期至2026-04-09。" in response.content.decode()
    assert {r.status for r in results(period)} == {Step.PUBLICITY}

    own = QuarterlyResult.objects.get(period=period, person=staff[0])
    request = services.review_request(result=own, reason="加分事项未计入", by=staff[0].user)
    during_quarter(datetime.date(2026, 4, 10))
    page = board(client, period, unit)
    assert "公示已于2026-04-09结束。" in page
    assert "有1条复核申请尚未答复，请答复后再上报。" in page
    assert url not in page
    response = client.post(url, follow=True)
    assert "请先答复未处理的复核申请。" in response.content.decode()
    assert {r.status for r in results(period)} == {Step.PUBLICITY}

    services.review_answer(request=request, answer="经核实已计入", by=cast["office"])
    page = board(client, period, unit)
    assert url in page
    assert 'data-confirm="确定将区测试局的10人结果上报组织部门吗？上报后本单位不能再修改。"' in page
    response = client.post(url, follow=True)
    assert "已向组织部门上报10人的结果。" in response.content.decode()
    assert {r.status for r in results(period)} == {Step.CONFIRMATION}
    assert AuditEntry.objects.filter(action="unit_report", result__period=period).count() == 10
    assert url not in board(client, period, unit)


def test_only_the_units_office_reports(published, cast, staff, unit, client, during_quarter):
    during_quarter(datetime.date(2026, 4, 10))
    url = reverse("quarter:report", args=[published.pk, unit.code])
    for user in (cast["outsider"], cast["leader"], cast["committee"], cast["org"], staff[0].user):
        client.force_login(user)
        assert client.post(url).status_code == 404, user
    assert {r.status for r in results(published)} == {Step.PUBLICITY}


def test_the_publish_button_asks_first_saying_how_many(decided, cast, unit, client):
    client.force_login(cast["office"])
    assert 'data-confirm="确定将区测试局的10人结果进行公示吗？公示后只能通过复核更改等次。"' in board(
        client, decided, unit
    )


# Feedback (反馈) -----------------------------------------------------------------------------------------


@pytest.fixture
def final(published, cast, unit, during_quarter):
    """Q1 reported and confirmed (核准); "today" is the day of the confirmation, as the audit trail dates it."""
    during_quarter(datetime.date(2026, 4, 10))
    services.unit_report(period=published, unit=unit, by=cast["office"])
    services.unit_confirm(period=published, unit=unit, by=cast["org"])
    during_quarter(timezone.localdate())
    return published


def feedback_url(period, unit, query: str = "") -> str:
    return reverse("quarter:feedback", args=[period.pk, unit.code]) + query


def told(period) -> dict[str, tuple[str, datetime.date | None]]:
    return {
        r.person.name: (r.feedback_method, r.feedback_on)
        for r in QuarterlyResult.objects.filter(period=period).select_related("person")
    }


def test_the_office_records_feedback_for_the_ticked_people_at_once(final, cast, staff, unit, client):
    period = final
    client.force_login(cast["office"])
    assert feedback_url(period, unit) in board(client, period, unit)
    page = client.get(feedback_url(period, unit))
    assert page.status_code == 200
    assert all(p.name in page.content.decode() for p in staff)
    assert "尚有10人未反馈考核结果。" in page.content.decode()

    chosen = results(period)[:3]
    today = timezone.localdate()
    response = client.post(
        feedback_url(period, unit),
        {"result": [str(r.pk) for r in chosen], "method": "meeting", "on": today.isoformat()},
        follow=True,
    )
    assert "已登记3人的反馈。" in response.content.decode()
    state = told(period)
    assert {state[r.person.name] for r in chosen} == {("meeting", today)}
    assert {state[p.name] for p in staff if p.name not in {r.person.name for r in chosen}} == {("", None)}
    assert AuditEntry.objects.filter(action="feedback_record", result__in=chosen, actor=cast["office"]).count() == 3

    # Those not told yet come first; the filter shows them alone.
    page = client.get(feedback_url(period, unit)).content.decode()
    assert page.index(staff[9].name) < page.index(chosen[0].person.name)
    untold = client.get(feedback_url(period, unit, "?untold=1")).content.decode()
    assert chosen[0].person.name not in untold
    assert staff[9].name in untold


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"method": "meeting", "on": "2026-13-45"}, "有效的日期"),
        ({"method": "phone", "on": "today"}, "选择一个有效的选项"),
        ({"method": "talk", "on": "tomorrow"}, "反馈日期不能晚于今天。"),
        ({"method": "talk", "on": "2026-04-01"}, "反馈日期不能早于核准日期。"),
        ({"method": "talk", "on": "today", "result": []}, "请勾选已反馈的人员。"),
        ({"method": "talk", "on": "today", "result": ["abc", "999999"]}, "请勾选已反馈的人员。"),
    ],
)
def test_bad_feedback_input_is_refused_beside_the_form_and_nothing_saved(final, cast, unit, client, form, message):
    period = final
    today = timezone.localdate()
    days = {"today": today, "tomorrow": today + datetime.timedelta(days=1)}
    data = {
        "result": [str(r.pk) for r in results(period)[:2]],
        **form,
        "on": days[form["on"]].isoformat() if form["on"] in days else form["on"],
    }
    before = told(period)
    client.force_login(cast["office"])
    response = client.post(feedback_url(period, unit), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "alert-danger" in body
    assert told(period) == before
    assert not AuditEntry.objects.filter(action="feedback_record").exists()


def test_nobody_records_feedback_on_their_own_result(final, cast, staff, unit, client):
    """A member of the unit who also works in its office sees everyone but themself, and the service
    refuses their own result even among others: nothing is saved."""
    period = final
    officer = staff[0].user
    RoleAssignment.objects.create(user=officer, role="office", unit=unit)
    forget(officer)
    own = QuarterlyResult.objects.get(period=period, person=staff[0])
    client.force_login(officer)
    page = client.get(feedback_url(period, unit)).content.decode()
    assert f'name="result" value="{own.pk}"' not in page
    assert staff[1].name in page
    # Ticking one's own result by hand is no one to tell on this page.
    response = client.post(
        feedback_url(period, unit), {"result": [str(own.pk)], "method": "talk", "on": timezone.localdate().isoformat()}
    )
    assert "请勾选已反馈的人员。" in response.content.decode()
    with pytest.raises(PermissionError):
        services.feedback_record_bulk(results=results(period)[:3], method="talk", on=timezone.localdate(), by=officer)
    assert {m for m, _on in told(period).values()} == {""}


def test_outsiders_and_other_roles_get_no_feedback_page(final, cast, staff, unit, client):
    period = final
    data = {"result": [str(r.pk) for r in results(period)], "method": "talk", "on": timezone.localdate().isoformat()}
    far = factories.user_with_role("office", unit=factories.UnitFactory(), username="far")
    member = factories.PersonFactory(unit=unit, user=factories.UserFactory(username="member")).user
    for user in (cast["outsider"], far, cast["leader"], cast["committee"], cast["head"], cast["org"], member):
        client.force_login(user)
        response = client.get(feedback_url(period, unit))
        assert response.status_code == 404, user
        assert staff[2].name not in response.content.decode()
        assert client.post(feedback_url(period, unit), data).status_code == 404, user
    assert {m for m, _on in told(period).values()} == {""}


def test_feedback_only_for_final_results(published, cast, unit, client):
    """Before the confirmation the page lists nobody, and the service refuses: the result is not final."""
    client.force_login(cast["office"])
    assert feedback_url(published, unit) not in board(client, published, unit)
    assert "没有符合条件的最终结果。" in client.get(feedback_url(published, unit)).content.decode()
    with pytest.raises(ValidationError):
        services.feedback_record_bulk(
            results=results(published)[:1], method="talk", on=datetime.date(2026, 4, 3), by=cast["office"]
        )


def test_the_feedback_page_filters_searches_and_pages(final, cast, staff, unit, section, other_section, client):
    period = final
    client.force_login(cast["office"])

    def names(query: str) -> set[str]:
        page = client.get(feedback_url(period, unit, query)).content.decode()
        return {p.name for p in staff if f">{p.name}<" in page}

    assert names(f"?section={other_section.pk}") == {p.name for p in staff[7:]}
    ordinary = {r.person.name for r in results(period) if r.final_grade == "一般"}
    assert names("?grade=一般") == ordinary
    assert names(f"?q={staff[4].name}") == {staff[4].name}
    assert len(names("?section=oops&grade=x&page=zz")) == 10  # nonsense filters are ignored


def test_the_feedback_page_lists_fifty_to_a_page_and_tick_all_covers_the_page(
    final, cast, staff, unit, client, monkeypatch
):
    monkeypatch.setattr(office, "FEEDBACK_PAGE", 4)
    client.force_login(cast["office"])
    first = client.get(feedback_url(final, unit)).content.decode()
    assert first.count('name="result"') == 4
    assert "勾选本页全部" in first
    assert "第1页，共3页" in first
    last = client.get(feedback_url(final, unit, "?page=3")).content.decode()
    assert last.count('name="result"') == 2


def test_the_feedback_page_takes_a_bounded_number_of_queries(
    quarter, cast, unit, section, client, django_assert_max_num_queries
):
    """Results are set final directly: the page's reads are measured, not the chain that leads there."""
    client.force_login(cast["office"])

    def measure() -> int:
        QuarterlyResult.objects.filter(period=quarter).update(status=Step.FINAL, final_grade="较好")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(feedback_url(quarter, unit))
        assert response.status_code == 200
        return len(queries)

    few = measure()
    for n in range(20):
        factories.PersonFactory(unit=unit, section=section, name=f"新人{n}")
    services.unit_start(period=quarter, unit=unit, by=cast["office"])
    assert measure() == few
    with django_assert_max_num_queries(20):
        client.get(feedback_url(quarter, unit))
