"""A civil servant's own quarter on the page (summary, work records, declarations, result and review
request), the office's answers to review requests, and the profile (画像) over time. Nobody but the person
sees their own quarter; colleagues and outsiders get 404 and change nothing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from assessment.models import FollowUp, Notification, QuarterlyResult, ReviewRequest, WorkRecord
from assessment.quarter import services
from audit.models import AuditEntry
from periods.models import Period
from scoring import services as scoring
from scoring.models import Event, EventStandard
from tests import factories

PUBLISHED_ON = datetime.date(2026, 4, 1)  # a Wednesday: publicity lasts until 7 April
IN_PUBLICITY = datetime.date(2026, 4, 2)


def mine(period):
    return reverse("quarter:my_quarter", args=[period.pk])


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def queries(client, url) -> int:
    """The queries of one GET of ``url``, after one GET to warm what is cached per process or session."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def me(staff):
    """The person with a login in the first section (staff[0], user p0)."""
    return staff[0].user


@pytest.fixture
def colleague(staff):
    """Another person of the same section, with a login."""
    person = staff[2]
    person.user = factories.UserFactory(username="colleague")
    person.save()
    return person.user


@pytest.fixture
def stranger(region):
    """A person with a login in another unit."""
    user = factories.UserFactory(username="stranger")
    factories.PersonFactory(unit=factories.UnitFactory(region=region, code="U-FAR"), user=user)
    return user


@pytest.fixture
def published(decided, cast, unit, during_quarter):
    """Q1 decided and published on 1 April; today is inside publicity."""
    services.unit_publish(period=decided, unit=unit, by=cast["office"], on=PUBLISHED_ON)
    during_quarter(IN_PUBLICITY)
    return decided


# My quarters ----------------------------------------------------------------------------------------------


def test_a_person_finds_my_quarters_in_the_menu_and_the_open_quarter_in_the_list(quarter, me, client):
    client.force_login(me)
    home = html_of(client.get(reverse("home")))
    assert reverse("quarter:my_quarters") in home
    page = html_of(client.get(reverse("quarter:my_quarters")))
    assert mine(quarter) in page
    assert 'name="viewport"' in page


def test_users_without_a_person_are_not_offered_my_quarters_and_get_404(quarter, cast, client):
    client.force_login(cast["office"])
    assert reverse("quarter:my_quarters") not in html_of(client.get(reverse("home")))
    assert client.get(reverse("quarter:my_quarters")).status_code == 404
    assert client.get(mine(quarter)).status_code == 404
    assert client.post(mine(quarter), {"act": "summary", "summary": "x"}).status_code == 404


def test_a_person_of_another_region_gets_404_for_the_quarter(quarter, client):
    other = factories.UnitFactory(region=factories.RegionFactory(), code="U-ELSEWHERE")
    user = factories.UserFactory(username="far")
    factories.PersonFactory(unit=other, user=user)
    client.force_login(user)
    assert client.get(mine(quarter)).status_code == 404
    assert client.post(mine(quarter), {"act": "record", "on": "2026-03-01", "content": "x"}).status_code == 404
    assert not WorkRecord.objects.exists()


def test_the_person_writes_and_submits_the_summary_on_the_page(quarter, me, client, during_quarter):
    client.force_login(me)
    page = html_of(client.get(mine(quarter)))
    assert 'name="summary"' in page
    assert "2026-03-31" in page  # the summary's deadline
    response = client.post(mine(quarter), {"act": "summary", "summary": "本季度完成了三项重点工作。"})
    assert response.status_code == 302
    result = QuarterlyResult.objects.get(period=quarter, person=me.person)
    assert (result.status, result.summary) == ("scoring", "本季度完成了三项重点工作。")
    page = html_of(client.get(mine(quarter)))
    assert "本季度完成了三项重点工作。" in page
    assert 'name="summary"' not in page


def test_a_late_summary_is_refused_with_the_reason_and_the_typed_text_kept(quarter, me, client, during_quarter):
    during_quarter(datetime.date(2026, 4, 3))
    client.force_login(me)
    page = html_of(client.post(mine(quarter), {"act": "summary", "summary": "迟交的小结内容"}))
    assert "迟交的小结内容" in page
    assert "2026-03-31" in page
    assert "alert-danger" in page
    result = QuarterlyResult.objects.get(period=quarter, person=me.person)
    assert (result.status, result.summary) == ("summary", "")


