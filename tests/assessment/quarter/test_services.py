"""A whole quarter for one unit, through the services, every role acting."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessment.models import FollowUp, QuarterlyResult, QuotaLedger
from assessment.quarter import places, services
from audit.models import AuditEntry
from periods.models import Period
from scoring import services as scoring
from tests.helpers import error_codes

S = QuarterlyResult.Status


def results(period, section=None):
    qs = QuarterlyResult.objects.filter(period=period).select_related("person", "sheet").order_by("person_id")
    return list(qs.filter(section=section) if section else qs)


def test_a_whole_quarter_end_to_end(quarter, cast, staff, unit, section, other_section, during_quarter):
    period = quarter
    first, second = results(period, section), results(period, other_section)
    assert len(first) == 7
    assert len(second) == 3
    assert {r.status for r in first + second} == {S.SUMMARY}

    # 个人小结: the person writes; the office moves the others on.
    own = next(r for r in first if r.person.user_id)
    services.summary_submit(result=own, summary="本季度完成案件办理12件……", by=own.person.user)
    for r in first + second:
        if r.pk != own.pk:
            services.summary_skip(result=r, by=cast["office"], reason="纸质小结已提交")

    # 评分与建议: 7 people at 40% give the section 2 places; a third nomination is refused.
    ledger = places.section_places(period, unit, section)
    assert (ledger.places, ledger.left) == (2, 2)
    head = cast["head"]
    services.result_propose(result=first[0], grade="好", nominate=True, comment="表现突出", by=head)
    services.result_propose(result=first[1], grade="好", nominate=True, comment="表现突出", by=head)
    with pytest.raises(ValidationError) as caught:
        services.result_propose(result=first[2], grade="好", nominate=True, comment="表现突出", by=head)
    assert error_codes(caught.value) == {"no_place"}
    assert "2" in caught.value.messages[0]
    for r in first[2:]:
        services.result_propose(result=r, grade="较好", comment="较好", by=head)
    for r in second:
        grade = "一般" if r.sheet.eligible_grade == "一般" else "较好"
        services.result_propose(result=r, grade=grade, comment="称职", by=cast["head2"])

    # 领导审核: bulk approval.
    assert services.results_review_bulk(results=results(period), by=cast["leader"], comment="同意") == 10

    # 党委审定: approve one nomination, reject the other (its place stays used), pick one outside them.
    # The unit has 10 people at 40%: 4 places.
    committee = cast["committee"]
    services.committee_decide(result=first[0], grade="好", by=committee)
    services.committee_decide(result=first[1], grade="较好", by=committee, comment="名额统筹")
    services.committee_decide(result=second[0], grade="好", by=committee, comment="党委推荐")
    for r in results(period):
        if r.status == S.COMMITTEE:
            services.committee_decide(result=r, grade=r.proposed_grade, by=committee)
    decided = {r.person_id: r for r in results(period)}
    assert decided[first[1].person_id].decision == QuarterlyResult.Decision.REJECTED
    assert decided[second[0].person_id].decision == QuarterlyResult.Decision.PICKED
    assert places.section_places(period, unit, section).used == 2, "the rejected nomination still counts"
    assert places.section_places(period, unit, other_section).used == 0, "a pick does not count for the section"
    assert places.unit_places(period, unit).used == 2

    # 公示 for five working days; a review request during it; answered without change.
    during_quarter(datetime.date(2026, 4, 3))  # a Friday
    assert services.unit_publish(period=period, unit=unit, by=cast["office"]) == 10
    published = QuarterlyResult.objects.get(pk=own.pk)
    assert published.publicity_ends == datetime.date(2026, 4, 9)
    request = services.review_request(result=published, reason="加分事项未计入", by=own.person.user)
    with pytest.raises(ValidationError) as caught:
        services.unit_report(period=period, unit=unit, by=cast["office"])
    assert error_codes(caught.value) == {"publicity"}
    services.review_answer(request=request, answer="经核实已计入", by=cast["office"])

    # After publicity: report, confirm (核准), follow-ups, feedback and opinion.
    during_quarter(datetime.date(2026, 4, 10))
    with pytest.raises(ValidationError) as caught:
        services.review_request(result=published, reason="再次申请", by=own.person.user)
    assert error_codes(caught.value) == {"window_closed"}
    services.unit_report(period=period, unit=unit, by=cast["office"])
    services.unit_confirm(period=period, unit=unit, by=cast["org"])
    final = results(period)
    assert {r.status for r in final} == {S.FINAL}
    ordinary = [r for r in final if r.final_grade == "一般"]
    assert len(ordinary) == 1
    assert FollowUp.objects.get().kind == FollowUp.Kind.REMINDER_TALK
    assert FollowUp.objects.get().person == ordinary[0].person
    # Told once confirmed: the audit trail dates the confirmation by the clock, so "today" follows it here.
    during_quarter(timezone.localdate())
    services.feedback_record(result=final[0], method="talk", on=timezone.localdate(), by=cast["office"])
    services.opinion_record(result=QuarterlyResult.objects.get(pk=own.pk), opinion="无异议", by=own.person.user)

    # 申报表 figures.
    rows = {row.section_id: row for row in QuotaLedger.objects.filter(period=period)}
    assert (rows[section.pk].places, rows[section.pk].nominations, rows[section.pk].approved) == (2, 2, 1)
    assert (rows[None].places, rows[None].approved) == (4, 2)

    # Close: read-only; reopening is audited.
    services.period_close(period=period, by=cast["org"])
    sheet = final[0].sheet
    item = sheet.template.items.filter(kind="common").first()
    with pytest.raises(ValidationError):
        scoring.sheet_enter(sheet=sheet, values={item.pk: "1"}, by=cast["office"])
    services.period_reopen(period=Period.objects.get(pk=period.pk), by=cast["org"], reason="复核更正")
    assert AuditEntry.objects.filter(action="period_reopen", comment="复核更正").exists()

    # The trail: every act, with the before and after of what changed.
    trail = AuditEntry.objects.filter(result=first[1]).order_by("at", "id")
    assert [e.action for e in trail] == [
        "summary_skip",
        "result_propose",
        "result_review",
        "committee_decide",
        "unit_publish",
        "unit_report",
        "unit_confirm",
    ]
    decision = trail.get(action="committee_decide")
    assert decision.changes["final_grade"] == ["", "较好"]
    assert decision.changes["status"] == ["committee", "decided"]
    assert decision.actor == committee


def test_the_audit_trail_is_append_only(quarter, cast, staff):
    entry = AuditEntry.objects.first()
    entry.comment = "改写"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_a_step_out_of_order_is_refused_and_changes_nothing(quarter, cast, staff, section):
    result = results(quarter, section)[0]
    with pytest.raises(ValidationError) as caught:
        services.result_review(result=result, by=cast["leader"])
    assert error_codes(caught.value) == {"out_of_order"}
    result.refresh_from_db()
    assert result.status == S.SUMMARY
    assert result.version == 0


def test_every_act_refuses_the_outsider(quarter, cast, staff, unit, section):
    outsider = cast["outsider"]
    result = results(quarter, section)[1]
    acts = [
        lambda: services.summary_skip(result=result, by=outsider, reason="x"),
        lambda: services.result_propose(result=result, grade="较好", comment="x", by=outsider),
        lambda: services.result_review(result=result, by=outsider),
        lambda: services.committee_decide(result=result, grade="较好", by=outsider),
        lambda: services.result_return(result=result, by=outsider, reason="x"),
        lambda: services.unit_publish(period=quarter, unit=unit, by=outsider),
        lambda: services.unit_report(period=quarter, unit=unit, by=outsider),
        lambda: services.unit_confirm(period=quarter, unit=unit, by=outsider),
        lambda: services.unit_send_back(period=quarter, unit=unit, by=outsider, reason="x"),
        lambda: services.feedback_record(result=result, method="talk", on=datetime.date(2026, 4, 1), by=outsider),
        lambda: services.period_close(period=quarter, by=outsider),
        lambda: services.period_reopen(period=quarter, by=outsider, reason="x"),
        lambda: services.unit_start(period=quarter, unit=unit, by=outsider),
        lambda: services.summary_submit(result=result, summary="x", by=outsider),
        lambda: services.review_request(result=result, reason="x", by=outsider),
        lambda: services.opinion_record(result=result, opinion="x", by=outsider),
    ]
    for act in acts:
        with pytest.raises(PermissionError):
            act()
    result.refresh_from_db()
    assert (result.status, result.version) == (S.SUMMARY, 0)


def test_each_role_only_does_its_own_step(quarter, cast, staff, section):
    result = results(quarter, section)[1]
    services.summary_skip(result=result, by=cast["office"], reason="x")
    with pytest.raises(PermissionError):
        services.result_propose(result=result, grade="较好", comment="x", by=cast["leader"])
    with pytest.raises(PermissionError):
        services.result_propose(result=result, grade="较好", comment="x", by=cast["head2"])
    services.result_propose(result=result, grade="较好", comment="x", by=cast["head"])
    with pytest.raises(PermissionError):
        services.result_review(result=result, by=cast["committee"])


def test_nobody_acts_on_their_own_result(quarter, cast, staff, section, unit):
    from tests import factories

    head_person = factories.PersonFactory(unit=unit, section=section, user=cast["head"])
    services.unit_start(period=quarter, unit=unit, by=cast["office"])
    own = QuarterlyResult.objects.get(person=head_person)
    services.summary_skip(result=own, by=cast["office"], reason="x")
    with pytest.raises(PermissionError):
        services.result_propose(result=own, grade="较好", comment="x", by=cast["head"])


def test_a_grade_above_what_the_score_allows_is_refused(quarter, cast, staff, other_section):
    weakest = results(quarter, other_section)[-1]
    assert weakest.sheet.eligible_grade == "一般"
    services.summary_skip(result=weakest, by=cast["office"], reason="x")
    with pytest.raises(ValidationError):
        services.result_propose(result=weakest, grade="较好", comment="x", by=cast["head2"])
    with pytest.raises(ValidationError):
        services.result_propose(result=weakest, grade="好", comment="x", by=cast["head2"])


def test_a_result_sent_back_loses_its_nomination_and_frees_the_place(quarter, cast, staff, unit, section):
    first = results(quarter, section)[0]
    services.summary_skip(result=first, by=cast["office"], reason="x")
    services.result_propose(result=first, grade="好", nominate=True, comment="x", by=cast["head"])
    assert places.section_places(quarter, unit, section).used == 1
    services.result_return(result=first, by=cast["leader"], reason="评鉴意见过于简略")
    first.refresh_from_db()
    assert (first.status, first.nominated) == (S.SCORING, False)
    assert places.section_places(quarter, unit, section).used == 0
    with pytest.raises(ValidationError):
        services.result_return(result=first, by=cast["head"], reason="")


def test_the_unit_total_holds_on_its_own(quarter, cast, staff, unit, section, other_section):
    """Committee picks stop when the unit's places are used, whatever the sections nominated."""
    for r in results(quarter):
        services.summary_skip(result=r, by=cast["office"], reason="x")
        grade = "一般" if r.sheet.eligible_grade == "一般" else "较好"
        head = cast["head"] if r.section_id == section.pk else cast["head2"]
        services.result_propose(result=r, grade=grade, comment="x", by=head)
        services.result_review(result=r, by=cast["leader"])
    eligible = [r for r in results(quarter) if r.sheet.eligible_grade == "好"]
    for r in eligible[:4]:
        services.committee_decide(result=r, grade="好", by=cast["committee"])
    with pytest.raises(ValidationError) as caught:
        services.committee_decide(result=eligible[4], grade="好", by=cast["committee"])
    assert error_codes(caught.value) == {"no_place"}


