"""The quarterly procedure (seed 002): 个人小结 → 评分与建议 → 领导审核 → 党委审定 → 公示/复核 → 核准 → 反馈.

Every act authorises, locks the row it changes, checks the step, changes it, and appends to the audit
trail, in one transaction. Refusals raise ``PermissionError`` (logged) or ``ValidationError`` (with a
message saying what to do) and change nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import GRADE_ORDER, FollowUp, Grade, QuarterlyResult, ReviewRequest, UnitYear, WorkRecord
from assessment.quarter.places import allocate, good_ratio, ledger_lock, section_places_from, unit_figures, unit_places
from assessment.quarter.selectors import confirmed_on
from audit.models import AuditEntry
from audit.services import plain
from audit.services import record as audit_record
from common.bulk import update_rows
from common.refusals import refusal
from periods.calendar import add_workdays
from periods.guards import ensure_open
from periods.models import AssessmentYear, Period
from periods.selectors import workday_exceptions
from scoring import services as scoring
from scoring.models import IndicatorTemplate, ScoreSheet
from units.models import Region, Section, Unit
from units.permissions import Action, scope_for

Status = QuarterlyResult.Status
Decision = QuarterlyResult.Decision


# Audit --------------------------------------------------------------------------------------------------


def audit(
    *,
    period: Period,
    by,
    action: str,
    unit: Unit | None = None,
    result: QuarterlyResult | None = None,
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    changes: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        period=period,
        unit=unit or (result.unit if result else None),
        result=result,
        person_id=result.person_id if result else None,
        actor=by if getattr(by, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        changes=changes or {},
    )


def change(obj, *, to: str | None, fields: dict[str, Any]) -> tuple[str, dict]:
    """Set ``fields`` (and the step ``to``) on a result with a ``status`` and a ``version``; return the step
    it was at and the before and after of every changed field, for its audit entry."""
    changes = {}
    for name, value in fields.items():
        before = getattr(obj, name)
        if before != value:
            changes[name] = [plain(before), plain(value)]
            setattr(obj, name, value)
    from_status = obj.status
    if to is not None and to != obj.status:
        changes["status"] = [obj.status, to]
        obj.status = to
    obj.version += 1
    return from_status, changes


def _stage(
    result: QuarterlyResult, *, by, action: str, to: str | None = None, comment: str = "", **fields
) -> AuditEntry:
    """Set ``fields`` (and the step) on ``result`` and return the unsaved audit entry with the before and
    after of every changed field."""
    from_status, changes = change(result, to=to, fields=fields)
    return AuditEntry(
        period_id=result.period_id,
        unit_id=result.unit_id,
        result=result,
        person_id=result.person_id,
        actor=by if getattr(by, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=result.status,
        comment=comment,
        changes=changes,
    )


# Everything but the identity of a result can change in an act.
_WRITABLE = [
    f.name
    for f in QuarterlyResult._meta.concrete_fields
    if not f.primary_key and f.name not in ("person", "period", "unit", "section", "sheet")
]


def _commit(results: list[QuarterlyResult], entries: list[AuditEntry]) -> None:
    update_rows(results, _WRITABLE)
    AuditEntry.objects.bulk_create(entries, batch_size=1000)


def _apply(
    result: QuarterlyResult, *, by, action: str, to: str | None = None, comment: str = "", **fields
) -> QuarterlyResult:
    """Set ``fields`` (and the step), save, and record the before and after of what changed."""
    entry = _stage(result, by=by, action=action, to=to, comment=comment, **fields)
    result.save()
    entry.save()
    return result


# Authorisation and locking ------------------------------------------------------------------------------


def _lock(result: QuarterlyResult, *, by, action: Action, what: str) -> QuarterlyResult:
    """The result, locked for this transaction, after checking the role and the recusal rule."""
    return _lock_many([result], by=by, action=action, what=what)[0]


def _lock_many(results: list[QuarterlyResult], *, by, action: Action, what: str) -> list[QuarterlyResult]:
    """Like _lock for several results at once, locked in primary-key order (no deadlock between two acts)."""
    locked = list(
        QuarterlyResult.objects.select_for_update(of=("self",))
        .filter(pk__in=[r.pk for r in results])
        .select_related("period__assessment_year", "person", "unit", "section", "sheet")
        .order_by("pk")
    )
    scope = scope_for(by, action)
    for result in locked:
        if not scope.covers_place(unit=result.unit, section=result.section):
            raise refusal(by, what, f"result={result.pk}", _("Your roles do not cover this person's result."))
        if result.person.user_id is not None and result.person.user_id == by.pk:
            raise refusal(by, what, f"result={result.pk} own", _("Nobody acts on their own result."))
        ensure_open(result.period)
    return locked


def _expect(result: QuarterlyResult, *steps: str) -> None:
    if result.status not in steps:
        raise ValidationError(
            _("This result is at the step “%(step)s”; that act belongs to another step.")
            % {"step": result.get_status_display()},
            code="out_of_order",
        )


def region_scope(by, region: Region, action: Action) -> bool:
    return scope_for(by, action).covers_region(region.pk)


# Years, periods, parameters -----------------------------------------------------------------------------


@transaction.atomic
def year_create(*, region: Region, year: int, by) -> AssessmentYear:
    """An assessment year with its four quarterly periods (drafts) and the default indicator templates."""
    if not region_scope(by, region, Action.SET_RATIOS):
        raise refusal(by, "year_create", f"region={region.pk}", _("You may not set up assessment years here."))
    assessment_year, _made = AssessmentYear.objects.get_or_create(region=region, year=year)
    for quarter in range(1, 5):
        period, made = Period.objects.get_or_create(assessment_year=assessment_year, quarter=quarter)
        if made:
            _default_deadlines(period)
            period.save()
    scoring.templates_install_defaults(year=year)
    audit(period=assessment_year.periods.get(quarter=1), by=by, action="year_create", comment=str(year))
    return assessment_year


def _default_deadlines(period: Period) -> None:
    """Steps due in the first days after the quarter; results submitted by day N of the next month."""
    end = period.end_date
    submit = datetime.date(end.year + (end.month == 12), end.month % 12 + 1, period.assessment_year.submit_day)
    period.summary_due = end
    period.section_due = end + datetime.timedelta(days=3)
    period.leader_due = end + datetime.timedelta(days=5)
    period.committee_due = end + datetime.timedelta(days=7)
    period.submit_by = submit


@transaction.atomic
def ratio_set(*, unit: Unit, assessment_year: AssessmentYear, good_ratio: Decimal, reason: str, by) -> UnitYear:
    """The unit's ratio of 好 for the year, with the reason recorded."""
    if not region_scope(by, unit.region, Action.SET_RATIOS):
        raise refusal(by, "ratio_set", f"unit={unit.pk}", _("You may not set ratios for %(unit)s.") % {"unit": unit})
    if not reason.strip():
        raise ValidationError({"reason": [_("Record the reason for the ratio.")]})
    if not Decimal(0) <= good_ratio <= Decimal(1):
        raise ValidationError({"good_ratio": [_("A ratio lies between 0 and 1 (e.g. 0.40 for 40%).")]})
    setting, made = UnitYear.objects.select_for_update().get_or_create(
        unit=unit, assessment_year=assessment_year, defaults={"good_ratio": good_ratio, "reason": reason, "set_by": by}
    )
    # A first setting replaces the year's default (None in the trail), not the value it was just created with.
    before = None if made else setting.good_ratio
    setting.good_ratio, setting.reason, setting.set_by = good_ratio, reason, by
    setting.save()
    audit(
        period=assessment_year.periods.order_by("quarter").first(),
        unit=unit,
        by=by,
        action="ratio_set",
        comment=reason,
        changes={"good_ratio": [str(before), str(good_ratio)]},
    )
    return setting