def test_an_empty_summary_is_refused_and_nothing_saved(quarter, me, client, during_quarter):
    client.force_login(me)
    page = html_of(client.post(mine(quarter), {"act": "summary", "summary": "   "}))
    assert "alert" in page
    assert QuarterlyResult.objects.get(period=quarter, person=me.person).status == "summary"


def test_a_work_record_is_added_and_one_outside_the_quarter_is_refused_with_the_text_kept(
    quarter, me, client, during_quarter
):
    client.force_login(me)
    response = client.post(mine(quarter), {"act": "record", "on": "2026-02-10", "content": "完成调研报告"})
    assert response.status_code == 302
    assert "完成调研报告" in html_of(client.get(mine(quarter)))
    page = html_of(client.post(mine(quarter), {"act": "record", "on": "2026-05-10", "content": "季度外的事"}))
    assert "季度外的事" in page
    assert "text-danger" in page
    assert list(WorkRecord.objects.values_list("content", flat=True)) == ["完成调研报告"]


def test_declared_bonus_items_show_with_their_status_and_the_link_to_declare(quarter, me, client):
    standard = EventStandard.objects.get(code="city_commendation")
    scoring.event_declare(period=quarter, matter="市级先进个人", standard=standard, evidence="文件", by=me)
    client.force_login(me)
    page = html_of(client.get(mine(quarter)))
    assert reverse("scoring:declare", args=[quarter.pk]) in page
    assert "市级先进个人" in page
    with translation.override("zh-hans"):
        assert str(Event.Status.DECLARED.label) in page


def test_a_colleague_sees_their_own_quarter_never_mine_and_cannot_act_on_mine(
    quarter, me, colleague, client, during_quarter
):
    services.summary_submit(result=QuarterlyResult.objects.get(person=me.person), summary="我的私密小结", by=me)
    services.work_record_add(period=quarter, on=datetime.date(2026, 3, 1), content="我的纪实", by=me)
    client.force_login(colleague)
    page = html_of(client.get(mine(quarter)))
    assert "我的私密小结" not in page
    assert "我的纪实" not in page
    client.post(mine(quarter), {"act": "summary", "summary": "同事写的"})
    assert QuarterlyResult.objects.get(person=me.person).summary == "我的私密小结"
    # The colleague's post only ever reaches the colleague's own result.
    assert QuarterlyResult.objects.get(person=colleague.person).summary == "同事写的"


def test_an_unknown_act_is_refused(quarter, me, client):
    client.force_login(me)
    assert client.post(mine(quarter), {"act": "publish"}).status_code == 404


def test_before_publication_no_score_or_grade_is_shown(decided, me, client):
    client.force_login(me)
    page = html_of(client.get(mine(decided)))
    assert 'id="result"' not in page
    assert 'name="reason"' not in page


# The published result and the review request -------------------------------------------------------------


def test_the_published_result_shows_score_and_grade_and_a_review_is_asked_during_publicity(published, me, client):
    result = QuarterlyResult.objects.select_related("sheet").get(period=published, person=me.person)
    client.force_login(me)
    page = html_of(client.get(mine(published)))
    assert str(result.sheet.total) in page
    assert result.final_grade in page
    assert "2026-04-07" in page
    assert 'name="reason"' in page
    response = client.post(mine(published), {"act": "review", "reason": "请复核加分项目"})
    assert response.status_code == 302
    request = ReviewRequest.objects.get()
    assert (request.result_id, request.reason) == (result.pk, "请复核加分项目")
    page = html_of(client.get(mine(published)))
    assert "请复核加分项目" in page
    assert 'name="reason"' not in page  # one open request at a time


def test_a_review_after_publicity_is_refused_with_the_reason_and_nothing_saved(published, me, client, during_quarter):
    during_quarter(datetime.date(2026, 4, 20))
    client.force_login(me)
    assert 'name="reason"' not in html_of(client.get(mine(published)))
    page = html_of(client.post(mine(published), {"act": "review", "reason": "逾期的复核申请"}))
    assert "逾期的复核申请" in page
    assert "2026-04-07" in page
    assert not ReviewRequest.objects.exists()


