"""The annual assessment through its services: roll-up, places of 优秀, the chain, review and appeal."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from assessment.models import (
    AnnualAppeal,
    AnnualInput,
    AnnualLedger,
    AnnualResult,
    ExcellentRatio,
    Notification,
    QuarterlyResult,
    Sanction,
    SanctionType,
)
from assessment.quarter import services
from assessment.year import services as svc
from assessment.year.selectors import (
    annual_publicity_for,
    annual_results_visible_to,
    consequences_for,
    consequences_of,
)
from assessment.year.tasks import annual_rollup_task
from audit.models import AuditEntry
from periods.models import Period
from scoring.models import ScoreSheet
from tests import factories
from units.models import Placement

Status = AnnualResult.Status
SCORE = {"好": D("95"), "较好": D("85"), "一般": D("70"), "较差": D("50")}

# Quarter grades of staff 0..9 (see tests/assessment/conftest.py); index 10 joins on 1 July.
GRADES = [
    ["好", "好", "好", "好"],  # 0: eligible (has a login)
    ["好", "好", "较好", "较好"],  # 1: eligible, 好 in exactly half
    ["好", "好", "好", "较好"],  # 2: eligible
    ["好", "较好", "较好", "较好"],  # 3: 好 once: not eligible
    ["较好", "较好", "较好", "较好"],  # 4
    ["一般", "一般", "一般", "较好"],  # 5: 基本称职
    ["较差", "较差", "较差", "较差"],  # 6: 不称职
    ["好", "好", "好", "好"],  # 7: a veto item in Q2
    ["较好", "较好", "较好", "较好"],  # 8
    ["较好", "较好", "一般", "较好"],  # 9
    [None, None, "好", "好"],  # 10: two quarters, both 好: eligible
]


def close_year(region, unit, by_org, by_office, grades, *, year=2025, vetoed=()):
    """A year whose four quarters are closed, each person's quarters graded as given (history brought in
    from the paper registers: the sheets carry the totals, the results are final)."""
    assessment_year = services.year_create(region=region, year=year, by=by_org)
    for quarter in range(1, 5):
        period = assessment_year.periods.get(quarter=quarter)
        services.period_open(period=period, by=by_org)
        for one in unit if isinstance(unit, list) else [unit]:
            services.unit_start(period=period, unit=one, by=by_office)
        for person, quarters in grades.items():
            grade = quarters[quarter - 1]
            result = QuarterlyResult.objects.filter(period=period, person=person).first()
            if grade is None:
                assert result is None
                continue
            ScoreSheet.objects.filter(pk=result.sheet_id).update(
                total=SCORE[grade],
                is_complete=True,
                eligible_grade=grade,
                vetoed=(person.pk, quarter) in vetoed,
            )
            QuarterlyResult.objects.filter(pk=result.pk).update(status="final", final_grade=grade)
        Period.objects.filter(pk=period.pk).update(status=Period.Status.CLOSED)
    return assessment_year


@pytest.fixture
def newcomer(section):
    person = factories.PersonFactory(unit=section.unit, section=section, name="新人", home_placement=False)
    Placement.objects.create(
        person=person,
        kind=Placement.Kind.HOME,
        unit=section.unit,
        section=section,
        start_date=datetime.date(2025, 7, 1),
    )
    return person


@pytest.fixture
def people(staff, newcomer):
    return [*staff, newcomer]


@pytest.fixture
def year(region, unit, cast, people):
    return close_year(
        region,
        unit,
        cast["org"],
        cast["office"],
        dict(zip(people, GRADES, strict=True)),
        vetoed={(people[7].pk, 2)},
    )


@pytest.fixture
def today(monkeypatch):
    def set_today(day: datetime.date):
        monkeypatch.setattr("assessment.quarter.services.today", lambda: day)
        monkeypatch.setattr("assessment.year.services.today", lambda: day)

    set_today(datetime.date(2026, 1, 15))
    return set_today


def rolled(year, unit, cast):
    svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    return {r.person_id: r for r in AnnualResult.objects.filter(assessment_year=year)}


def result_of(person, year):
    return AnnualResult.objects.get(person=person, assessment_year=year)


# The roll-up -----------------------------------------------------------------------------------------


def test_a_year_with_an_open_quarter_is_not_rolled_up(region, unit, cast, people):
    year = services.year_create(region=region, year=2025, by=cast["org"])
    Period.objects.filter(assessment_year=year).exclude(quarter=4).update(status=Period.Status.CLOSED)
    with pytest.raises(ValidationError) as caught:
        svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    assert caught.value.code == "quarters_open"
    assert "第4季度" in caught.value.messages[0]
    assert not AnnualResult.objects.exists()


def test_the_roll_up_applies_the_rules_to_each_person(year, unit, cast, people):
    results = rolled(year, unit, cast)
    found = [(results[p.pk].suggested_grade, results[p.pk].excellent_eligible, results[p.pk].quarters) for p in people]
    assert found == [
        ("称职", True, 4),
        ("称职", True, 4),
        ("称职", True, 4),
        ("称职", False, 4),
        ("称职", False, 4),
        ("基本称职", False, 4),
        ("不称职", False, 4),
        ("称职", False, 4),  # vetoed
        ("称职", False, 4),
        ("称职", False, 4),
        ("称职", True, 2),  # joined mid-year
    ]
    vetoed = results[people[7].pk]
    assert vetoed.excellent_barred == "第2季度有一票否优事项。"
    assert vetoed.ceiling == "称职"
    assert results[people[5].pk].ceiling == "基本称职"
    assert results[people[0].pk].quarter_grades == {"1": "好", "2": "好", "3": "好", "4": "好"}
    assert results[people[1].pk].average_quarterly == D("90.00")
    assert results[people[0].pk].annual_score is None  # the special and review scores are not in yet


def test_the_annual_score_uses_the_inputs_and_the_year_weights(year, unit, cast, people):
    svc.annual_input_set(
        person=people[1], assessment_year=year, by=cast["office"], special_score=D("88"), review_score=D("93")
    )
    results = rolled(year, unit, cast)
    # 0.6 × 90 + 0.1 × 88 + 0.3 × 93 = 54 + 8.8 + 27.9
    assert results[people[1].pk].annual_score == D("90.70")


def test_probation_investigation_leave_and_sanctions_decide_who_is_graded(year, unit, cast, people):
    office = cast["office"]
    svc.annual_input_set(person=people[8], assessment_year=year, by=office, probation=True)
    svc.annual_input_set(person=people[9], assessment_year=year, by=office, under_investigation=True)
    svc.annual_input_set(person=people[4], assessment_year=year, by=office, leave_days=183)
    svc.annual_input_set(person=people[3], assessment_year=year, by=office, leave_days=182)
    demerit = SanctionType.objects.get(name="记过")
    warning = SanctionType.objects.get(name="警告")
    svc.sanction_record(
        person=people[6],
        kind=demerit,
        starts_on=datetime.date(2024, 10, 1),
        ends_on=datetime.date(2025, 9, 30),
        reason="区纪委〔2024〕12号",
        by=office,
    )
    svc.sanction_record(
        person=people[2],
        kind=warning,
        starts_on=datetime.date(2025, 3, 1),
        ends_on=datetime.date(2025, 8, 31),
        reason="区纪委〔2025〕3号",
        by=office,
    )
    # A sanction of another year does nothing to this one.
    svc.sanction_record(
        person=people[0],
        kind=demerit,
        starts_on=datetime.date(2023, 1, 1),
        ends_on=datetime.date(2023, 12, 31),
        reason="旧处分",
        by=office,
    )
    results = rolled(year, unit, cast)
    case = {i: (results[p.pk].case, results[p.pk].suggested_grade) for i, p in enumerate(people)}
    assert case[8] == ("no_grade", "")
    assert case[9] == ("no_grade", "")
    assert case[4] == ("not_assessed", "")
    assert case[3] == ("graded", "称职")  # 182 days is not more than half
    assert case[6] == ("no_grade", "")
    assert "记过" in results[people[6].pk].case_reason
    assert results[people[2].pk].excellent_eligible is False
    assert "警告" in results[people[2].pk].excellent_barred
    assert results[people[0].pk].excellent_eligible is True
    # Places count the people graded: 11 − 4 = 7 × 20% → 1.
    ledger = AnnualLedger.objects.get(unit=unit, assessment_year=year)
    assert (ledger.graded, ledger.places) == (7, 1)


def test_a_second_roll_up_changes_nothing(year, unit, cast, people):
    svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    before = list(AnnualResult.objects.order_by("pk").values())
    audit = AuditEntry.objects.count()
    again = svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 11)
    assert list(AnnualResult.objects.order_by("pk").values()) == before
    assert AuditEntry.objects.count() == audit


def test_a_corrected_quarter_re_rolls_only_the_person_it_touches(year, unit, cast, people):
    svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    untouched = result_of(people[4], year).rolled_at
    QuarterlyResult.objects.filter(person=people[3], period__assessment_year=year, period__quarter=2).update(
        final_grade="好"
    )
    again = svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    assert (again.updated, again.unchanged) == (1, 10)
    assert result_of(people[3], year).excellent_eligible is True
    assert result_of(people[4], year).rolled_at == untouched
    entry = AuditEntry.objects.filter(action="annual_reroll").get()
    assert entry.changes["goods"] == [1, 2]


def test_changed_inputs_send_a_proposed_result_back_and_leave_a_final_one_alone(year, unit, cast, people):
    results = rolled(year, unit, cast)
    svc.annual_propose(proposals=[svc.Proposal(result=results[people[4].pk], grade="称职")], by=cast["leader"])
    AnnualResult.objects.filter(pk=results[people[9].pk].pk).update(status=Status.FINAL, final_grade="称职")
    for person in (people[4], people[9]):
        QuarterlyResult.objects.filter(person=person, period__assessment_year=year, period__quarter=1).update(
            final_grade="较差"
        )
    again = svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    assert again.sent_back == 1
    assert again.final_changed == [results[people[9].pk].pk]
    back = result_of(people[4], year)
    assert (back.status, back.proposed_grade) == (Status.PROPOSAL, "")
    assert result_of(people[9], year).final_grade == "称职"


def test_only_the_unit_office_or_the_organisation_department_rolls_up(year, unit, cast, people):
    with pytest.raises(PermissionError):
        svc.annual_rollup(assessment_year=year, unit=unit, by=cast["outsider"])
    with pytest.raises(PermissionError):
        svc.annual_rollup(assessment_year=year, unit=unit, by=cast["head"])
    assert not AnnualResult.objects.exists()
    assert svc.annual_rollup(assessment_year=year, unit=unit, by=cast["org"]).created == 11


# Places of 优秀 -------------------------------------------------------------------------------------------


def test_the_ratio_follows_the_organisational_performance_within_the_band(year, unit, cast, people):
    rolled(year, unit, cast)
    assert AnnualLedger.objects.get(unit=unit, assessment_year=year).places == 2  # 20% of 11
    svc.excellent_ratio_set(
        unit=unit, assessment_year=year, performance="major", reason="防汛抗灾作出重大贡献", by=cast["org"]
    )
    assert AnnualLedger.objects.get(unit=unit, assessment_year=year).places == 3  # 30% of 11
    with pytest.raises(ValidationError) as caught:
        svc.excellent_ratio_set(
            unit=unit, assessment_year=year, performance="major", reason="x", ratio=D("0.35"), by=cast["org"]
        )
    assert "ratio" in caught.value.message_dict
    assert "30" in str(caught.value)
    assert ExcellentRatio.objects.get().ratio == D("0.300")
    with pytest.raises(ValidationError):
        svc.excellent_ratio_set(unit=unit, assessment_year=year, performance="poor", reason=" ", by=cast["org"])
    with pytest.raises(PermissionError):
        svc.excellent_ratio_set(unit=unit, assessment_year=year, performance="poor", reason="x", by=cast["office"])


def test_a_ratio_cannot_fall_below_the_places_already_used(year, unit, cast, people):
    results = rolled(year, unit, cast)
    svc.annual_propose(
        proposals=[svc.Proposal(result=results[p.pk], grade="优秀") for p in people[:2]], by=cast["leader"]
    )
    with pytest.raises(ValidationError) as caught:
        svc.excellent_ratio_set(unit=unit, assessment_year=year, performance="poor", reason="考核较差", by=cast["org"])
    assert caught.value.code == "no_place"
    assert caught.value.messages == ["已有2人被提名或确定为优秀，该比例只有1个名额。"]
    assert not ExcellentRatio.objects.exists()


def test_candidates_are_ranked_by_goods_then_annual_score(year, unit, cast, people):
    for person, review in ((people[1], D("99")), (people[2], D("80")), (people[0], D("90")), (people[10], D("90"))):
        svc.annual_input_set(
            person=person, assessment_year=year, by=cast["office"], special_score=D("90"), review_score=review
        )
    rolled(year, unit, cast)
    ranked = svc.candidates(unit=unit, assessment_year=year)
    # 4 好, then 3, then two with 2: the newcomer's 93.00 (0.6 × 95 + 9 + 27) before 92.70 (54 + 9 + 29.7).
    assert [r.candidate.key.person_id for r in ranked] == [people[0].pk, people[2].pk, people[10].pk, people[1].pk]
    assert [r.within_places for r in ranked] == [True, True, False, False]


# The chain ------------------------------------------------------------------------------------------------


def propose_all(year, cast, grades: dict):
    proposals = []
    for result in AnnualResult.objects.filter(assessment_year=year).select_related("person").order_by("pk"):
        grade, reason = grades.get(result.person_id, (result.suggested_grade, ""))
        comment = "试用期未满" if result.case == "no_grade" else ""
        proposals.append(svc.Proposal(result=result, grade=grade, reason=reason, comment=comment))
    return svc.annual_propose(proposals=proposals, by=cast["leader"])


def test_more_excellent_than_places_is_refused_and_nothing_changes(year, unit, cast, people):
    results = rolled(year, unit, cast)
    three = [svc.Proposal(result=results[p.pk], grade="优秀") for p in (people[0], people[1], people[2])]
    with pytest.raises(ValidationError) as caught:
        svc.annual_propose(proposals=three, by=cast["leader"])
    assert caught.value.code == "no_place"
    assert not AnnualResult.objects.exclude(status=Status.PROPOSAL).exists()


def test_excellent_for_a_vetoed_or_ineligible_person_is_refused(year, unit, cast, people):
    results = rolled(year, unit, cast)
    with pytest.raises(ValidationError) as caught:
        svc.annual_propose(proposals=[svc.Proposal(result=results[people[7].pk], grade="优秀")], by=cast["leader"])
    assert "一票否优" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        svc.annual_propose(proposals=[svc.Proposal(result=results[people[3].pk], grade="优秀")], by=cast["leader"])
    assert caught.value.message_dict["grade"] == [
        "评为优秀须无“一般”“较差”等次且“好”等次达到规定次数（本人4个季度中1个为“好”）。"
    ]
    with pytest.raises(ValidationError):  # more than half poor: 称职 is above the ceiling
        svc.annual_propose(
            proposals=[svc.Proposal(result=results[people[5].pk], grade="称职", reason="x")], by=cast["leader"]
        )


def test_a_grade_below_the_suggestion_needs_a_reason(year, unit, cast, people):
    results = rolled(year, unit, cast)
    lower = svc.Proposal(result=results[people[4].pk], grade="基本称职")
    with pytest.raises(ValidationError) as caught:
        svc.annual_propose(proposals=[lower], by=cast["leader"])
    assert "reason" in caught.value.message_dict
    svc.annual_propose(
        proposals=[svc.Proposal(result=results[people[4].pk], grade="基本称职", reason="年度工作任务未完成")],
        by=cast["leader"],
    )
    assert result_of(people[4], year).reason == "年度工作任务未完成"
    # 不称职 where every quarter was 较差 follows the suggestion and needs no reason.
    svc.annual_propose(proposals=[svc.Proposal(result=results[people[6].pk], grade="不称职")], by=cast["leader"])


def test_no_grade_takes_a_written_comment_and_no_grade(year, unit, cast, people):
    svc.annual_input_set(person=people[8], assessment_year=year, by=cast["office"], probation=True)
    result = rolled(year, unit, cast)[people[8].pk]
    with pytest.raises(ValidationError):
        svc.annual_propose(proposals=[svc.Proposal(result=result, grade="称职")], by=cast["leader"])
    with pytest.raises(ValidationError) as caught:
        svc.annual_propose(proposals=[svc.Proposal(result=result, grade="")], by=cast["leader"])
    assert "comment" in caught.value.message_dict
    svc.annual_propose(proposals=[svc.Proposal(result=result, grade="", comment="试用期内表现良好")], by=cast["leader"])
    assert result_of(people[8], year).appraisal == "试用期内表现良好"


def test_the_whole_chain_ends_in_a_written_notice(year, unit, cast, people, today):
    rolled(year, unit, cast)
    svc.annual_input_set(person=people[8], assessment_year=year, by=cast["office"], probation=True)
    svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    propose_all(year, cast, {people[0].pk: ("优秀", ""), people[2].pk: ("优秀", "")})
    verdicts = [
        svc.Verdict(result=r, grade=r.proposed_grade)
        for r in AnnualResult.objects.filter(assessment_year=year).order_by("pk")
    ]
    with pytest.raises(PermissionError):
        svc.annual_decide(verdicts=verdicts, by=cast["leader"])
    assert svc.annual_decide(verdicts=verdicts, by=cast["committee"]) == 11
    ledger = AnnualLedger.objects.get(unit=unit, assessment_year=year)
    assert (ledger.graded, ledger.places, ledger.excellent) == (10, 2, 2)

    svc.annual_publish(assessment_year=year, unit=unit, by=cast["office"])
    shown = list(annual_publicity_for(user=people[0].user, assessment_year=year))
    assert [r.person_id for r in shown] == [people[0].pk, people[2].pk]
    assert shown[1].quarter_grades == {"1": "好", "2": "好", "3": "好", "4": "较好"}
    assert not annual_publicity_for(user=cast["outsider"], assessment_year=year).exists()

    with pytest.raises(ValidationError):
        svc.annual_report(assessment_year=year, unit=unit, by=cast["office"])  # publicity still running
    today(datetime.date(2026, 1, 30))
    svc.annual_report(assessment_year=year, unit=unit, by=cast["office"])
    with pytest.raises(PermissionError):
        svc.annual_confirm(assessment_year=year, unit=unit, by=cast["office"])
    svc.annual_confirm(assessment_year=year, unit=unit, by=cast["org"])
    mine = result_of(people[0], year)
    assert mine.status == Status.FINAL
    assert mine.notified_on == datetime.date(2026, 1, 30)
    assert "优秀" in mine.notice
    assert "30" in mine.notice
    assert Notification.objects.filter(user=people[0].user, key__startswith="annual-").count() == 1
    assert "不定等次" in result_of(people[8], year).notice

    found = consequences_for(user=cast["org"], assessment_year=year)
    listed = {c.result.person_id: c.kinds for c in consequences_of(found, year)}
    assert listed[people[0].pk] == ("commendation",)
    assert not consequences_for(user=cast["outsider"], assessment_year=year).exists()


def finish(year, unit, cast, grades=None):
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
    svc.annual_confirm(assessment_year=year, unit=unit, by=cast["org"], on=datetime.date(2026, 1, 25))


def test_the_organisation_department_sends_a_report_back_to_the_committee(year, unit, cast, people):
    rolled(year, unit, cast)
    propose_all(year, cast, {})
    svc.annual_decide(
        verdicts=[svc.Verdict(result=r, grade=r.proposed_grade) for r in AnnualResult.objects.order_by("pk")],
        by=cast["committee"],
    )
    svc.annual_publish(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 5))
    svc.annual_report(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 20))
    with pytest.raises(ValidationError):
        svc.annual_send_back(assessment_year=year, unit=unit, by=cast["org"], reason="")
    svc.annual_send_back(assessment_year=year, unit=unit, by=cast["org"], reason="优秀人选公示材料不全")
    assert set(AnnualResult.objects.values_list("status", flat=True)) == {Status.COMMITTEE}


def test_a_review_then_an_appeal_each_within_its_time(year, unit, cast, people, today):
    rolled(year, unit, cast)
    finish(year, unit, cast, {people[0].pk: ("称职", "")})  # one place of 优秀 stays unused
    mine = result_of(people[0], year)
    user = people[0].user
    with pytest.raises(PermissionError):
        svc.annual_review_request(result=result_of(people[1], year), reason="x", by=user)
    today(datetime.date(2026, 2, 25))  # the notice was given on 25 January; 30 days is 24 February
    with pytest.raises(ValidationError) as caught:
        svc.annual_review_request(result=mine, reason="四个季度均为好等次", by=user)
    assert caught.value.code == "window_closed"
    today(datetime.date(2026, 2, 20))
    with pytest.raises(ValidationError):
        svc.annual_appeal_request(result=mine, reason="x", by=user)  # a review comes first
    review = svc.annual_review_request(result=mine, reason="四个季度均为好等次", by=user)
    assert review.answer_due == datetime.date(2026, 3, 22)
    with pytest.raises(PermissionError):
        svc.annual_review_answer(appeal=review, answer="维持", by=cast["outsider"])
    svc.annual_review_answer(appeal=review, answer="经复核，维持原等次。", by=cast["committee"])
    review.refresh_from_db()
    assert (review.outcome, review.grade_after) == ("upheld", "称职")

    today(datetime.date(2026, 3, 10))  # 18 days after the answer: too late
    with pytest.raises(ValidationError):
        svc.annual_appeal_request(result=mine, reason="不服复核决定", by=user)
    today(datetime.date(2026, 3, 1))
    appeal = svc.annual_appeal_request(result=mine, reason="不服复核决定", by=user)
    with pytest.raises(PermissionError):
        svc.annual_appeal_decide(appeal=appeal, answer="改为优秀", grade="优秀", by=cast["committee"])
    with pytest.raises(ValidationError):
        svc.annual_review_answer(appeal=appeal, answer="x", by=cast["committee"])
    svc.annual_appeal_decide(appeal=appeal, answer="经审理，改定为优秀等次。", grade="优秀", by=cast["org"])
    mine.refresh_from_db()
    assert (mine.final_grade, mine.reason) == ("优秀", "经审理，改定为优秀等次。")
    assert "优秀" in mine.notice
    assert AnnualLedger.objects.get(unit=unit, assessment_year=year).excellent == 1  # was 0
    assert AnnualAppeal.objects.get(pk=appeal.pk).outcome == "changed"
    with pytest.raises(ValidationError):
        svc.annual_appeal_request(result=mine, reason="again", by=user)


def test_an_appeal_cannot_take_a_place_that_is_not_there(year, unit, cast, people, today):
    rolled(year, unit, cast)
    finish(year, unit, cast, {people[0].pk: ("优秀", ""), people[1].pk: ("优秀", "")})
    other = result_of(people[2], year)
    today(datetime.date(2026, 2, 1))
    review = svc.annual_review_request(result=other, reason="x", by=_login_for(people[2]))
    with pytest.raises(ValidationError) as caught:
        svc.annual_review_answer(appeal=review, answer="改为优秀", grade="优秀", by=cast["committee"])
    assert caught.value.code == "no_place"
    assert AnnualAppeal.objects.get(pk=review.pk).is_open
    assert result_of(people[2], year).final_grade == "称职"


def _login_for(person):
    person.user = factories.UserFactory(username=f"u{person.pk}")
    person.save(update_fields=["user"])
    return person.user


def test_nobody_proposes_or_decides_their_own_result(year, unit, cast, people):
    people[0].user = cast["leader"]
    people[0].save(update_fields=["user"])
    results = rolled(year, unit, cast)
    with pytest.raises(PermissionError):
        svc.annual_propose(proposals=[svc.Proposal(result=results[people[0].pk], grade="称职")], by=cast["leader"])


def test_outsiders_see_and_change_nothing(year, unit, cast, people):
    results = rolled(year, unit, cast)
    outsider = cast["outsider"]
    assert not annual_results_visible_to(user=outsider, assessment_year=year).exists()
    assert annual_results_visible_to(user=cast["office"], assessment_year=year).count() == 11
    assert annual_results_visible_to(user=cast["head"], assessment_year=year).count() == 8  # own section only
    one = results[people[4].pk]
    for call in (
        lambda: svc.annual_propose(proposals=[svc.Proposal(result=one, grade="称职")], by=outsider),
        lambda: svc.annual_decide(verdicts=[svc.Verdict(result=one, grade="称职")], by=outsider),
        lambda: svc.annual_publish(assessment_year=year, unit=unit, by=outsider),
        lambda: svc.annual_report(assessment_year=year, unit=unit, by=outsider),
        lambda: svc.annual_confirm(assessment_year=year, unit=unit, by=outsider),
        lambda: svc.annual_send_back(assessment_year=year, unit=unit, by=outsider, reason="x"),
        lambda: svc.annual_input_set(person=people[4], assessment_year=year, by=outsider, leave_days=1),
        lambda: svc.sanction_record(
            person=people[4],
            kind=SanctionType.objects.first(),
            starts_on=datetime.date(2025, 1, 1),
            ends_on=datetime.date(2025, 6, 30),
            reason="x",
            by=outsider,
        ),
    ):
        with pytest.raises(PermissionError):
            call()
    assert not AnnualInput.objects.exists()
    assert set(AnnualResult.objects.values_list("status", flat=True)) == {Status.PROPOSAL}


def test_inputs_out_of_range_or_after_the_final_result_are_refused(year, unit, cast, people):
    with pytest.raises(ValidationError):
        svc.annual_input_set(person=people[1], assessment_year=year, by=cast["office"], review_score=D("101"))
    with pytest.raises(ValidationError):
        svc.annual_input_set(person=people[1], assessment_year=year, by=cast["office"], leave_days=400)
    results = rolled(year, unit, cast)
    AnnualResult.objects.filter(pk=results[people[1].pk].pk).update(status=Status.FINAL)
    with pytest.raises(ValidationError) as caught:
        svc.annual_input_set(person=people[1], assessment_year=year, by=cast["office"], review_score=D("90"))
    assert caught.value.code == "final"
    assert not AnnualInput.objects.exists()


# The task ---------------------------------------------------------------------------------------------------


def test_the_task_rolls_up_the_region_and_a_second_run_changes_nothing(year, unit, cast, people):
    first = annual_rollup_task.apply(args=(year.pk, cast["org"].pk)).get()
    assert first == {
        "units": 1,
        "people": 11,
        "created": 11,
        "updated": 0,
        "unchanged": 0,
        "sent_back": 0,
        "final_changed": 0,
    }
    second = annual_rollup_task.apply(args=(year.pk, cast["org"].pk), kwargs={"unit_id": unit.pk}).get()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 11)


# What the review of this change found ---------------------------------------------------------------


def test_fewer_people_graded_send_the_open_excellent_back_to_the_proposal(year, unit, cast, people):
    results = rolled(year, unit, cast)  # 11 graded × 20% → 2 places
    svc.annual_propose(
        proposals=[svc.Proposal(result=results[p.pk], grade="优秀") for p in (people[0], people[1])],
        by=cast["leader"],
    )
    for person in (people[8], people[9]):
        svc.annual_input_set(person=person, assessment_year=year, by=cast["office"], probation=True)
    again = svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])  # 9 graded → 1 place
    assert again.sent_back == 2
    assert not AnnualResult.objects.filter(proposed_grade="优秀").exists()
    ledger = AnnualLedger.objects.get(unit=unit, assessment_year=year)
    assert (ledger.graded, ledger.places, ledger.proposed) == (9, 1, 0)


def test_a_result_sent_back_by_a_roll_up_catches_up_with_its_unit(year, unit, cast, people, today):
    rolled(year, unit, cast)
    propose_all(year, cast, {})
    svc.annual_decide(
        verdicts=[svc.Verdict(result=r, grade=r.proposed_grade) for r in AnnualResult.objects.order_by("pk")],
        by=cast["committee"],
    )
    svc.annual_publish(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 5))
    QuarterlyResult.objects.filter(person=people[4], period__assessment_year=year, period__quarter=1).update(
        final_grade="较差"
    )
    assert svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"]).sent_back == 1
    late = result_of(people[4], year)
    with pytest.raises(ValidationError):  # the unit waits for it
        svc.annual_report(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 20))
    svc.annual_propose(proposals=[svc.Proposal(result=late, grade="称职")], by=cast["leader"])
    svc.annual_decide(verdicts=[svc.Verdict(result=late, grade="称职")], by=cast["committee"])
    assert svc.annual_publish(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 12)) == 1
    assert svc.annual_report(assessment_year=year, unit=unit, by=cast["office"], on=datetime.date(2026, 1, 20)) == 11
    assert svc.annual_confirm(assessment_year=year, unit=unit, by=cast["org"], on=datetime.date(2026, 1, 25)) == 11


def test_the_fingerprint_does_not_depend_on_the_language(year, unit, cast, people):
    from django.utils import translation

    svc.annual_input_set(person=people[8], assessment_year=year, by=cast["office"], probation=True)
    with translation.override("en"):
        svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    assert result_of(people[8], year).case_reason == "新录用试用期内。"  # stored in the system's language
    assert result_of(people[7], year).excellent_barred == "第2季度有一票否优事项。"
    again = svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    assert (again.updated, again.unchanged) == (0, 11)


def test_a_person_with_inputs_but_no_quarter_still_gets_a_result(year, unit, section, cast, people):
    away = factories.PersonFactory(unit=unit, section=section, name="全年病休", home_placement=False)
    svc.annual_input_set(person=away, assessment_year=year, by=cast["office"], leave_days=300)
    recruit = factories.PersonFactory(unit=unit, section=section, name="新录用", home_placement=False)
    svc.annual_input_set(person=recruit, assessment_year=year, by=cast["office"])
    rolled(year, unit, cast)
    assert (result_of(away, year).case, result_of(away, year).quarters) == ("not_assessed", 0)
    assert result_of(recruit, year).case == "no_grade"
    assert result_of(recruit, year).case_reason == "本年度未参加平时考核。"


def test_a_changed_grade_on_review_is_notified(year, unit, cast, people, today):
    rolled(year, unit, cast)
    finish(year, unit, cast, {people[0].pk: ("称职", "")})
    today(datetime.date(2026, 2, 1))
    review = svc.annual_review_request(result=result_of(people[0], year), reason="x", by=people[0].user)
    svc.annual_review_answer(appeal=review, answer="经复核改为优秀。", grade="优秀", by=cast["committee"])
    note = Notification.objects.get(user=people[0].user, key__endswith="-review")
    assert "优秀" in note.message


def test_inputs_and_sanctions_are_audited(year, unit, cast, people):
    svc.annual_input_set(person=people[1], assessment_year=year, by=cast["office"], review_score=D("91"))
    svc.sanction_record(
        person=people[1],
        kind=SanctionType.objects.get(name="警告"),
        starts_on=datetime.date(2025, 5, 1),
        ends_on=datetime.date(2025, 10, 31),
        reason="区纪委〔2025〕8号",
        by=cast["office"],
    )
    entry = AuditEntry.objects.get(action="annual_input_set")
    assert entry.changes["review_score"] == [None, "91"]
    assert "警告" in AuditEntry.objects.get(action="sanction_record").comment


def test_a_warning_bars_excellent_only_in_the_year_it_was_given(year, unit, cast, people):
    svc.sanction_record(
        person=people[0],
        kind=SanctionType.objects.get(name="警告"),
        starts_on=datetime.date(2024, 10, 1),
        ends_on=datetime.date(2025, 3, 31),
        reason="区纪委〔2024〕9号",
        by=cast["office"],
    )
    assert rolled(year, unit, cast)[people[0].pk].excellent_eligible is True


def test_the_person_acknowledges_their_notice_once_and_nobody_else_can(year, unit, cast, people, today, client):
    from django.urls import reverse

    rolled(year, unit, cast)
    finish(year, unit, cast)
    mine = result_of(people[0], year)
    other = result_of(people[1], year)
    user = people[0].user
    with pytest.raises(PermissionError):
        svc.notice_acknowledge(result=mine, by=cast["office"])
    client.force_login(user)
    page = client.get(reverse("annual:mine")).content.decode()
    assert "签收考核结果通知" in page
    assert client.post(reverse("annual:acknowledge", args=[other.pk])).status_code == 404  # not theirs
    assert client.post(reverse("annual:acknowledge", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.notice_acknowledged_at is not None
    assert AuditEntry.objects.filter(action="notice_acknowledge", actor=user).count() == 1
    with pytest.raises(ValidationError):
        svc.notice_acknowledge(result=mine, by=user)  # once
    assert "已于" in client.get(reverse("annual:mine")).content.decode()
    assert result_of(people[1], year).notice_acknowledged_at is None


def test_a_cadre_without_a_quarter_is_rolled_up_by_the_cadre_group_not_by_the_unit(year, region, unit, cast):
    """A 县管干部 on leave all year has no quarter anywhere: the region's cadre group, which would have
    assessed them, gives them their annual result; their own unit (whose leaders they lead) does not."""
    group = factories.UnitFactory(region=region, category=unit.category, name="区管干部", is_cadre_group=True)
    chief = factories.PersonFactory(unit=unit, section=None, name="局长甲", managed_by="region")
    group_office = factories.user_with_role("office", unit=group, username="cadre-office")
    # The inputs are entered by the person's home unit, as for anyone placed elsewhere.
    svc.annual_input_set(person=chief, assessment_year=year, by=cast["office"], leave_days=300)
    svc.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    assert not AnnualResult.objects.filter(person=chief).exists()
    svc.annual_rollup(assessment_year=year, unit=group, by=group_office)
    result = AnnualResult.objects.get(person=chief)
    assert (result.unit, result.section, result.case) == (group, None, AnnualResult.Case.NOT_ASSESSED)


def test_a_sanction_recorded_in_error_is_withdrawn_until_the_result_is_final(year, unit, cast, people, today):
    office = cast["office"]
    demerit = SanctionType.objects.get(name="记过")
    wrong = svc.sanction_record(
        person=people[1],
        kind=demerit,
        starts_on=datetime.date(2025, 2, 1),
        ends_on=datetime.date(2025, 11, 30),
        reason="录错了人",
        by=office,
    )
    assert rolled(year, unit, cast)[people[1].pk].case == "no_grade"
    with pytest.raises(ValidationError) as caught:
        svc.sanction_withdraw(sanction=wrong, by=office, reason="  ")
    assert "reason" in caught.value.message_dict
    for user in (cast["outsider"], cast["leader"], cast["committee"], people[0].user):
        with pytest.raises(PermissionError):
            svc.sanction_withdraw(sanction=wrong, by=user, reason="x")
    assert Sanction.objects.filter(pk=wrong.pk).exists()

    svc.sanction_withdraw(sanction=wrong, by=office, reason="应为他人，录入错误")
    assert not Sanction.objects.filter(pk=wrong.pk).exists()
    entry = AuditEntry.objects.get(action="sanction_withdraw")
    assert (entry.actor, entry.assessment_year, entry.unit) == (office, year, people[1].unit)
    assert "应为他人，录入错误" in entry.comment
    assert entry.changes["sanction"][0]["reason"] == "录错了人"
    assert entry.changes["sanction"][1] is None
    with pytest.raises(ValidationError):
        svc.sanction_withdraw(sanction=wrong, by=office, reason="again")  # gone already
    # The next roll-up no longer applies it.
    assert rolled(year, unit, cast)[people[1].pk].case == "graded"

    # Once the result of a year it bears on is final, it is not withdrawn.
    late = svc.sanction_record(
        person=people[2],
        kind=SanctionType.objects.get(name="警告"),
        starts_on=datetime.date(2025, 6, 1),
        ends_on=datetime.date(2026, 5, 31),
        reason="区纪委〔2025〕7号",
        by=office,
    )
    rolled(year, unit, cast)
    finish(year, unit, cast)
    with pytest.raises(ValidationError) as caught:
        svc.sanction_withdraw(sanction=late, by=office, reason="x")
    assert caught.value.code == "final"
    assert "2025" in caught.value.messages[0]
    assert Sanction.objects.filter(pk=late.pk).exists()