@transaction.atomic
def period_open(*, period: Period, by) -> Period:
    """The organisation department opens a period: self-summaries begin."""
    if not region_scope(by, period.assessment_year.region, Action.CONFIRM):
        raise refusal(by, "period_open", f"period={period.pk}", _("You may not open this period."))
    period = Period.objects.select_for_update().get(pk=period.pk)
    ensure_open(period)  # a closed period is reopened (period_reopen), not opened
    if period.status != Period.Status.DRAFT:
        raise ValidationError(_("Only a draft period can be opened."), code="out_of_order")
    period.status = Period.Status.OPEN
    period.save(update_fields=["status"])
    # The templates in force are frozen now: a later change makes a new version for later periods.
    frozen = []
    for template in IndicatorTemplate.objects.filter(year=period.year).order_by("category_id", "-version"):
        if template.category_id not in {t.category_id for t in frozen}:
            frozen.append(scoring.template_freeze(template=template))
    audit(
        period=period,
        by=by,
        action="period_open",
        from_status="draft",
        to_status="open",
        changes={"templates": [None, [str(t) for t in frozen]]},
    )
    return period


@transaction.atomic
def unit_start(*, period: Period, unit: Unit, by) -> int:
    """The office starts its unit's period: a score sheet and a result for everyone it assesses (the
    placements decide), the templates frozen. Safe to run again. The ledger rows are made when first
    needed; the allocation task and publication write the figures.

    Refused outright to anyone whose RUN_PERIOD does not cover the unit: starting makes a result for every
    person the unit assesses, which only the unit's own office (or the region above it) may decide."""
    if not scope_for(by, Action.RUN_PERIOD).covers_unit(unit):
        raise refusal(
            by, "unit_start", f"unit={unit.pk}", _("You may not start the period of %(unit)s.") % {"unit": unit}
        )
    # Two starts of the same unit at once (a double click, two officers) are serialised on the unit's row:
    # the second finds the first's sheets and starts nobody twice.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    period = Period.objects.select_related("assessment_year").get(pk=period.pk)
    ensure_open(period)
    if period.status != Period.Status.OPEN:
        raise ValidationError(_("The period is not open."), code="out_of_order")
    scoring.sheets_open(period=period, unit=unit, by=by)
    have = set(QuarterlyResult.objects.filter(period=period).values_list("sheet_id", flat=True))
    new = [
        QuarterlyResult(person_id=s.person_id, period=period, unit=unit, section_id=s.section_id, sheet=s)
        for s in ScoreSheet.objects.filter(period=period, unit=unit).exclude(pk__in=have)
    ]
    QuarterlyResult.objects.bulk_create(new, batch_size=1000)
    audit(period=period, unit=unit, by=by, action="unit_start", comment=str(len(new)))
    return len(new)