def test_overuse_this_quarter_shrinks_the_next(quarter, cast, staff, unit, section, region, during_quarter):
    """A rejected nomination still counts: next quarter's places are what is left of the cumulative allowance."""
    first = results(quarter, section)
    for r in first[:2]:
        services.summary_skip(result=r, by=cast["office"], reason="x")
        services.result_propose(result=r, grade="好", nominate=True, comment="x", by=cast["head"])
    q2 = Period.objects.get(assessment_year=quarter.assessment_year, quarter=2)
    services.period_open(period=q2, by=cast["org"])
    services.unit_start(period=q2, unit=unit, by=cast["office"])
    # Q1: A = 2.8, 2 used → C = 0.8; Q2: A = 0.8 + 2.8 = 3.6 → 3 places
    assert places.section_places(q2, unit, section).places == 3


def test_the_ratio_is_set_per_unit_and_year_with_a_reason(quarter, cast, unit, section, staff):
    from decimal import Decimal

    with pytest.raises(ValidationError):
        services.ratio_set(
            unit=unit, assessment_year=quarter.assessment_year, good_ratio=Decimal("0.3"), reason="", by=cast["org"]
        )
    with pytest.raises(PermissionError):
        services.ratio_set(
            unit=unit, assessment_year=quarter.assessment_year, good_ratio=Decimal("0.3"), reason="x", by=cast["office"]
        )
    services.ratio_set(
        unit=unit,
        assessment_year=quarter.assessment_year,
        good_ratio=Decimal("0.29"),
        reason="组织绩效一般",
        by=cast["org"],
    )
    # 7 × 0.29 = 2.03 → 2 places
    assert places.section_places(quarter, unit, section).places == 2
    assert AuditEntry.objects.filter(action="ratio_set", comment="组织绩效一般").exists()