def test_the_answer_to_my_review_request_is_shown(published, me, cast, client):
    result = QuarterlyResult.objects.get(period=published, person=me.person)
    request = services.review_request(result=result, reason="请复核", by=me)
    services.review_answer(request=request, answer="经复核，维持原等次。", by=cast["office"])
    client.force_login(me)
    assert "经复核，维持原等次。" in html_of(client.get(mine(published)))


def test_once_final_the_person_records_an_opinion_and_before_that_it_is_refused(published, me, cast, unit, client):
    client.force_login(me)
    assert 'name="opinion"' not in html_of(client.get(mine(published)))
    page = html_of(client.post(mine(published), {"act": "opinion", "opinion": "过早的意见"}))
    assert "过早的意见" in page
    assert "alert-danger" in page
    assert QuarterlyResult.objects.get(period=published, person=me.person).opinion == ""
    QuarterlyResult.objects.filter(period=published).update(status="final")
    assert 'name="opinion"' in html_of(client.get(mine(published)))
    assert client.post(mine(published), {"act": "opinion", "opinion": "无异议"}).status_code == 302
    assert QuarterlyResult.objects.get(period=published, person=me.person).opinion == "无异议"


def test_an_opinion_posted_on_a_closed_quarter_is_refused_with_the_reason_and_nothing_saved(published, me, client):
    # Before: the form was hidden once the quarter closed, but the POST was not refused and the opinion was saved.
    QuarterlyResult.objects.filter(period=published).update(status="final")
    Period.objects.filter(pk=published.pk).update(status=Period.Status.CLOSED)
    client.force_login(me)
    assert 'name="opinion"' not in html_of(client.get(mine(published)))
    page = html_of(client.post(mine(published), {"act": "opinion", "opinion": "迟到的意见"}))
    assert "考核期2026年第1季度已关闭，只能查看。" in page
    assert QuarterlyResult.objects.get(period=published, person=me.person).opinion == ""
    assert not AuditEntry.objects.filter(action="opinion_record").exists()


def test_my_results_over_time_list_published_ones_only_newest_first(published, me, cast, unit, client):
    services.period_open(period=published.assessment_year.periods.get(quarter=2), by=cast["org"])
    services.unit_start(period=published.assessment_year.periods.get(quarter=2), unit=unit, by=cast["office"])
    client.force_login(me)
    page = html_of(client.get(reverse("quarter:my_quarters")))
    assert page.count('class="progress"') == 1  # one bar: Q2 is not published
    assert mine(published.assessment_year.periods.get(quarter=2)) in page  # … but listed as a quarter
    assert str(QuarterlyResult.objects.get(period=published, person=me.person).sheet.total) in page


def test_my_pages_keep_a_fixed_number_of_queries(published, me, client, during_quarter):
    client.force_login(me)
    for url in (reverse("quarter:my_quarters"), mine(published)):
        few = queries(client, url)
        for day in range(1, 6):
            services.work_record_add(period=published, on=datetime.date(2026, 3, day), content=f"纪实{day}", by=me)
        assert queries(client, url) == few


def test_my_quarters_keep_a_fixed_number_of_queries_however_many_quarters(published, me, cast, unit, client):
    client.force_login(me)
    url = reverse("quarter:my_quarters")
    few = queries(client, url)
    for quarter in (2, 3, 4):
        period = published.assessment_year.periods.get(quarter=quarter)
        services.period_open(period=period, by=cast["org"])
        services.unit_start(period=period, unit=unit, by=cast["office"])
        QuarterlyResult.objects.filter(period=period).update(status="final", final_grade="较好")
    page = html_of(client.get(url))
    assert page.count('class="progress"') == 4
    assert queries(client, url) == few


def test_a_summary_sent_twice_is_refused_the_second_time_with_the_reason(quarter, me, client, during_quarter):
    client.force_login(me)
    client.post(mine(quarter), {"act": "summary", "summary": "第一次"})
    page = html_of(client.post(mine(quarter), {"act": "summary", "summary": "第二次"}))
    assert "第二次" in page
    assert "alert-danger" in page
    assert QuarterlyResult.objects.get(period=quarter, person=me.person).summary == "第一次"


# The office answers review requests ----------------------------------------------------------------------