# The steps ----------------------------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


@transaction.atomic
def work_record_add(*, period: Period, on: datetime.date, content: str, by) -> WorkRecord:
    """A person keeps a record of their work during the quarter (工作纪实)."""
    person = getattr(by, "person", None)
    if person is None:
        raise refusal(by, "work_record_add", "", _("Only a person being assessed keeps work records."))
    ensure_open(period)
    if not period.start_date <= on <= period.end_date:
        raise ValidationError({"on": [_("The date lies outside the quarter.")]})
    if not content.strip():
        raise ValidationError({"content": [_("Write what was done.")]})
    record = WorkRecord.objects.create(person=person, period=period, on=on, content=content.strip())
    audit_record(
        action="work_record_add",
        by=by,
        obj=record,
        person=person,
        period=period,
        changes={"on": [None, str(on)], "content": [None, record.content]},
    )
    return record


@transaction.atomic
def summary_submit(*, result: QuarterlyResult, summary: str, by) -> QuarterlyResult:
    """The person writes their quarterly summary (个人小结) before the deadline."""
    if result.person.user_id is None or result.person.user_id != by.pk:
        raise refusal(by, "summary_submit", f"result={result.pk}", _("Only the person writes their own summary."))
    locked = QuarterlyResult.objects.select_for_update().select_related("period").get(pk=result.pk)
    ensure_open(locked.period)
    _expect(locked, Status.SUMMARY)
    if locked.period.summary_due and today() > locked.period.summary_due:
        raise ValidationError(
            _("Summaries were due by %(date)s; ask the assessment office.") % {"date": locked.period.summary_due},
            code="late",
        )
    if not summary.strip():
        raise ValidationError({"summary": [_("Write the summary.")]})
    return _apply(
        locked, by=by, action="summary_submit", to=Status.SCORING, summary=summary.strip(), summary_at=timezone.now()
    )