def test_opening_a_period_freezes_the_templates_in_force(quarter):
    from scoring.models import IndicatorTemplate

    assert all(t.is_frozen for t in IndicatorTemplate.objects.filter(year=2026))


def test_an_opening_balance_carries_into_the_first_quarter_in_the_system(quarter, cast, unit, section):
    from assessment.models import QuotaOpening

    # Before going live the section had 7 people and nominated 3 of its 2.8 places: C = −0.2
    QuotaOpening.objects.create(
        assessment_year=quarter.assessment_year, unit=unit, section=section, participants=7, nominations=3
    )
    # A = −0.2 + 2.8 = 2.6 → 2 places (without the balance it would also be 2; with 5 nominated before, 0)
    assert places.section_places(quarter, unit, section).places == 2
    QuotaOpening.objects.filter(section=section).update(nominations=5)
    assert places.section_places(quarter, unit, section).places == 1  # A = −2.2 + 2.8 = 0.6 → may report one


def test_borrowed_career_staff_count_unless_the_year_excludes_them(quarter, unit, section, staff):
    for person in staff[1:4]:
        person.staffing_type = "borrowed_career"
        person.save()
    assert places.section_places(quarter, unit, section).places == 2  # 7 × 0.4 = 2.8
    year = quarter.assessment_year
    year.borrowed_in_quota = False
    year.save()
    quarter.refresh_from_db()
    assert places.section_places(quarter, unit, section).places == 1  # 4 × 0.4 = 1.6


