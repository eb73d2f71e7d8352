from decimal import Decimal as D
from fractions import Fraction

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.analytics import selectors
from assessment.models import QuarterlyResult, ReviewRequest
from audit.models import AuditEntry
from periods.models import Period
from scoring.models import Event, EventShare, EventStandard, ScoreSheet
from tests import factories


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def test_the_section_handing_good_round_is_suspected_and_the_one_rewarding_the_best_is_not(
    closed_year, section, other_section
):
    report = selectors.compute_report(assessment_year=closed_year)
    by_section = {s.section_id: s for s in report.sections}
    rotating, fair = by_section[section.pk], by_section[other_section.pk]
    assert [s.section_id for s in report.suspected] == [section.pk]
    assert rotating.turn_taking == 1
    assert rotating.quarters_with_good == 4
    # Q1 to the lowest (3 of 3 pairs inverted), Q2 2/3, Q3 1/3, Q4 to the best: mean 1/2
    assert [q.rate for q in rotating.quarters] == [1, Fraction(2, 3), Fraction(1, 3), 0]
    assert rotating.mean_inversion == Fraction(1, 2)
    assert [(g.name, o.name) for g, o in rotating.quarters[0].inverted] == [
        ("甲3", "甲0"),
        ("甲3", "甲1"),
        ("甲3", "甲2"),
    ]
    assert fair.judged
    assert not fair.suspected
    assert fair.turn_taking == Fraction(1, 4)


def test_a_vetoed_person_is_left_out_of_the_pairs(closed_year, people):
    first, _second = people
    ScoreSheet.objects.filter(person=first[0]).update(vetoed=True)
    report = selectors.compute_report(assessment_year=closed_year)
    rotating = next(s for s in report.sections if s.section_id == first[0].section_id)
    assert all(row.person_id != first[0].pk for q in rotating.quarters for row in q.rows)
    assert rotating.quarters[0].rate == 1  # 甲3 graded 好 below 甲1 and 甲2


def test_the_generous_reviewer_is_lenient_and_the_meagre_one_severe(closed_year, cast):
    report = selectors.compute_report(assessment_year=closed_year)
    by_user = {r.user_id: r for r in report.reviewers}
    head, head2 = by_user[cast["head"].pk], by_user[cast["head2"].pk]
    assert (head.sheets, head.mean, head.others_mean, head.leniency) == (16, D("58.00"), D("50.00"), D("8.00"))
    assert head.direction == "lenient"
    assert head2.direction == "severe"
    assert head2.leniency == D("-8.00")
    assert head.grades["好"] == 4
    assert head.unit_grades["好"] == 8


def test_a_reviewer_with_too_few_sheets_is_not_judged(closed_year, cast):
    closed_year.leniency_min_sheets = 17
    closed_year.save(update_fields=["leniency_min_sheets"])
    report = selectors.compute_report(assessment_year=closed_year)
    assert all(r.leniency is None and not r.flagged for r in report.reviewers)
    running = next(r for r in report.running if r.unit.code == "U-MAIN")
    assert running.measures["leniency"] is None


def _negative(period, unit, person, by):
    standard = EventStandard.objects.filter(kind=EventStandard.Kind.DEDUCTION).first() or EventStandard.objects.create(
        code="t-deduction", name="通报批评", kind=EventStandard.Kind.DEDUCTION, points=D("-1")
    )
    event = Event.objects.create(
        period=period,
        unit=unit,
        matter="督查通报批评",
        standard=standard,
        points=standard.points,
        status=Event.Status.APPROVED,
        declared_by=by,
    )
    EventShare.objects.create(event=event, person=person, points=standard.points)


def test_a_unit_recording_no_negative_event_is_silent_against_the_regions_rate(
    closed_year, unit, other_unit, people, cast
):
    first, _ = people
    period = closed_year.periods.get(quarter=1)
    _negative(period, unit, first[0], cast["office"])
    report = selectors.compute_report(assessment_year=closed_year)
    assert [s.unit for s in report.silent] == [other_unit]
    assert report.region_negatives == 1
    assert report.region_people == 8
    assert report.region_rate == D("12.50")
    quiet = next(s for s in report.silence if s.unit == other_unit)
    assert quiet.expected == D("0.13")  # 1 × 1 / 8


def test_nobody_is_silent_where_the_region_recorded_nothing(closed_year):
    report = selectors.compute_report(assessment_year=closed_year)
    assert report.silent == []
    assert all(r.measures["silence"] is None for r in report.running)


def test_reviews_count_per_proposer_and_those_that_changed_a_grade(closed_year, people, cast):
    first, _ = people
    results = QuarterlyResult.objects.filter(person=first[1]).order_by("period__quarter")
    ReviewRequest.objects.create(
        result=results[0],
        reason="复核",
        answered_by=cast["office"],
        grade_before="较好",
        grade_after="好",
        answered_at="2025-04-20T10:00:00+08:00",
    )
    ReviewRequest.objects.create(
        result=results[1],
        reason="复核",
        answered_by=cast["office"],
        grade_before="较好",
        grade_after="较好",
        answered_at="2025-07-20T10:00:00+08:00",
    )
    report = selectors.compute_report(assessment_year=closed_year)
    (row,) = report.reviews
    assert (row.user_id, row.requests, row.answered, row.changed) == (cast["head"].pk, 2, 2, 1)
    running = next(r for r in report.running if r.unit.code == "U-MAIN")
    assert running.counts["reviews"] == (1, 2)