@transaction.atomic
def summaries_skip(*, results: list[QuarterlyResult], by, reason: str) -> int:
    """The office moves results on without a summary (after the deadline, or for people away), with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the summary is skipped.")]})
    locked = _lock_many(results, by=by, action=Action.RUN_PERIOD, what="summary_skip")
    entries = []
    for result in locked:
        _expect(result, Status.SUMMARY)
        entries.append(_stage(result, by=by, action="summary_skip", to=Status.SCORING, comment=reason))
    _commit(locked, entries)
    return len(locked)


def summary_skip(*, result: QuarterlyResult, by, reason: str) -> QuarterlyResult:
    summaries_skip(results=[result], by=by, reason=reason)
    return QuarterlyResult.objects.get(pk=result.pk)


def _grade_rank(grade: str) -> int:
    return GRADE_ORDER.index(grade)


def _check_grade(result: QuarterlyResult, grade: str, *, needs_place: bool) -> None:
    """A grade may be lower than the score allows, never higher; below the threshold it must be 较差."""
    sheet = result.sheet
    if not sheet.is_complete:
        raise ValidationError(_("The score sheet is not complete yet."), code="incomplete")
    if grade not in Grade.values:
        raise ValidationError({"grade": [_("Choose one of 好, 较好, 一般, 较差.")]})
    if _grade_rank(grade) < _grade_rank(sheet.eligible_grade):
        raise ValidationError(
            {
                "grade": [
                    _("The score %(total)s allows at best %(grade)s.")
                    % {"total": sheet.total, "grade": sheet.eligible_grade}
                ]
            }
        )
    if sheet.eligible_grade == Grade.POOR and grade != Grade.POOR:
        raise ValidationError({"grade": [_("Below the threshold the grade must be 较差.")]})
    if grade == Grade.GOOD and not needs_place:
        raise ValidationError({"grade": [_("好 needs a place: nominate the person.")]})


@dataclass(frozen=True)
class Proposal:
    result: QuarterlyResult
    grade: str
    comment: str
    nominate: bool = False


@transaction.atomic
def proposals_submit(*, proposals: list[Proposal], by) -> int:
    """The section head proposes grades, writes the 评鉴 comments and nominates for 好 within the section's
    places: all the proposals or none."""
    locked = {
        r.pk: r for r in _lock_many([p.result for p in proposals], by=by, action=Action.PROPOSE, what="result_propose")
    }
    if len({r.unit_id for r in locked.values()}) > 1:
        raise ValidationError(_("Propose for one unit at a time."), code="several_units")
    nominations: dict[int, int] = {}
    entries = []
    for proposal in proposals:
        result = locked[proposal.result.pk]
        _expect(result, Status.SCORING)
        if not proposal.comment.strip():
            raise ValidationError({"comment": [_("Write the review comment (评鉴).")]})
        if proposal.nominate and proposal.grade != Grade.GOOD:
            raise ValidationError({"grade": [_("A nomination proposes 好.")]})
        _check_grade(result, proposal.grade, needs_place=proposal.nominate)
        if proposal.nominate:
            if result.section_id is None:
                raise ValidationError(
                    _("People outside the sections are picked by the committee against the unit's places."),
                    code="no_section",
                )
            nominations[result.section_id] = nominations.get(result.section_id, 0) + 1
        entries.append(
            _stage(
                result,
                by=by,
                action="result_propose",
                to=Status.LEADER_REVIEW,
                comment=proposal.comment,
                proposed_grade=proposal.grade,
                nominated=proposal.nominate,
                section_comment=proposal.comment.strip(),
                proposed_by=by,
            )
        )
    if nominations:
        sample = next(iter(locked.values()))
        period, unit = sample.period, sample.unit
        # The sections' ledger rows are the locks (taken in a fixed order): two nominations racing for the
        # last place of a section are serialised, and the second sees the first.
        for section_id in sorted(nominations):
            ledger_lock(period, unit, Section(pk=section_id, unit=unit))
        figures = unit_figures(period, unit)
        ratio = good_ratio(period, unit)
        for section_id, asked in sorted(nominations.items()):
            places = section_places_from(period, figures, section_id, ratio)
            if asked > places.left:
                raise ValidationError(
                    _("The section has %(places)s places of 好 this quarter and %(used)s are nominated: none is left.")
                    % {"places": places.places, "used": places.used}
                    if places.left == 0
                    else _("The section has %(left)s places of 好 left this quarter, not %(asked)s.")
                    % {"left": places.left, "asked": asked},
                    code="no_place",
                )
    _commit(list(locked.values()), entries)
    return len(entries)


def result_propose(*, result: QuarterlyResult, grade: str, comment: str, by, nominate: bool = False) -> QuarterlyResult:
    proposals_submit(proposals=[Proposal(result=result, grade=grade, comment=comment, nominate=nominate)], by=by)
    return QuarterlyResult.objects.get(pk=result.pk)


@transaction.atomic
def results_review_bulk(*, results: list[QuarterlyResult], by, comment: str = "") -> int:
    """A leader approves proposals, one or many at once: all or none; they go to the committee."""
    locked = _lock_many(results, by=by, action=Action.REVIEW, what="result_review")
    entries = []
    for result in locked:
        _expect(result, Status.LEADER_REVIEW)
        entries.append(
            _stage(
                result,
                by=by,
                action="result_review",
                to=Status.COMMITTEE,
                comment=comment,
                leader_comment=comment.strip(),
                reviewed_by=by,
            )
        )
    _commit(locked, entries)
    return len(locked)


def result_review(*, result: QuarterlyResult, by, comment: str = "") -> QuarterlyResult:
    results_review_bulk(results=[result], by=by, comment=comment)
    return QuarterlyResult.objects.get(pk=result.pk)


_RETURN_TO = {
    Status.SCORING: (Status.SUMMARY, Action.PROPOSE),
    Status.LEADER_REVIEW: (Status.SCORING, Action.REVIEW),
    Status.COMMITTEE: (Status.LEADER_REVIEW, Action.DECIDE),
    Status.DECIDED: (Status.COMMITTEE, Action.DECIDE),
}


@transaction.atomic
def result_return(*, result: QuarterlyResult, by, reason: str) -> QuarterlyResult:
    """Send a result back one step for correction, with the reason. Undoes the step's nomination or decision."""
    if not any(
        scope_for(by, action).covers_place(unit=result.unit, section=result.section)
        for _to, action in _RETURN_TO.values()
    ):
        raise refusal(by, "result_return", f"result={result.pk}", _("Your roles do not cover this person's result."))
    current = QuarterlyResult.objects.values_list("status", flat=True).get(pk=result.pk)
    if current not in _RETURN_TO:
        raise ValidationError(_("A result at this step cannot be sent back."), code="out_of_order")
    back_to, action = _RETURN_TO[current]
    locked = _lock(result, by=by, action=action, what="result_return")
    if locked.status != current:
        raise ValidationError(_("The result moved on meanwhile; reload it."), code="out_of_order")
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the result is sent back.")]})
    fields: dict[str, Any] = {}
    if back_to == Status.SCORING:
        fields = {"nominated": False, "proposed_grade": ""}
    if back_to in (Status.COMMITTEE, Status.LEADER_REVIEW):
        fields = {"decision": "", "final_grade": ""}
    return _apply(locked, by=by, action="result_return", to=back_to, comment=reason, **fields)