def test_a_person_keeps_work_records_inside_the_quarter(quarter, staff):
    own = staff[0].user
    record = services.work_record_add(period=quarter, on=datetime.date(2026, 2, 3), content="完成专项检查", by=own)
    assert record.person == staff[0]
    with pytest.raises(ValidationError):
        services.work_record_add(period=quarter, on=datetime.date(2026, 5, 3), content="x", by=own)


def test_during_publicity_the_unit_sees_its_published_grades_and_nobody_else_does(
    quarter, cast, staff, unit, section, during_quarter
):
    from assessment.quarter.selectors import own_results, published_results_for
    from tests import factories

    every = results(quarter)
    services.summaries_skip(results=every, by=cast["office"], reason="x")
    for r in results(quarter):
        grade = "一般" if r.sheet.eligible_grade == "一般" else "较好"
        head = cast["head"] if r.section_id == section.pk else cast["head2"]
        services.result_propose(result=r, grade=grade, comment="x", by=head)
    services.results_review_bulk(results=results(quarter), by=cast["leader"])
    services.decisions_record(
        verdicts=[services.Verdict(result=r, grade=r.proposed_grade) for r in results(quarter)], by=cast["committee"]
    )
    member = staff[0].user
    assert not published_results_for(user=member, period=quarter).exists()
    services.unit_publish(period=quarter, unit=unit, by=cast["office"])
    assert published_results_for(user=member, period=quarter).count() == 10
    assert [r.person for r in own_results(user=member)] == [staff[0]]
    stranger = factories.UserFactory(username="stranger")
    factories.PersonFactory(unit=factories.UnitFactory(region=unit.region), user=stranger)
    assert not published_results_for(user=stranger, period=quarter).exists()


