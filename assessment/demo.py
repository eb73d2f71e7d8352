"""The demo county's assessment history, acted out through the quarterly services.

Last year's four quarters and this year's up to the previous one are closed; the previous quarter is in
publicity (published today, with a review request waiting); the current quarter is open for summaries.
Deterministic and idempotent: a closed period is left alone, and each act runs only on results still at
its step.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from assessment import reminders, services
from assessment.models import GRADE_ORDER, Grade, Period, QuarterlyResult
from assessment.selectors import SUGGESTION_ORDER
from scoring.demo import SEED, fill_inputs, system_user
from units.models import Region, Unit

Status = QuarterlyResult.Status


def _quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


@transaction.atomic
def load_demo_history(*, region: Region, today: datetime.date) -> dict[str, int]:
    rng = random.Random(SEED)
    actor = system_user()
    made = {"sheets": 0, "monthly_scores": 0, "entries": 0, "events": 0, "closed_periods": 0}
    current_quarter = _quarter_of(today)
    plan = [(today.year - 1, q) for q in range(1, 5)] + [(today.year, q) for q in range(1, current_quarter + 1)]
    units = list(Unit.objects.filter(region=region, is_active=True).select_related("category").order_by("pk"))
    for year, quarter in plan:
        assessment_year = services.year_create(region=region, year=year, by=actor)
        period = assessment_year.periods.get(quarter=quarter)
        if period.is_closed:
            continue
        if period.status == Period.Status.DRAFT:
            period = services.period_open(period=period, by=actor)
        for unit in units:
            made["sheets"] += services.unit_start(period=period, unit=unit, by=actor)
        is_current = (year, quarter) == (today.year, current_quarter)
        for key, count in fill_inputs(period=period, today=today, actor=actor, rng=rng, scored=not is_current).items():
            made[key] += count
        if is_current:
            continue
        previous = (year, quarter) == plan[-2]
        # Published today for the previous quarter; for older ones, twelve days after the quarter.
        published_on = today if previous else period.end_date + datetime.timedelta(days=12)
        for unit in units:
            _act_out(period, unit, actor, rng, published_on=published_on, finish=not previous)
        if previous:
            _review_requests(period, actor)
        if not previous:
            services.period_close(period=period, by=actor)
            made["closed_periods"] += 1
    # The reminders the daily task sends as the current quarter's summaries fall due.
    current = Period.objects.get(
        assessment_year__region=region, assessment_year__year=today.year, quarter=current_quarter
    )
    if current.summary_due:
        made["reminders"] = reminders.send_reminders(
            today=current.summary_due - datetime.timedelta(days=current.assessment_year.reminder_days)
        )
    return made


REVIEW_REASONS = {
    "staff": ("本季度参与专案侦破的加分事项未见计入，申请复核。", None),
    "section": ("月度绩效九月得分录入有误，申请复核。", "经核实，九月月度绩效录入无误，维持原等次。"),
}


def _review_requests(period: Period, office_actor) -> None:
    """A few review requests during publicity: one answered by the office, one still waiting."""
    from django.contrib.auth import get_user_model

    for username, (reason, answer) in REVIEW_REASONS.items():
        user = get_user_model().objects.filter(username=username).first()
        own = QuarterlyResult.objects.filter(period=period, person__user=user, status=Status.PUBLICITY).first()
        if user is None or own is None or own.review_requests.exists():
            continue
        request = services.review_request(result=own, reason=reason, by=user)
        if answer:
            services.review_answer(request=request, answer=answer, by=office_actor)


def _act_out(
    period: Period, unit: Unit, actor, rng: random.Random, *, published_on: datetime.date, finish: bool
) -> None:
    results = QuarterlyResult.objects.filter(period=period, unit=unit).select_related("sheet", "person", "section")
    waiting = list(results.filter(status=Status.SUMMARY))
    if waiting:
        services.summaries_skip(results=waiting, by=actor, reason="个人小结已纸质提交")

    scoring = list(results.filter(status=Status.SCORING).order_by("section_id", *SUGGESTION_ORDER))
    if scoring:
        proposals = []
        left = {row.section_id: row.places - row.nominations for row in services.allocate(period=period, unit=unit)}
        for result in scoring:
            eligible = result.sheet.eligible_grade
            nominate = (
                eligible == Grade.GOOD
                and not result.sheet.vetoed
                and result.section_id is not None
                and left.get(result.section_id, 0) > 0
            )
            if nominate:
                left[result.section_id] -= 1
            grade = Grade.GOOD if nominate else (Grade.FAIR if eligible == Grade.GOOD else eligible)
            comment = rng.choice(
                ("政治坚定，工作扎实", "履职尽责，完成任务较好", "工作积极，作风务实", "业务熟练，群众认可")
            )
            proposals.append(services.Proposal(result=result, grade=grade, comment=comment, nominate=nominate))
        services.proposals_submit(proposals=proposals, by=actor)

    reviewing = list(results.filter(status=Status.LEADER_REVIEW))
    if reviewing:
        services.results_review_bulk(results=reviewing, by=actor, comment="同意")

    deciding = list(results.filter(status=Status.COMMITTEE).order_by(*SUGGESTION_ORDER))
    if deciding:
        places = services.unit_places(period, unit).left
        verdicts = []
        for result in [r for r in deciding if r.nominated] + [r for r in deciding if not r.nominated]:
            eligible = result.sheet.eligible_grade
            if (
                eligible == Grade.GOOD
                and not result.sheet.vetoed
                and places > 0
                and (result.nominated or rng.random() < 0.3)
            ):
                grade = Grade.GOOD
                places -= 1
            else:
                grade = result.proposed_grade if result.proposed_grade != Grade.GOOD else Grade.FAIR
            grade = max(grade, eligible, key=GRADE_ORDER.index)  # never above what the score allows
            verdicts.append(services.Verdict(result=result, grade=grade))
        services.decisions_record(verdicts=verdicts, by=actor)

    if results.filter(status=Status.DECIDED).exists() and not results.exclude(status=Status.DECIDED).exists():
        services.unit_publish(period=period, unit=unit, by=actor, on=published_on)
    if not finish:
        return
    publicity_ends = results.values_list("publicity_ends", flat=True).first()
    if results.filter(status=Status.PUBLICITY).exists():
        services.unit_report(period=period, unit=unit, by=actor, on=publicity_ends + datetime.timedelta(days=1))
    if results.filter(status=Status.CONFIRMATION).exists():
        services.unit_confirm(period=period, unit=unit, by=actor, on=publicity_ends + datetime.timedelta(days=3))