@dataclass(frozen=True)
class Verdict:
    result: QuarterlyResult
    grade: str
    comment: str = ""


@transaction.atomic
def decisions_record(*, verdicts: list[Verdict], by) -> int:
    """The committee decides final grades, one or a whole meeting's at once: all or none.

    For a nomination, 好 approves it and anything else rejects it (the place stays used by the section).
    好 for someone not nominated is the committee's own pick. Every 好 takes one of the unit's places,
    and the unit's total must hold on its own.
    """
    locked = {
        r.pk: r for r in _lock_many([v.result for v in verdicts], by=by, action=Action.DECIDE, what="committee_decide")
    }
    goods: dict[int, int] = {}
    entries = []
    for verdict in verdicts:
        result = locked[verdict.result.pk]
        _expect(result, Status.COMMITTEE)
        _check_grade(result, verdict.grade, needs_place=True)
        if result.sheet.vetoed and verdict.grade == Grade.GOOD:
            raise ValidationError({"grade": [_("A veto item (一票否优) bars 好.")]})
        if verdict.grade == Grade.GOOD:
            goods[result.unit_id] = goods.get(result.unit_id, 0) + 1
        if result.nominated:
            decision = Decision.APPROVED if verdict.grade == Grade.GOOD else Decision.REJECTED
        else:
            decision = Decision.PICKED if verdict.grade == Grade.GOOD else Decision.NONE
        entries.append(
            _stage(
                result,
                by=by,
                action="committee_decide",
                to=Status.DECIDED,
                comment=verdict.comment,
                final_grade=verdict.grade,
                decision=decision,
                decided_by=by,
            )
        )
    for unit_id in sorted(goods):
        sample = next(r for r in locked.values() if r.unit_id == unit_id)
        ledger_lock(sample.period, sample.unit, None)  # the unit's lock: two picks cannot take one last place
        places = unit_places(sample.period, sample.unit)
        if goods[unit_id] > places.left:
            raise ValidationError(
                _("The unit has %(places)s places of 好 this quarter and all are given.") % {"places": places.places}
                if places.left == 0
                else _("The unit has %(left)s places of 好 left this quarter, not %(asked)s.")
                % {"left": places.left, "asked": goods[unit_id]},
                code="no_place",
            )
    _commit(list(locked.values()), entries)
    return len(entries)


def committee_decide(*, result: QuarterlyResult, grade: str, by, comment: str = "") -> QuarterlyResult:
    decisions_record(verdicts=[Verdict(result=result, grade=grade, comment=comment)], by=by)
    return QuarterlyResult.objects.get(pk=result.pk)


