"""The demo county's assessment history, acted out through the services of the quarter and the year.

Last year's four quarters and this year's up to the previous one are closed; the previous quarter is in
publicity (published today, with a review request waiting); the current quarter is open for summaries.
Deterministic and idempotent: a closed period is left alone, and each act runs only on results still at
its step.
"""

from __future__ import annotations

import datetime
import io
import random

from django.db import transaction
from openpyxl import load_workbook

from assessment.models import (
    GRADE_ORDER,
    AnnualInput,
    AnnualResult,
    ExcellentRatio,
    Grade,
    QuarterlyResult,
    SanctionType,
)
from assessment.quarter import places, reminders, services
from assessment.quarter.selectors import SUGGESTION_ORDER
from assessment.year import inputs
from assessment.year import services as year_services
from assessment.year.tasks import annual_rollup_task
from periods.models import AssessmentYear, Period
from scoring.demo import SEED, fill_inputs, system_user
from units.demo import OFFICE_UNIT, unit_code
from units.models import Region, Unit

Status = QuarterlyResult.Status

# The section that takes turns at 好 (轮流坐庄) for the fairness analytics to find (domain.md §9): each quarter it
# nominates one person who has not had a 好 this year, the lowest total first, whatever the others scored.
ROTATION_SECTION = ("QS036", "登记注册股")  # 区市场监督管理局
LATE_UNIT = "QS016"  # 区水利局 publishes its quarters too late to report by the deadline


def _quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def history_steps(today: datetime.date) -> int:
    """The steps of ``load_demo_history``: last year's four quarters, this year's up to today's, last
    year's annual assessment."""
    return 4 + _quarter_of(today) + 1


@transaction.atomic
def load_demo_history(
    *, region: Region, today: datetime.date, say=None, unit_codes: list[str] | None = None
) -> dict[str, int]:
    """The county's assessment history acted out through the services; ``say(message, step, steps)``
    (optional) is told of each quarter and of the annual assessment as they begin, with the step's number
    and how many there are, so a long seed keeps talking and can tell how long it has left. ``unit_codes``
    keeps the history to those units (a test's smaller county); every unit by default."""
    say = say or (lambda _message, _step, _steps: None)
    rng = random.Random(SEED)
    actor = system_user()
    made = {"sheets": 0, "monthly_scores": 0, "entries": 0, "events": 0, "closed_periods": 0}
    current_quarter = _quarter_of(today)
    plan = [(today.year - 1, q) for q in range(1, 5)] + [(today.year, q) for q in range(1, current_quarter + 1)]
    units = Unit.objects.filter(region=region, is_active=True).select_related("category").order_by("pk")
    units = list(units.filter(code__in=unit_codes) if unit_codes is not None else units)
    steps = history_steps(today)
    for step, (year, quarter) in enumerate(plan, start=1):
        say(f"{year} Q{quarter}", step, steps)
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
        for unit in units:
            # Published today for the previous quarter; for older ones the day after the quarter, in time to
            # report by the deadline, except by one unit that is always late.
            late = unit.code == LATE_UNIT
            published_on = today if previous else period.end_date + datetime.timedelta(days=12 if late else 1)
            _act_out(period, unit, actor, rng, published_on=published_on, finish=not previous)
        if previous:
            _review_requests(period, actor)
        if not previous:
            services.period_close(period=period, by=actor)
            made["closed_periods"] += 1
    say(f"{today.year - 1} annual assessment", steps, steps)
    for key, count in load_demo_annual(region=region, year=today.year - 1).items():
        made[key] = made.get(key, 0) + count
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
    rotating = _rotating_section_id(unit)
    turn = _whose_turn(period, unit, scoring) if rotating else None
    if scoring:
        proposals = []
        left = {row.section_id: row.places - row.nominations for row in places.allocate(period=period, unit=unit)}
        for result in scoring:
            eligible = result.sheet.eligible_grade
            nominate = (
                eligible == Grade.GOOD
                and not result.sheet.vetoed
                and result.section_id is not None
                and left.get(result.section_id, 0) > 0
            )
            if rotating is not None and result.section_id == rotating:
                nominate = turn is not None and result.pk == turn.pk
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
        left_in_unit = places.unit_places(period, unit).left
        verdicts = []
        for result in [r for r in deciding if r.nominated] + [r for r in deciding if not r.nominated]:
            eligible = result.sheet.eligible_grade
            if (
                eligible == Grade.GOOD
                and not result.sheet.vetoed
                and left_in_unit > 0
                and (result.nominated or (result.section_id != rotating and rng.random() < 0.3))
            ):
                grade = Grade.GOOD
                left_in_unit -= 1
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