def test_the_unit_rating_weighs_the_measures_that_can_be_judged_and_suggests_a_ratio_in_the_band(closed_year):
    report = selectors.compute_report(assessment_year=closed_year)
    running = next(r for r in report.running if r.unit.code == "U-MAIN")
    # one of two sections rotates, one of two reviewers is lenient and the other severe; no quarter sent back
    assert running.measures["rotation"] == Fraction(1, 2)
    assert running.measures["leniency"] == 0
    assert running.measures["sent_back"] == 1
    assert running.rating is not None
    low, high = closed_year.excellent_ratio_min, closed_year.excellent_ratio_max
    assert low <= running.suggested <= high
    closed_year.rating_weights = dict.fromkeys(selectors.MEASURES, "0") | {"rotation": "1"}
    report = selectors.compute_report(assessment_year=closed_year)
    running = next(r for r in report.running if r.unit.code == "U-MAIN")
    assert running.rating.score == D("50.00")
    assert running.suggested == low + (high - low) / 2


def test_a_year_without_a_closed_quarter_has_nothing_to_judge(region, cast):
    from assessment.quarter import services

    year = services.year_create(region=region, year=2027, by=cast["org"])
    report = selectors.compute_report(assessment_year=year)
    assert report.closed == []
    assert report.sections == []
    assert report.running == []
    assert report.region_rate is None


def test_the_report_takes_the_same_queries_for_a_bigger_region(closed_year, unit, section, region, cast):
    with CaptureQueriesContext(connection) as small:
        selectors.compute_report(assessment_year=closed_year)
    more_unit = factories.UnitFactory(region=region, code="U-MORE")
    more_section = factories.SectionFactory(unit=more_unit, name="新股")
    for n in range(12):
        factories.PersonFactory(unit=more_unit, section=more_section, name=f"丁{n}")
    Period.objects.filter(assessment_year=closed_year).update(status=Period.Status.OPEN)
    from assessment.quarter import services

    office = factories.user_with_role("office", unit=more_unit, username="office-more")
    for period in closed_year.periods.all():
        services.unit_start(period=period, unit=more_unit, by=office)
    Period.objects.filter(assessment_year=closed_year).update(status=Period.Status.CLOSED)
    with CaptureQueriesContext(connection) as big:
        report = selectors.compute_report(assessment_year=closed_year)
    assert len(big.captured_queries) == len(small.captured_queries) <= 10
    assert report.region_people == 8 + 12


def test_the_cached_report_is_replaced_once_a_quarter_is_closed_again(closed_year, cast):
    first = selectors.fairness_report(assessment_year=closed_year)
    assert selectors.fairness_report(assessment_year=closed_year).computed_at == first.computed_at
    period = closed_year.periods.get(quarter=4)
    AuditEntry.objects.create(period=period, actor=cast["org"], action="period_reopen")
    assert selectors.fairness_report(assessment_year=closed_year).computed_at > first.computed_at


def test_who_reads_the_analytics_of_the_year(closed_year, cast, unit, other_unit, region):
    all_units = selectors.analytics_units_for(user=cast["org"], assessment_year=closed_year)
    assert unit in all_units
    assert other_unit in all_units
    assert selectors.analytics_units_for(user=cast["office"], assessment_year=closed_year) == [unit]
    assert selectors.analytics_units_for(user=cast["head"], assessment_year=closed_year) is None
    assert selectors.analytics_units_for(user=cast["staff"], assessment_year=closed_year) is None
    assert selectors.analytics_years_for(user=cast["office"]) == [closed_year]
    assert selectors.analytics_years_for(user=cast["staff"]) == []


def test_the_refresh_task_computes_each_closed_year_once(closed_year, region, cast):
    from assessment.analytics.tasks import fairness_refresh_closed_task, fairness_refresh_task
    from assessment.quarter import services

    services.year_create(region=region, year=2027, by=cast["org"])  # no closed quarter: nothing to compute
    assert fairness_refresh_closed_task() == 1
    assert cache.get(selectors.cache_key(closed_year)) is not None
    assert fairness_refresh_closed_task() == 0
    AuditEntry.objects.create(period=closed_year.periods.get(quarter=4), actor=cast["org"], action="period_close")
    assert fairness_refresh_task(closed_year.pk) is True


def test_annual_reviews_and_appeals_count_for_the_annual_proposer(closed_year, people, cast, unit):
    import datetime

    from assessment.models import AnnualAppeal, AnnualResult

    first, _ = people
    result = AnnualResult.objects.create(
        person=first[0], assessment_year=closed_year, unit=unit, proposed_by=cast["head"], final_grade="称职"
    )
    day = datetime.date(2026, 2, 1)
    AnnualAppeal.objects.create(
        result=result, kind="review", reason="复核", requested_on=day, answer_due=day, outcome="upheld"
    )
    AnnualAppeal.objects.create(
        result=result, kind="appeal", reason="申诉", requested_on=day, answer_due=day, outcome="changed"
    )
    report = selectors.compute_report(assessment_year=closed_year)
    (row,) = report.reviews
    assert (row.user_id, row.requests, row.answered, row.changed) == (cast["head"].pk, 1, 1, 0)
    assert (row.appeals, row.appeals_changed) == (1, 1)