@transaction.atomic
def unit_publish(*, period: Period, unit: Unit, by, on: datetime.date | None = None) -> int:
    """The office publishes the unit's decided results for ``publicity_days`` working days (公示).

    ``on`` dates an act taken earlier (history brought in from an older system); it defaults to today.
    """
    if not scope_for(by, Action.RUN_PERIOD).covers_unit(unit):
        raise refusal(
            by, "unit_publish", f"unit={unit.pk}", _("You may not publish results of %(unit)s.") % {"unit": unit}
        )
    ensure_open(period)
    results = list(QuarterlyResult.objects.select_for_update().filter(period=period, unit=unit).order_by("pk"))
    waiting = [r for r in results if r.status != Status.DECIDED]
    if not results or waiting:
        raise ValidationError(
            _("%(n)s results of the unit are not decided yet; publish when all are.") % {"n": len(waiting)},
            code="out_of_order",
        )
    ends = add_workdays(on or today(), period.assessment_year.publicity_days, workday_exceptions())
    _move_unit(results, by=by, action="unit_publish", to=Status.PUBLICITY, publicity_ends=ends)
    allocate(period=period, unit=unit)
    return len(results)


@transaction.atomic
def review_request(*, result: QuarterlyResult, reason: str, by) -> ReviewRequest:
    """During publicity a person asks for a review (复核) of their own result."""
    if result.person.user_id is None or result.person.user_id != by.pk:
        raise refusal(
            by, "review_request", f"result={result.pk}", _("Only the person asks for a review of their result.")
        )
    # The result's row only: the period is read for the guard, not locked (every request of the period would queue).
    locked = QuarterlyResult.objects.select_for_update(of=("self",)).select_related("period").get(pk=result.pk)
    ensure_open(locked.period)
    _expect(locked, Status.PUBLICITY)
    if locked.publicity_ends is None or today() > locked.publicity_ends:
        raise ValidationError(
            _("Publicity ended on %(date)s; a review can no longer be asked for.") % {"date": locked.publicity_ends},
            code="window_closed",
        )
    if not reason.strip():
        raise ValidationError({"reason": [_("Say what should be reviewed and why.")]})
    if locked.review_requests.filter(answered_at__isnull=True).exists():
        raise ValidationError(_("A review request is already waiting for its answer."), code="pending")
    request = ReviewRequest.objects.create(result=locked, reason=reason.strip(), grade_before=locked.final_grade)
    audit(period=locked.period, result=locked, by=by, action="review_request", comment=reason)
    return request


@transaction.atomic
def review_answer(*, request: ReviewRequest, answer: str, by, grade: str | None = None) -> ReviewRequest:
    """The office answers a review request; a changed grade is recorded with its reason and goes through
    the same checks and places as a committee decision."""
    request = ReviewRequest.objects.select_for_update().get(pk=request.pk)
    locked = _lock(request.result, by=by, action=Action.RUN_PERIOD, what="review_answer")
    _expect(locked, Status.PUBLICITY)
    if not request.is_open:
        raise ValidationError(_("This request has been answered."), code="answered")
    if not answer.strip():
        raise ValidationError({"answer": [_("Write the answer.")]})
    new_grade = grade or locked.final_grade
    if new_grade != locked.final_grade:
        _check_grade(locked, new_grade, needs_place=True)
        if new_grade == Grade.GOOD:
            ledger_lock(locked.period, locked.unit, None)
            if unit_places(locked.period, locked.unit).left <= 0:
                raise ValidationError(_("The unit has no place of 好 left this quarter."), code="no_place")
        decision = locked.decision
        if new_grade == Grade.GOOD and not locked.nominated:
            decision = Decision.PICKED
        elif new_grade != Grade.GOOD and decision in (Decision.PICKED, Decision.APPROVED):
            decision = Decision.REJECTED if locked.nominated else Decision.NONE
        _apply(locked, by=by, action="review_change", comment=answer, final_grade=new_grade, decision=decision)
        allocate(period=locked.period, unit=locked.unit)
    request.answer, request.answered_by, request.answered_at = answer.strip(), by, timezone.now()
    request.grade_after = new_grade
    request.save()
    audit(period=locked.period, result=locked, by=by, action="review_answer", comment=answer)
    return request


@transaction.atomic
def unit_report(*, period: Period, unit: Unit, by, on: datetime.date | None = None) -> int:
    """After publicity the office reports the unit's results to the organisation department."""
    if not scope_for(by, Action.RUN_PERIOD).covers_unit(unit):
        raise refusal(
            by, "unit_report", f"unit={unit.pk}", _("You may not report results of %(unit)s.") % {"unit": unit}
        )
    ensure_open(period)
    results = list(QuarterlyResult.objects.select_for_update().filter(period=period, unit=unit).order_by("pk"))
    if not results or any(r.status != Status.PUBLICITY for r in results):
        raise ValidationError(_("Report the unit's results after they are all published."), code="out_of_order")
    if any(r.publicity_ends and (on or today()) <= r.publicity_ends for r in results):
        raise ValidationError(
            _("Publicity lasts until %(date)s.") % {"date": max(r.publicity_ends for r in results)}, code="publicity"
        )
    if ReviewRequest.objects.filter(result__in=results, answered_at__isnull=True).exists():
        raise ValidationError(_("Answer the open review requests first."), code="pending")
    return _move_unit(results, by=by, action="unit_report", to=Status.CONFIRMATION)