def test_the_profile_shows_published_results_and_follow_ups_to_the_unit_and_refuses_the_outsider(
    quarter, cast, staff, unit, section, client, during_quarter
):
    from django.urls import reverse

    from assessment.models import FollowUp
    from tests.factories import PASSWORD

    person = staff[-1]  # eligible for 一般 only
    result = person.results.get()
    FollowUp.objects.create(person=person, result=result, kind="reminder_talk", due_on=datetime.date(2026, 4, 30))
    client.login(username="office", password=PASSWORD)
    html = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "谈话提醒" in html
    client.login(username="outsider", password=PASSWORD)
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 404


def test_scores_are_corrected_only_while_the_result_is_with_the_section(quarter, cast, staff, section):
    from scoring import services as scoring_services

    result = results(quarter, section)[2]
    services.summary_skip(result=result, by=cast["office"], reason="x")
    services.result_propose(result=result, grade="较好", comment="x", by=cast["head"])
    item = result.sheet.template.items.filter(kind="common").first()
    with pytest.raises(ValidationError) as caught:
        scoring_services.sheet_enter(sheet=result.sheet, values={item.pk: "1"}, by=cast["office"])
    assert error_codes(caught.value) == {"moved_on"}
    services.result_return(result=result, by=cast["leader"], reason="分数需更正")
    scoring_services.sheet_enter(sheet=result.sheet, values={item.pk: "1"}, by=cast["office"])


def test_imports_and_events_do_not_change_a_result_past_scoring(quarter, cast, staff, unit, section):
    from decimal import Decimal

    from common.workbooks import ImportRefused
    from scoring import services as scoring_services
    from scoring.models import EventStandard, MonthlyScore
    from scoring.monthly import monthly_import
    from tests.scoring.test_monthly_import import row, workbook

    result = results(quarter, section)[0]
    person = result.person
    services.summary_skip(result=result, by=cast["office"], reason="x")
    services.result_propose(result=result, grade="较好", comment="x", by=cast["head"])
    before = MonthlyScore.objects.get(person=person, month=1).score

    with pytest.raises(ImportRefused) as caught:
        monthly_import(content=workbook([row(person, 1, 60)]), file_name="m.xlsx", period=quarter, by=cast["office"])
    assert caught.value.errors[0].row == 2
    assert person.name in caught.value.errors[0].message
    assert MonthlyScore.objects.get(person=person, month=1).score == before

    standard = EventStandard.objects.get(code="circulated_criticism")
    with pytest.raises(ValidationError) as caught:
        scoring_services.event_record(
            period=quarter,
            unit=unit,
            matter="m",
            standard=standard,
            evidence="e",
            shares=[(person, Decimal("-3"))],
            by=cast["office"],
        )
    assert error_codes(caught.value) == {"moved_on"}

    services.result_return(result=result, by=cast["leader"], reason="需补录扣分")
    scoring_services.event_record(
        period=quarter,
        unit=unit,
        matter="m",
        standard=standard,
        evidence="e",
        shares=[(person, Decimal("-3"))],
        by=cast["office"],
    )
    assert person.score_sheets.get(period=quarter).deduction_points == Decimal("3.00")