def _rotating_section_id(unit: Unit) -> int | None:
    if unit.code != ROTATION_SECTION[0]:
        return None
    return unit.sections.filter(name=ROTATION_SECTION[1]).values_list("pk", flat=True).first()


def _whose_turn(period: Period, unit: Unit, scoring: list[QuarterlyResult]) -> QuarterlyResult | None:
    """In the rotating section, the one to nominate this quarter: eligible for 好, not graded 好 earlier in the
    year, the lowest total first."""
    section_id = _rotating_section_id(unit)
    if section_id is None:
        return None
    had = set(
        QuarterlyResult.objects.filter(
            period__assessment_year=period.assessment_year, section_id=section_id, final_grade=Grade.GOOD
        ).values_list("person_id", flat=True)
    )
    waiting = [
        r
        for r in scoring
        if r.section_id == section_id
        and r.sheet.eligible_grade == Grade.GOOD
        and not r.sheet.vetoed
        and r.person_id not in had
    ]
    return min(waiting, key=lambda r: (r.sheet.total, r.person_id), default=None)


# The annual assessment of last year ---------------------------------------------------------------------

# (unit name, performance, reason): the organisation department's ratios of 优秀 for a few units.
DEMO_RATIOS = (
    ("区人民法院", "major", "年度重大审判执行任务中作出重大贡献"),
    ("区财政局", "excellent", "组织绩效考核优秀"),
    ("区统计局", "average", "组织绩效考核一般"),
)


def load_demo_annual(*, region: Region, year: int) -> dict[str, int]:
    """Last year rolled up and taken through the annual chain, as the offices and committees would: the
    inputs imported from the office's workbook, ratios set, the roll-up run as the Celery task, grades
    proposed from the ranked candidates, decided, published in January, confirmed, and one review and
    appeal by the demo account of another unit. Idempotent: each act runs only where it has not happened yet.

    The demo unit (区公安分局) is left before its roll-up: its year is for the demo accounts to walk, from
    the office's roll-up button to the notices, reviews and appeals."""
    assessment_year = AssessmentYear.objects.filter(region=region, year=year).first()
    if assessment_year is None or assessment_year.periods.exclude(status=Period.Status.CLOSED).exists():
        return {}
    actor = system_user()
    rng = random.Random(SEED + year)
    made: dict[str, int] = {}
    if not AnnualInput.objects.filter(assessment_year=assessment_year).exists():
        made["annual_inputs"] = _import_inputs(assessment_year, actor, rng)
    for name, performance, reason in DEMO_RATIOS:
        unit = Unit.objects.filter(region=region, name=name).first()
        if unit and not ExcellentRatio.objects.filter(unit=unit, assessment_year=assessment_year).exists():
            year_services.excellent_ratio_set(
                unit=unit, assessment_year=assessment_year, performance=performance, reason=reason, by=actor
            )
    made["annual_results"] = 0
    assessed = QuarterlyResult.objects.filter(period__assessment_year=assessment_year).values("unit_id")
    published_on = datetime.date(year + 1, 1, 12)
    for unit in Unit.objects.filter(pk__in=assessed).exclude(code=unit_code(OFFICE_UNIT)).order_by("order", "pk"):
        rolled = annual_rollup_task.apply(args=(assessment_year.pk, actor.pk, unit.pk)).get()
        made["annual_results"] += rolled["created"]
        _annual_chain(assessment_year, unit, actor, published_on)
    _annual_review_and_appeal(assessment_year, actor)
    return made