def _move_unit(results: list[QuarterlyResult], *, by, action: str, to: str, comment: str = "", **fields) -> int:
    _commit(results, [_stage(r, by=by, action=action, to=to, comment=comment, **fields) for r in results])
    return len(results)


def _refuse_own(results: list[QuarterlyResult], by, what: str, unit: Unit) -> None:
    """核准 and sending back decide every result of the unit: nobody decides a unit that holds their own."""
    if any(r.person.user_id is not None and r.person.user_id == by.pk for r in results):
        raise refusal(
            by,
            what,
            f"unit={unit.pk} own",
            _("Your own result is among those of %(unit)s: another officer of the organisation department acts on it.")
            % {"unit": unit},
        )


@transaction.atomic
def unit_confirm(*, period: Period, unit: Unit, by, on: datetime.date | None = None) -> int:
    """The organisation department confirms (核准) the unit's results; follow-ups are created."""
    if not region_scope(by, unit.region, Action.CONFIRM):
        raise refusal(
            by, "unit_confirm", f"unit={unit.pk}", _("You may not confirm results of %(unit)s.") % {"unit": unit}
        )
    ensure_open(period)
    results = list(
        QuarterlyResult.objects.select_for_update()
        .filter(period=period, unit=unit)
        .select_related("person")
        .order_by("pk")
    )
    if not results or any(r.status != Status.CONFIRMATION for r in results):
        raise ValidationError(_("The unit has not reported its results yet."), code="out_of_order")
    _refuse_own(results, by, "unit_confirm", unit)
    moved = _move_unit(results, by=by, action="unit_confirm", to=Status.FINAL)
    due = (on or today()) + datetime.timedelta(days=period.assessment_year.follow_up_days)
    follow_ups = [
        FollowUp(
            person=r.person,
            result=r,
            due_on=due,
            kind=FollowUp.Kind.REMINDER_TALK if r.final_grade == Grade.ORDINARY else FollowUp.Kind.CRITICISM,
        )
        for r in results
        if r.final_grade in (Grade.ORDINARY, Grade.POOR)
    ]
    FollowUp.objects.bulk_create(follow_ups, ignore_conflicts=True)
    return moved


@transaction.atomic
def unit_send_back(*, period: Period, unit: Unit, by, reason: str) -> int:
    """The organisation department sends the unit's results back to its committee, with the reason."""
    if not region_scope(by, unit.region, Action.CONFIRM):
        raise refusal(
            by, "unit_send_back", f"unit={unit.pk}", _("You may not send back results of %(unit)s.") % {"unit": unit}
        )
    ensure_open(period)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the results are sent back.")]})
    results = list(
        QuarterlyResult.objects.select_for_update()
        .filter(period=period, unit=unit)
        .select_related("person")
        .order_by("pk")
    )
    if not results or any(r.status != Status.CONFIRMATION for r in results):
        raise ValidationError(_("Only reported results can be sent back."), code="out_of_order")
    _refuse_own(results, by, "unit_send_back", unit)
    return _move_unit(results, by=by, action="unit_send_back", to=Status.COMMITTEE, comment=reason)


def _region_units(period: Period, units: list[Unit], *, by, what: str) -> list[Unit]:
    """The units of a bulk act of the organisation department, in primary-key order (the per-unit services
    lock each unit's results in turn; one order keeps two officers' bulk acts from deadlocking), after
    checking that each lies in the period's region: a unit of another region has no results here."""
    ensure_open(period)
    if not units:
        raise ValidationError(_("Tick at least one unit."), code="empty")
    region_id = period.assessment_year.region_id
    for unit in units:
        if unit.region_id != region_id:
            raise refusal(
                by,
                what,
                f"unit={unit.pk} period={period.pk}",
                _("%(unit)s is not in this period's region.") % {"unit": unit},
            )
    return sorted(set(units), key=lambda u: u.pk)