def reviews(period, unit):
    return reverse("quarter:reviews", args=[period.pk, unit.code])


@pytest.fixture
def asked(published, colleague):
    """The colleague (graded 较好, eligible for 好) asks for a review."""
    result = QuarterlyResult.objects.get(period=published, person=colleague.person)
    assert result.final_grade == "较好"
    return services.review_request(result=result, reason="本人得分96分，请求复核等次", by=colleague)


def test_the_board_links_the_office_to_the_review_requests(asked, published, cast, unit, client):
    client.force_login(cast["office"])
    assert reviews(published, unit) in html_of(client.get(reverse("quarter:board", args=[published.pk, unit.code])))
    client.force_login(cast["head"])
    assert reviews(published, unit) not in html_of(client.get(reverse("quarter:board", args=[published.pk, unit.code])))


def test_the_office_answers_a_review_request_and_changes_the_grade(asked, published, cast, unit, client):
    client.force_login(cast["office"])
    page = html_of(client.get(reviews(published, unit)))
    assert "本人得分96分，请求复核等次" in page
    response = client.post(
        reviews(published, unit),
        {"request": asked.pk, f"answer-{asked.pk}": "经复核，调整为好。", f"grade-{asked.pk}": "好"},
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    result = asked.result
    result.refresh_from_db()
    assert (asked.answer, asked.grade_before, asked.grade_after) == ("经复核，调整为好。", "较好", "好")
    assert (result.final_grade, result.decision) == ("好", "picked")
    assert AuditEntry.objects.filter(result=result, action="review_change").exists()
    page = html_of(client.get(reviews(published, unit)))
    assert "经复核，调整为好。" in page


def test_an_answer_without_a_grade_keeps_the_grade(asked, published, cast, unit, client):
    client.force_login(cast["office"])
    client.post(reviews(published, unit), {"request": asked.pk, f"answer-{asked.pk}": "维持原等次。"})
    asked.refresh_from_db()
    assert (asked.grade_after, asked.result.final_grade) == ("较好", "较好")


def test_an_empty_answer_is_refused_with_the_reason_and_nothing_saved(asked, published, cast, unit, client):
    client.force_login(cast["office"])
    page = html_of(
        client.post(
            reviews(published, unit), {"request": asked.pk, f"answer-{asked.pk}": " ", f"grade-{asked.pk}": "好"}
        )
    )
    assert "alert-danger" in page
    asked.refresh_from_db()
    assert asked.is_open
    assert QuarterlyResult.objects.get(pk=asked.result_id).final_grade == "较好"


def test_a_grade_the_score_does_not_allow_is_refused_with_the_typed_answer_kept(published, cast, unit, staff, client):
    weakest = staff[-1]  # eligible for 一般 only
    weakest.user = factories.UserFactory(username="weakest")
    weakest.save()
    result = QuarterlyResult.objects.get(period=published, person=weakest)
    request = services.review_request(result=result, reason="请求改为较好", by=weakest.user)
    client.force_login(cast["office"])
    page = html_of(
        client.post(
            reviews(published, unit),
            {"request": request.pk, f"answer-{request.pk}": "拟调整为较好", f"grade-{request.pk}": "较好"},
        )
    )
    assert "拟调整为较好" in page
    assert "alert-danger" in page
    request.refresh_from_db()
    assert request.is_open
    assert QuarterlyResult.objects.get(pk=result.pk).final_grade == "一般"


@pytest.mark.parametrize("who", ["outsider", "head", "leader", "colleague", "me"])
def test_outsiders_and_members_of_the_unit_cannot_open_or_answer_the_reviews(
    asked, published, cast, unit, colleague, me, client, who, caplog
):
    user = {"colleague": colleague, "me": me}.get(who) or cast[who]
    client.force_login(user)
    assert client.get(reviews(published, unit)).status_code == 404
    response = client.post(reviews(published, unit), {"request": asked.pk, f"answer-{asked.pk}": "x"})
    assert response.status_code == 404
    asked.refresh_from_db()
    assert asked.is_open
    assert "refused" in caplog.text


def test_the_reviews_page_keeps_a_fixed_number_of_queries(published, cast, unit, staff, client):
    client.force_login(cast["office"])
    few = queries(client, reviews(published, unit))
    for n, person in enumerate(staff[3:7]):
        person.user = factories.UserFactory(username=f"asker{n}")
        person.save()
        result = QuarterlyResult.objects.get(period=published, person=person)
        services.review_request(result=result, reason=f"理由{n}", by=person.user)
    assert queries(client, reviews(published, unit)) == few


# The profile (画像) ---------------------------------------------------------------------------------------


def test_the_profile_shows_each_period_with_records_events_and_follow_ups_and_the_inbox_to_the_person_alone(
    published, me, cast, client, during_quarter
):
    person = me.person
    services.work_record_add(period=published, on=datetime.date(2026, 3, 2), content="牵头完成专项整治", by=me)
    scoring.event_declare(
        period=published,
        matter="市级表彰",
        standard=EventStandard.objects.get(code="city_commendation"),
        evidence="文件",
        by=me,
    )
    result = QuarterlyResult.objects.get(period=published, person=person)
    FollowUp.objects.create(person=person, result=result, kind="reminder_talk", due_on=datetime.date(2026, 4, 30))
    FollowUp.objects.create(person=person, kind="mentoring", due_on=datetime.date(2026, 6, 30), note="导师：张三")
    Notification.objects.create(user=me, key="k", message="请在期限前提交个人小结")
    client.force_login(cast["office"])
    page = html_of(client.get(reverse("person_detail", args=[person.pk])))
    for text in ("牵头完成专项整治", "市级表彰", "谈话提醒", "导师帮带", "导师：张三"):
        assert text in page, text
    assert result.final_grade in page
    assert "请在期限前提交个人小结" not in page  # the person's inbox is theirs alone
    client.force_login(me)
    assert "请在期限前提交个人小结" in html_of(client.get(reverse("person_detail", args=[person.pk])))


def test_the_profile_is_refused_to_a_colleague_and_an_outsider(published, me, colleague, cast, client):
    for user in (colleague, cast["outsider"]):
        client.force_login(user)
        assert client.get(reverse("person_detail", args=[me.person.pk])).status_code == 404


def test_the_profile_keeps_a_fixed_number_of_queries_however_long_the_history(
    published, me, cast, unit, client, django_assert_max_num_queries
):
    person = me.person
    url = reverse("person_detail", args=[person.pk])
    client.force_login(cast["office"])
    few = queries(client, url)
    standard = EventStandard.objects.get(code="city_commendation")
    for quarter in (2, 3, 4):
        period = published.assessment_year.periods.get(quarter=quarter)
        services.period_open(period=period, by=cast["org"])
        services.unit_start(period=period, unit=unit, by=cast["office"])
        QuarterlyResult.objects.filter(period=period).update(status="final", final_grade="较好")
        day = period.start_date
        for n in range(3):
            WorkRecord.objects.create(person=person, period=period, on=day, content=f"纪实{quarter}-{n}")
        scoring.event_declare(period=period, matter=f"表彰{quarter}", standard=standard, evidence="文件", by=me)
        FollowUp.objects.create(
            person=person, result=person.results.get(period=period), kind="reminder_talk", due_on=day
        )
    with django_assert_max_num_queries(few):
        page = html_of(client.get(url))
    assert "纪实4-2" in page
    assert "表彰3" in page


def test_a_colleagues_review_request_reaches_only_the_colleagues_own_result(published, me, colleague, client):
    client.force_login(colleague)
    assert client.post(mine(published), {"act": "review", "reason": "同事的复核申请"}).status_code == 302
    request = ReviewRequest.objects.get()
    assert request.result.person.user == colleague
    assert not ReviewRequest.objects.filter(result__person=me.person).exists()


def test_my_quarters_are_those_with_my_result_and_the_open_ones(quarter, me, cast, client):
    from assessment.quarter import selectors
    from periods.models import Period

    year = quarter.assessment_year
    services.period_open(period=year.periods.get(quarter=2), by=cast["org"])  # open, my unit not started
    Period.objects.filter(pk=year.periods.get(quarter=3).pk).update(status="closed")  # closed, without me
    listed = [p.quarter for p in selectors.own_periods(user=me)]
    assert listed == [2, 1]
    client.force_login(me)
    assert client.get(mine(year.periods.get(quarter=3))).status_code == 404
    assert client.get(mine(year.periods.get(quarter=4))).status_code == 404  # a draft