def _import_inputs(assessment_year, actor, rng: random.Random) -> int:
    """Fill the office's input workbook as an officer would and import it: special-assessment and
    annual-review scores for everyone, and the few cases the rules treat apart."""
    book = load_workbook(io.BytesIO(inputs.annual_inputs_template(assessment_year=assessment_year, by=actor)))
    sheet = book.active
    column = {cell.value: cell.column for cell in sheet[1]}
    rows = list(range(2, sheet.max_row + 1))
    special = {r: rng.randint(80, 99) for r in rows}
    cases = rng.sample(rows, 8)
    year = assessment_year.year
    demerit = SanctionType.objects.filter(effect=SanctionType.Effect.NO_GRADE).order_by("order").first()
    warning = SanctionType.objects.filter(effect=SanctionType.Effect.BAR_EXCELLENT).order_by("-order").first()
    for r in rows:
        sheet.cell(row=r, column=column[inputs.H_SPECIAL], value=special[r])
        sheet.cell(row=r, column=column[inputs.H_REVIEW], value=round(rng.uniform(84, 98), 1))
    probation, investigation, leave1, leave2, sanctioned, warned, *_rest = cases
    sheet.cell(row=probation, column=column[inputs.H_PROBATION], value="是")
    sheet.cell(row=investigation, column=column[inputs.H_INVESTIGATION], value="是")
    sheet.cell(row=leave1, column=column[inputs.H_LEAVE], value=200)
    sheet.cell(row=leave2, column=column[inputs.H_LEAVE], value=30)
    for r, kind, start, end in (
        (sanctioned, demerit, datetime.date(year - 1, 11, 1), datetime.date(year, 10, 31)),
        (warned, warning, datetime.date(year, 4, 1), datetime.date(year, 9, 30)),
    ):
        sheet.cell(row=r, column=column[inputs.H_SANCTION], value=kind.name)
        sheet.cell(row=r, column=column[inputs.H_SANCTION_START], value=start)
        sheet.cell(row=r, column=column[inputs.H_SANCTION_END], value=end)
        sheet.cell(row=r, column=column[inputs.H_SANCTION_REASON], value=f"区纪委〔{start.year}〕{r}号")
    buffer = io.BytesIO()
    book.save(buffer)
    done = inputs.annual_inputs_import(
        content=buffer.getvalue(), file_name=f"{year}年度考核数据.xlsx", assessment_year=assessment_year, by=actor
    )
    return done["rows"]


def _annual_chain(assessment_year, unit: Unit, actor, published_on: datetime.date) -> None:
    Status = AnnualResult.Status
    results = AnnualResult.objects.filter(assessment_year=assessment_year, unit=unit).select_related("person")
    proposing = list(results.filter(status=Status.PROPOSAL).order_by("pk"))
    if proposing:
        ranked = year_services.candidates(unit=unit, assessment_year=assessment_year)
        best = {r.candidate.key.pk for r in ranked if r.within_places}
        proposals = []
        for result in proposing:
            if result.case == AnnualResult.Case.NO_GRADE:
                proposals.append(year_services.Proposal(result=result, grade="", comment="按规定本年度不确定等次。"))
            elif result.case == AnnualResult.Case.NOT_ASSESSED:
                proposals.append(year_services.Proposal(result=result, grade=""))
            else:
                grade = "优秀" if result.pk in best else result.suggested_grade
                proposals.append(
                    year_services.Proposal(result=result, grade=grade, comment="德才表现良好，完成年度目标任务。")
                )
        year_services.annual_propose(proposals=proposals, by=actor)
    deciding = list(results.filter(status=Status.COMMITTEE).order_by("pk"))
    if deciding:
        year_services.annual_decide(
            verdicts=[year_services.Verdict(result=r, grade=r.proposed_grade) for r in deciding], by=actor
        )
    if results.filter(status=Status.DECIDED).exists() and not results.exclude(status=Status.DECIDED).exists():
        year_services.annual_publish(assessment_year=assessment_year, unit=unit, by=actor, on=published_on)
    ends = results.values_list("publicity_ends", flat=True).first()
    if results.filter(status=Status.PUBLICITY).exists():
        year_services.annual_report(
            assessment_year=assessment_year, unit=unit, by=actor, on=ends + datetime.timedelta(days=1)
        )
    if results.filter(status=Status.CONFIRMATION).exists():
        year_services.annual_confirm(
            assessment_year=assessment_year, unit=unit, by=actor, on=ends + datetime.timedelta(days=5)
        )


# Outside the demo unit, whose year is left for the demo accounts to walk.
APPELLANT = "office2"


def _annual_review_and_appeal(assessment_year, actor) -> None:
    """The other unit's office officer asks for a review of last year's grade, then appeals; both upheld."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=APPELLANT).first()
    own = AnnualResult.objects.filter(assessment_year=assessment_year, person__user=user, status="final").first()
    if user is None or own is None or own.appeals.exists() or own.notified_on is None:
        return
    asked = own.notified_on + datetime.timedelta(days=10)
    review = year_services.annual_review_request(
        result=own, reason="全年四个季度中有两个季度为“好”等次，申请复核年度等次。", by=user, on=asked
    )
    answered = asked + datetime.timedelta(days=14)
    year_services.annual_review_answer(
        appeal=review, answer="经单位党委复核，年度等次评定符合规定，维持原等次。", by=actor, on=answered
    )
    appeal = year_services.annual_appeal_request(
        result=own, reason="对复核决定不服，向区委组织部申诉。", by=user, on=answered + datetime.timedelta(days=7)
    )
    year_services.annual_appeal_decide(
        appeal=appeal,
        answer="经审理，该单位优秀等次按规定比例和排名确定，维持原等次。",
        by=actor,
        on=answered + datetime.timedelta(days=30),
    )