@transaction.atomic
def units_confirm(*, period: Period, units: list[Unit], by) -> int:
    """The organisation department confirms (核准) several units' reported results at once: all or none, so a
    unit refused part-way leaves every unit as it was. Returns the number of results made final."""
    return sum(
        unit_confirm(period=period, unit=unit, by=by)
        for unit in _region_units(period, units, by=by, what="units_confirm")
    )


@transaction.atomic
def units_send_back(*, period: Period, units: list[Unit], by, reason: str) -> int:
    """The organisation department sends several units' reported results back to their committees with one
    reason: all or none. Returns the number of results sent back."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the results are sent back.")]})
    return sum(
        unit_send_back(period=period, unit=unit, by=by, reason=reason)
        for unit in _region_units(period, units, by=by, what="units_send_back")
    )


@transaction.atomic
def feedback_record_bulk(*, results: list[QuarterlyResult], method: str, on: datetime.date, by) -> int:
    """The office records how the people were told of their final result (反馈: a meeting, a talk or a
    written notice), on one day, for all of ``results`` or none.

    A meeting tells a whole unit at once, so the office records it for everyone in one act; the rows are
    locked in primary-key order (two officers recording at once cannot interleave) and written in a bounded
    number of statements. The day lies between the confirmation (核准) of the results, since nobody is told a
    result before it is final, and today.
    """
    if not results:
        raise ValidationError(_("Tick the people who were told."), code="empty")
    locked = _lock_many(results, by=by, action=Action.RUN_PERIOD, what="feedback_record")
    for result in locked:
        _expect(result, Status.FINAL)
    if method not in QuarterlyResult.Feedback.values:
        raise ValidationError({"method": [_("Choose a meeting, a talk or a written notice.")]})
    if on > today():
        raise ValidationError({"on": [_("Feedback cannot be dated in the future.")]})
    confirmed = confirmed_on(result_ids=[r.pk for r in locked])
    if confirmed is not None and on < confirmed:
        message = _("The results were confirmed on %(date)s; feedback cannot be dated earlier.") % {"date": confirmed}
        raise ValidationError({"on": [message]})
    entries = [_stage(r, by=by, action="feedback_record", feedback_method=method, feedback_on=on) for r in locked]
    _commit(locked, entries)
    return len(locked)


def feedback_record(*, result: QuarterlyResult, method: str, on: datetime.date, by) -> QuarterlyResult:
    """The office records how one person was told (the one-person case of feedback_record_bulk)."""
    feedback_record_bulk(results=[result], method=method, on=on, by=by)
    return QuarterlyResult.objects.get(pk=result.pk)


@transaction.atomic
def opinion_record(*, result: QuarterlyResult, opinion: str, by) -> QuarterlyResult:
    """The person records their own opinion on the final result."""
    if result.person.user_id is None or result.person.user_id != by.pk:
        raise refusal(by, "opinion_record", f"result={result.pk}", _("Only the person records their own opinion."))
    locked = QuarterlyResult.objects.select_for_update().select_related("period").get(pk=result.pk)
    ensure_open(locked.period)
    _expect(locked, Status.FINAL)
    return _apply(locked, by=by, action="opinion_record", opinion=opinion.strip())


@transaction.atomic
def period_close(*, period: Period, by) -> Period:
    """Close a period once every result in it is final: it becomes read-only."""
    if not region_scope(by, period.assessment_year.region, Action.CONFIRM):
        raise refusal(by, "period_close", f"period={period.pk}", _("You may not close this period."))
    period = Period.objects.select_for_update().get(pk=period.pk)
    ensure_open(period)  # closed once: closing again would write a second close into the trail
    waiting = period.results.exclude(status=Status.FINAL).count()
    if waiting:
        raise ValidationError(
            _("%(n)s results are not final yet; the period cannot close.") % {"n": waiting}, code="out_of_order"
        )
    period.status = Period.Status.CLOSED
    period.save(update_fields=["status"])
    audit(period=period, by=by, action="period_close", from_status="open", to_status="closed")
    return period


@transaction.atomic
def period_reopen(*, period: Period, by, reason: str) -> Period:
    """Reopening a closed period is an audited act of the organisation department."""
    if not region_scope(by, period.assessment_year.region, Action.CONFIRM):
        raise refusal(by, "period_reopen", f"period={period.pk}", _("You may not reopen this period."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the period is reopened.")]})
    period = Period.objects.select_for_update().get(pk=period.pk)
    if not period.is_closed:
        raise ValidationError(_("The period is not closed."), code="out_of_order")
    period.status = Period.Status.OPEN
    period.save(update_fields=["status"])
    audit(period=period, by=by, action="period_reopen", from_status="closed", to_status="open", comment=reason)
    return period
