"""The annual assessment (年度考核, domain.md §6): roll the closed quarters up, then 领导提名 → 党委审定 →
公示 → 组织部门核准 → 书面通知, then 复核 and 申诉.

Like the quarterly services, every act authorises, locks what it changes, checks the step, changes it and
appends to the audit trail in one transaction; refusals raise ``PermissionError`` (logged) or
``ValidationError`` (saying what to do) and change nothing. The rules themselves are in ``assessment.annual``.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessment import annual
from assessment.models import (
    AnnualAppeal,
    AnnualGrade,
    AnnualInput,
    AnnualLedger,
    AnnualResult,
    ExcellentRatio,
    GradeHistory,
    Notification,
    Performance,
    QuarterlyResult,
    Sanction,
    SanctionType,
)
from assessment.notify import notify
from assessment.quarter.services import change, region_scope, today
from audit.models import AuditEntry
from audit.services import plain
from common.bulk import update_rows
from common.refusals import refusal
from periods.calendar import add_workdays
from periods.models import AssessmentYear, Period
from periods.selectors import workday_exceptions
from scoring.rules import round2
from units.models import Person, Unit
from units.permissions import Action, can_on_person, scope_for

Case = AnnualResult.Case
Status = AnnualResult.Status
Kind = AnnualAppeal.Kind

# What a roll-up computes; everything else on a result belongs to the chain.
ROLLED = (
    "unit_id",
    "section_id",
    "case",
    "case_reason",
    "quarter_grades",
    "quarters",
    "goods",
    "average_quarterly",
    "special_score",
    "review_score",
    "annual_score",
    "suggested_grade",
    "ceiling",
    "excellent_eligible",
    "excellent_barred",
)
_WRITABLE = [
    f.attname
    for f in AnnualResult._meta.concrete_fields
    if not f.primary_key and f.name not in ("person", "assessment_year")
]


def _stage(result: AnnualResult, *, by, action: str, to: str | None = None, comment: str = "", **fields) -> AuditEntry:
    from_status, changes = change(result, to=to, fields=fields)
    return AuditEntry(
        assessment_year_id=result.assessment_year_id,
        unit_id=result.unit_id,
        annual=result,
        person_id=result.person_id,
        actor=by if getattr(by, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=result.status,
        comment=comment,
        changes=changes,
    )


def _commit(results: list[AnnualResult], entries: list[AuditEntry]) -> None:
    update_rows(results, _WRITABLE)
    AuditEntry.objects.bulk_create(entries, batch_size=1000)


def _audit(*, assessment_year: AssessmentYear, by, action: str, unit: Unit | None = None, comment: str = "", **kw):
    return AuditEntry.objects.create(
        assessment_year=assessment_year,
        unit=unit,
        actor=by if getattr(by, "pk", None) else None,
        action=action,
        comment=comment,
        **kw,
    )


def _expect(result: AnnualResult, *steps: str) -> None:
    if result.status not in steps:
        raise ValidationError(
            _("This annual result is at the step “%(step)s”; that act belongs to another step.")
            % {"step": result.get_status_display()},
            code="out_of_order",
        )


def _lock_many(results: list[AnnualResult], *, by, action: Action, what: str) -> list[AnnualResult]:
    """The results, locked in primary-key order, after checking the role and the recusal rule."""
    locked = list(
        AnnualResult.objects.select_for_update(of=("self",))
        .filter(pk__in=[r.pk for r in results])
        .select_related("assessment_year", "person", "unit", "section")
        .order_by("pk")
    )
    scope = scope_for(by, action)
    for result in locked:
        if not scope.covers_place(unit=result.unit, section=result.section):
            raise refusal(by, what, f"annual={result.pk}", _("Your roles do not cover this person's result."))
        if result.person.user_id is not None and result.person.user_id == by.pk:
            raise refusal(by, what, f"annual={result.pk} own", _("Nobody acts on their own result."))
    return locked


def _may_run(by, unit: Unit) -> bool:
    """The unit's office, or the organisation department over its region."""
    return scope_for(by, Action.RUN_PERIOD).covers_unit(unit) or region_scope(by, unit.region, Action.CONFIRM)


# Parameters and inputs ----------------------------------------------------------------------------------


def excellent_ratio(unit: Unit, assessment_year: AssessmentYear) -> Decimal:
    setting = ExcellentRatio.objects.filter(unit=unit, assessment_year=assessment_year).first()
    return setting.ratio if setting else assessment_year.default_excellent_ratio


@transaction.atomic
def excellent_ratio_set(
    *,
    unit: Unit,
    assessment_year: AssessmentYear,
    performance: str,
    reason: str,
    by,
    ratio: Decimal | None = None,
) -> ExcellentRatio:
    """The organisation department sets a unit's ratio of 优秀 from its organisational performance; without
    an explicit ratio, the year's ratio for that performance applies. The ratio must lie in the year's band."""
    if not region_scope(by, unit.region, Action.SET_RATIOS):
        raise refusal(
            by, "excellent_ratio_set", f"unit={unit.pk}", _("You may not set ratios for %(unit)s.") % {"unit": unit}
        )
    if performance not in Performance.values:
        raise ValidationError({"performance": [_("Choose the unit's organisational performance rating.")]})
    if not reason.strip():
        raise ValidationError({"reason": [_("Record the reason for the ratio.")]})
    if ratio is None:
        ratio = Decimal(assessment_year.performance_ratios.get(performance, assessment_year.default_excellent_ratio))
    low, high = assessment_year.excellent_ratio_min, assessment_year.excellent_ratio_max
    if not annual.ratio_in_band(ratio, low=low, high=high):
        raise ValidationError(
            {
                "ratio": [
                    _("The ratio of 优秀 must lie between %(low)s%% and %(high)s%%.")
                    % {"low": _percent(low), "high": _percent(high)}
                ]
            },
            code="out_of_band",
        )
    _ledger_lock(unit, assessment_year)
    graded = _graded_count(unit, assessment_year)
    places = annual.excellent_places(ratio=ratio, graded=graded)
    results = AnnualResult.objects.filter(assessment_year=assessment_year, unit=unit)
    used = _taken(results)
    if graded and places < used:
        raise ValidationError(
            _("%(used)s people are already proposed or decided as 优秀; this ratio gives %(places)s places.")
            % {"used": used, "places": places},
            code="no_place",
        )
    setting = ExcellentRatio.objects.filter(unit=unit, assessment_year=assessment_year).first()
    before = str(setting.ratio) if setting else None
    setting = setting or ExcellentRatio(unit=unit, assessment_year=assessment_year)
    setting.performance, setting.ratio, setting.reason, setting.set_by = performance, ratio, reason.strip(), by
    setting.save()
    _audit(
        assessment_year=assessment_year,
        unit=unit,
        by=by,
        action="excellent_ratio_set",
        comment=reason.strip(),
        changes={"excellent_ratio": [before, str(ratio)], "performance": [None, performance]},
    )
    ledger_refresh(unit=unit, assessment_year=assessment_year)
    return setting


@dataclass(frozen=True)
class RatioChange:
    """One row of the organisation department's ratio page: the unit's organisational performance, the
    reason, and a ratio of its own (None: the year's ratio for that performance)."""

    unit: Unit
    performance: str
    reason: str
    ratio: Decimal | None = None


@transaction.atomic
def excellent_ratios_set(*, assessment_year: AssessmentYear, changes: list[RatioChange], by) -> int:
    """Set the ratios of 优秀 of several units of the year's region at once: all or nothing. Each row passes
    ``excellent_ratio_set``; every row refused is named (keyed by the unit's pk) and nothing is saved.
    Units are set in primary-key order, so two officers' pages lock the ledgers in one order."""
    if not changes:
        raise ValidationError(_("Change at least one unit's row."), code="empty")
    for row in changes:
        if row.unit.region_id != assessment_year.region_id:
            raise refusal(
                by,
                "excellent_ratios_set",
                f"unit={row.unit.pk} year={assessment_year.pk}",
                _("%(unit)s is not in this year's region.") % {"unit": row.unit},
            )
    problems: dict[str, list[str]] = {}
    for row in sorted(changes, key=lambda c: c.unit.pk):
        try:
            excellent_ratio_set(
                unit=row.unit,
                assessment_year=assessment_year,
                performance=row.performance,
                reason=row.reason,
                ratio=row.ratio,
                by=by,
            )
        except ValidationError as exc:  # its savepoint is rolled back; the others are still checked
            problems[str(row.unit.pk)] = exc.messages
    if problems:
        raise ValidationError(problems, code="refused")
    return len(changes)


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}"


def _not_final(person: Person, assessment_year: AssessmentYear) -> None:
    if AnnualResult.objects.filter(person=person, assessment_year=assessment_year, status=Status.FINAL).exists():
        raise ValidationError(
            _("The annual result of %(name)s is final; ask for a review instead.") % {"name": person.name},
            code="final",
        )


def _score(value: Decimal | None, name: str) -> Decimal | None:
    if value is not None and not Decimal(0) <= value <= Decimal(100):
        raise ValidationError({name: [_("A score lies between 0 and 100.")]}, code="out_of_range")
    return value


@transaction.atomic
def annual_input_set(
    *,
    person: Person,
    assessment_year: AssessmentYear,
    by,
    special_score: Decimal | None = None,
    review_score: Decimal | None = None,
    leave_days: int = 0,
    probation: bool = False,
    under_investigation: bool = False,
    note: str = "",
) -> AnnualInput:
    """The office enters what the annual rules need beyond the quarters for one person."""
    if not can_on_person(by, Action.RUN_PERIOD, person) or person.unit.region_id != assessment_year.region_id:
        raise refusal(by, "annual_input_set", f"person={person.pk}", _("Your roles do not cover this person."))
    _not_final(person, assessment_year)
    days = calendar.isleap(assessment_year.year) + 365
    if not 0 <= leave_days <= days:
        raise ValidationError({"leave_days": [_("Days of leave lie between 0 and %(days)s.") % {"days": days}]})
    values = {
        "special_score": _score(special_score, "special_score"),
        "review_score": _score(review_score, "review_score"),
        "leave_days": leave_days,
        "probation": probation,
        "under_investigation": under_investigation,
        "note": note.strip(),
        "updated_by": by,
    }
    before = AnnualInput.objects.select_for_update().filter(person=person, assessment_year=assessment_year).first()
    found, _made = AnnualInput.objects.update_or_create(person=person, assessment_year=assessment_year, defaults=values)
    _audit(
        assessment_year=assessment_year,
        unit=person.unit,
        by=by,
        action="annual_input_set",
        comment=person.name,
        changes={
            name: [plain(getattr(before, name, None)), plain(value)]
            for name, value in values.items()
            if name != "updated_by" and getattr(before, name, None) != value
        },
    )
    return found


@transaction.atomic
def sanction_record(
    *, person: Person, kind: SanctionType, starts_on: datetime.date, ends_on: datetime.date, reason: str, by
) -> Sanction:
    """The office records a sanction and its period; the annual rules read it through the sanction table."""
    if not can_on_person(by, Action.RUN_PERIOD, person):
        raise refusal(by, "sanction_record", f"person={person.pk}", _("Your roles do not cover this person."))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The sanction ends before it starts.")]})
    if not reason.strip():
        raise ValidationError({"reason": [_("Record the decision and the reason.")]})
    sanction = Sanction.objects.create(
        person=person, kind=kind, starts_on=starts_on, ends_on=ends_on, reason=reason.strip(), recorded_by=by
    )
    years = AssessmentYear.objects.filter(
        region_id=person.unit.region_id, year__gte=starts_on.year, year__lte=ends_on.year
    ).order_by("year")
    for assessment_year in years:
        _audit(
            assessment_year=assessment_year,
            unit=person.unit,
            by=by,
            action="sanction_record",
            comment=f"{person.name} {kind.name} {starts_on}–{ends_on} {sanction.reason}",
        )
    return sanction


def _sanction_years(sanction: Sanction) -> tuple[int, int]:
    """The calendar years a sanction bears on: those its period overlaps (one that bars 优秀 acts in the first)."""
    return sanction.starts_on.year, sanction.ends_on.year


@transaction.atomic
def sanction_withdraw(*, sanction: Sanction, by, reason: str) -> None:
    """The office withdraws a sanction recorded in error (误录), saying why, while no annual result it bears on
    is final; the audit trail keeps what the sanction said. A correction is a withdrawal and a new record.
    The open results follow at the unit's next roll-up (the sanctions are part of their fingerprint)."""
    person = sanction.person
    if not can_on_person(by, Action.RUN_PERIOD, person):
        raise refusal(by, "sanction_withdraw", f"sanction={sanction.pk}", _("Your roles do not cover this person."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the sanction is withdrawn.")]})
    locked = Sanction.objects.select_for_update().select_related("kind", "recorded_by").filter(pk=sanction.pk).first()
    if locked is None:
        raise ValidationError(_("This sanction has already been withdrawn."), code="stale")
    first, last = _sanction_years(locked)
    # The person's results of those years are locked too: a confirmation (核准) racing this withdrawal either
    # waits and confirms a result that the next roll-up corrects, or makes it final first and is seen here.
    results = list(
        AnnualResult.objects.select_for_update(of=("self",))
        .filter(person_id=person.pk, assessment_year__year__gte=first, assessment_year__year__lte=last)
        .values_list("assessment_year__year", "status")
        .order_by("pk")
    )
    final = sorted(year for year, status in results if status == Status.FINAL)
    if final:
        raise ValidationError(
            _(
                "The annual result of %(name)s for %(year)s is final and took this sanction into account; it is "
                "not withdrawn here."
            )
            % {"name": person.name, "year": final[0]},
            code="final",
        )
    what = {
        "kind": locked.kind.name,
        "starts_on": str(locked.starts_on),
        "ends_on": str(locked.ends_on),
        "reason": locked.reason,
        "recorded_by": locked.recorded_by.get_username(),
        "recorded_at": locked.recorded_at.isoformat(),
    }
    comment = f"{person.name} {locked.kind.name} {locked.starts_on}–{locked.ends_on} {locked.reason}: {reason.strip()}"
    years = list(
        AssessmentYear.objects.filter(region_id=person.unit.region_id, year__gte=first, year__lte=last).order_by("year")
    )
    for assessment_year in years or [None]:
        _audit(
            assessment_year=assessment_year,
            unit=person.unit,
            by=by,
            action="sanction_withdraw",
            comment=comment,
            changes={"sanction": [what, None]},
        )
    locked.delete()


# The roll-up --------------------------------------------------------------------------------------------


@dataclass
class Rollup:
    people: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    sent_back: int = 0  # past the proposal, their inputs changed: back to the leader's proposal
    final_changed: list[int] = field(default_factory=list)  # final results whose inputs changed: not touched

    def add(self, other: Rollup) -> None:
        for name in ("people", "created", "updated", "unchanged", "sent_back"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.final_changed += other.final_changed


def ensure_year_closed(assessment_year: AssessmentYear) -> None:
    open_quarters = list(
        Period.objects.filter(assessment_year=assessment_year)
        .exclude(status=Period.Status.CLOSED)
        .values_list("quarter", flat=True)
    )
    if open_quarters or not Period.objects.filter(assessment_year=assessment_year).exists():
        raise ValidationError(
            _("Not all quarters of %(year)s are closed (open: quarter %(quarters)s); roll up once they are.")
            % {"year": assessment_year.year, "quarters": "、".join(str(q) for q in open_quarters) or "—"},
            code="quarters_open",
        )


def _year_span(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


@dataclass
class _Member:
    """One person's facts for the year: where they are assessed, their final quarters, inputs, sanctions."""

    unit_id: int
    section_id: int | None
    quarters: list[dict] = field(default_factory=list)
    given: AnnualInput | None = None
    sanctions: list[Sanction] = field(default_factory=list)


def _imported_quarter(row: dict) -> dict:
    """An imported quarterly grade in the shape of a live final quarter's row: no unit, no score, no veto."""
    return {
        "person_id": row["person_id"],
        "unit_id": None,
        "section_id": None,
        "period__quarter": row["quarter"],
        "final_grade": row["grade"],
        "sheet__total": None,
        "sheet__vetoed": False,
        "imported": True,
    }


def _members(assessment_year: AssessmentYear, unit: Unit) -> dict[int, _Member]:
    """Everyone ``unit`` rolls up: those whose latest quarter of the year was assessed in it, and those of
    its home people with annual inputs but no quarter at all (a whole year's leave, a December recruit),
    who still need their result: not assessed, or no grade."""
    # The people first, as a list: a sub-select here is planned badly by PostgreSQL on fresh statistics.
    people = set(
        QuarterlyResult.objects.filter(period__assessment_year=assessment_year, unit=unit).values_list(
            "person_id", flat=True
        )
    )
    rows = (
        QuarterlyResult.objects.filter(
            period__assessment_year=assessment_year, status=QuarterlyResult.Status.FINAL, person_id__in=people
        )
        .values("person_id", "unit_id", "section_id", "period__quarter", "final_grade", "sheet__total", "sheet__vetoed")
        .order_by("person_id", "period__quarter")
    )
    members: dict[int, _Member] = {}
    for row in rows:
        member = members.setdefault(row["person_id"], _Member(unit_id=row["unit_id"], section_id=row["section_id"]))
        member.quarters.append(row)
        member.unit_id, member.section_id = row["unit_id"], row["section_id"]
    members = {pid: m for pid, m in members.items() if m.unit_id == unit.pk}
    # The quarters of the year before the region went live, as the organisation department imported them
    # (assessment.year.history), for the quarters with no live result: with no score, they count for the
    # grade and eligibility, not for the average.
    for row in (
        GradeHistory.objects.filter(person_id__in=members, year=assessment_year.year, quarter__isnull=False)
        .values("person_id", "quarter", "grade")
        .order_by("person_id", "quarter")
    ):
        member = members[row["person_id"]]
        if all(q["period__quarter"] != row["quarter"] for q in member.quarters):
            member.quarters.append(_imported_quarter(row))
            member.quarters.sort(key=lambda q: q["period__quarter"])
    # Those without a quarter belong to the unit that would have assessed them: a cadre (县管干部) to the
    # region's cadre group, anyone else to their own unit.
    if unit.is_cadre_group:
        theirs = Q(person__unit__region_id=unit.region_id, person__managed_by=Person.ManagedBy.REGION)
    else:
        theirs = Q(person__unit=unit, person__managed_by=Person.ManagedBy.UNIT)
    home = dict(
        AnnualInput.objects.filter(theirs, assessment_year=assessment_year)
        .exclude(person_id__in=people)
        .values_list("person_id", "person__section_id")
    )
    if unit.is_cadre_group:  # assessed outside any section of the group
        home = dict.fromkeys(home)
    assessed_elsewhere = set(
        QuarterlyResult.objects.filter(period__assessment_year=assessment_year, person_id__in=home).values_list(
            "person_id", flat=True
        )
    )
    for person_id, section_id in home.items():
        if person_id not in assessed_elsewhere:
            members[person_id] = _Member(unit_id=unit.pk, section_id=section_id)
    for given in AnnualInput.objects.filter(assessment_year=assessment_year, person_id__in=members):
        members[given.person_id].given = given
    first, last = _year_span(assessment_year.year)
    for sanction in (
        Sanction.objects.filter(person_id__in=members, starts_on__lte=last, ends_on__gte=first)
        .select_related("kind")
        .order_by("starts_on", "pk")
    ):
        members[sanction.person_id].sanctions.append(sanction)
    return members


def _fingerprint(year: AssessmentYear, member: _Member) -> str:
    """What a result is computed from, in raw values only (never translated text), so that the same facts
    give the same fingerprint in any language and after any change of wording."""
    given = member.given
    facts = {
        "params": [year.min_good_share, year.routine_weight, year.special_weight, year.leave_share],
        "unit": [member.unit_id, member.section_id],
        "quarters": [
            [q["period__quarter"], q["final_grade"], q["sheet__total"], q["sheet__vetoed"]] for q in member.quarters
        ],
        "input": [
            given.special_score,
            given.review_score,
            given.leave_days,
            given.probation,
            given.under_investigation,
        ]
        if given
        else None,
        "sanctions": [[s.kind.name, s.kind.effect, s.starts_on, s.ends_on] for s in member.sanctions],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _compute(year: AssessmentYear, member: _Member) -> dict:
    """The rolled-up fields of one result. Sanctions: one that bars 优秀 acts in the year it was imposed;
    one that gives no grade acts in every year its period overlaps (受处分期间)."""
    quarters, given = member.quarters, member.given
    grades = [q["final_grade"] for q in quarters]
    suggestion = annual.suggest_annual(grades, min_good_share=year.min_good_share)
    scores = [q["sheet__total"] for q in quarters if q["sheet__total"] is not None]
    special = given.special_score if given else None
    review = given.review_score if given else None
    score = annual.annual_score(
        scores, special=special, review=review, routine_weight=year.routine_weight, special_weight=year.special_weight
    )
    first, last = _year_span(year.year)
    case, case_reason = Case.GRADED, ""
    days = (last - first).days + 1
    heavy = [s for s in member.sanctions if s.kind.effect == SanctionType.Effect.NO_GRADE]
    if given and annual.more_than_half(given.leave_days, of=days, share=year.leave_share):
        case, case_reason = (
            Case.NOT_ASSESSED,
            _("On leave %(days)s days, more than allowed in the year.") % {"days": given.leave_days},
        )
    elif given and given.probation:
        case, case_reason = Case.NO_GRADE, _("On probation after recruitment (新录用试用期).")
    elif given and given.under_investigation:
        case, case_reason = Case.NO_GRADE, _("Under investigation (立案审查).")
    elif heavy:
        case = Case.NO_GRADE
        case_reason = _("Sanctioned (%(kind)s) from %(start)s to %(end)s.") % {
            "kind": heavy[0].kind.name,
            "start": heavy[0].starts_on,
            "end": heavy[0].ends_on,
        }
    elif not quarters:
        case, case_reason = Case.NO_GRADE, _("No quarterly assessment this year.")
    barred = []
    vetoed = [str(q["period__quarter"]) for q in quarters if q["sheet__vetoed"]]
    if vetoed:
        barred.append(_("A veto item (一票否优) in quarter %(quarters)s.") % {"quarters": "、".join(vetoed)})
    for s in member.sanctions:
        if s.kind.effect == SanctionType.Effect.BAR_EXCELLENT and s.starts_on.year == year.year:
            barred.append(_("%(kind)s in %(year)s.") % {"kind": s.kind.name, "year": year.year})
    graded = case == Case.GRADED
    eligible = graded and suggestion.excellent_eligible and not barred
    ceiling = suggestion.ceiling if graded else ""
    if ceiling == annual.EXCELLENT and not eligible:
        ceiling = annual.COMPETENT
    return {
        "unit_id": member.unit_id,
        "section_id": member.section_id,
        "case": case,
        "case_reason": case_reason,
        "quarter_grades": {str(q["period__quarter"]): q["final_grade"] for q in quarters},
        "quarters": suggestion.quarters,
        "goods": suggestion.goods,
        "average_quarterly": round2(sum(scores, Decimal(0)) / len(scores)) if scores else None,
        "special_score": special,
        "review_score": review,
        "annual_score": score,
        "suggested_grade": suggestion.grade if graded else "",
        "ceiling": ceiling,
        "excellent_eligible": eligible,
        "excellent_barred": " ".join(barred) if suggestion.excellent_eligible else "",
    }


def year_overview(*, assessment_year: AssessmentYear, unit: Unit) -> dict[int, tuple[_Member, dict]]:
    """What a roll-up of ``unit`` would compute for each of its people, without writing anything: their
    final quarters and the rolled-up fields (eligibility for 优秀 and why it is barred, no grade). The
    平时考核简明情况登记表 reads it, so the register and the annual results never disagree."""
    return {pid: (member, _compute(assessment_year, member)) for pid, member in _members(assessment_year, unit).items()}


# Steps a roll-up may still change; past them the unit's results move together (publicity, report).
_REROLLABLE = (Status.PROPOSAL, Status.COMMITTEE, Status.DECIDED, Status.PUBLICITY, Status.CONFIRMATION)
_CLEARED = {"proposed_grade": "", "final_grade": "", "reason": "", "publicity_ends": None}


@transaction.atomic
def annual_rollup(*, assessment_year: AssessmentYear, unit: Unit, by) -> Rollup:
    """Roll the year's closed quarters and the annual inputs up into each person's annual result.

    Idempotent and incremental: each result keeps a fingerprint of the facts it was computed from, and
    only results whose facts changed are written. A changed result past the proposal goes back to it (its
    grade was chosen on other facts); a final one is left alone and reported, for a review to correct.
    Should fewer people graded leave fewer places of 优秀 than are proposed or decided, the unit's open
    优秀 go back to the proposal too. Stored reasons are written in the system's language.
    """
    if not _may_run(by, unit):
        raise refusal(by, "annual_rollup", f"unit={unit.pk}", _("You may not roll up %(unit)s.") % {"unit": unit})
    assessment_year = AssessmentYear.objects.select_related("region").get(pk=assessment_year.pk)
    ensure_year_closed(assessment_year)
    _ledger_lock(unit, assessment_year)  # two roll-ups of one unit run one after the other
    members = _members(assessment_year, unit)
    existing = {
        r.person_id: r
        for r in AnnualResult.objects.select_for_update()
        .filter(assessment_year=assessment_year, person_id__in=members)
        .order_by("pk")
    }
    report = Rollup(people=len(members))
    now = timezone.now()
    new, changed, entries = [], [], []
    with translation.override(settings.LANGUAGE_CODE):
        for person_id, member in members.items():
            key = _fingerprint(assessment_year, member)
            result = existing.get(person_id)
            if result is not None and result.inputs_key == key:
                report.unchanged += 1
                continue
            values = {**_compute(assessment_year, member), "inputs_key": key, "rolled_at": now}
            if result is None:
                new.append(AnnualResult(person_id=person_id, assessment_year=assessment_year, **values))
            elif result.status == Status.FINAL:
                report.final_changed.append(result.pk)
            elif result.status == Status.PROPOSAL:
                entries.append(_stage(result, by=by, action="annual_reroll", comment=_("Inputs changed."), **values))
                changed.append(result)
                report.updated += 1
            else:
                comment = _("Inputs changed after the proposal; back to the leader's proposal.")
                entries.append(
                    _stage(
                        result, by=by, action="annual_reroll", to=Status.PROPOSAL, comment=comment, **values, **_CLEARED
                    )
                )
                changed.append(result)
                report.sent_back += 1
        AnnualResult.objects.bulk_create(new, batch_size=1000)
        report.created = len(new)
        _commit(changed, entries)
        report.sent_back += _places_hold(unit, assessment_year, by=by)
    if new or changed or report.sent_back:
        _audit(
            assessment_year=assessment_year,
            unit=unit,
            by=by,
            action="annual_rollup",
            comment=_("%(created)s created, %(updated)s updated, %(back)s sent back")
            % {"created": report.created, "updated": report.updated, "back": report.sent_back},
        )
    ledger_refresh(unit=unit, assessment_year=assessment_year)
    return report


def _places_hold(unit: Unit, assessment_year: AssessmentYear, *, by) -> int:
    """Where the places of 优秀 fell below those proposed or decided (fewer people graded after a
    roll-up), send the unit's open 优秀 back to the leader's proposal. Returns how many went back."""
    places = excellent_places_of(unit, assessment_year)
    results = AnnualResult.objects.filter(assessment_year=assessment_year, unit=unit)
    if _taken(results) <= places:
        return 0
    back = list(
        results.filter(Q(proposed_grade=AnnualGrade.EXCELLENT) | Q(final_grade=AnnualGrade.EXCELLENT))
        .filter(status__in=_REROLLABLE)
        .order_by("pk")
    )
    comment = _("The places of 优秀 fell to %(places)s; the 优秀 go back to the leader's proposal.") % {
        "places": places
    }
    _commit(
        back,
        [_stage(r, by=by, action="annual_places_fell", to=Status.PROPOSAL, comment=comment, **_CLEARED) for r in back],
    )
    return len(back)


def _taken(results) -> int:
    """Places of 优秀 taken by open proposals or by decisions, whichever is more."""
    return max(_used(results, "proposed_grade"), _used(results, "final_grade"))


def _used(results, grade_field: str) -> int:
    """Places of 优秀 taken: by proposals still open (``proposed_grade``), or by decisions."""
    if grade_field == "proposed_grade":
        taken = Q(status__in=(Status.PROPOSAL, Status.COMMITTEE), proposed_grade=AnnualGrade.EXCELLENT) | Q(
            final_grade=AnnualGrade.EXCELLENT
        )
    else:
        taken = Q(final_grade=AnnualGrade.EXCELLENT)
    return results.filter(taken).count()


# Places of 优秀 -----------------------------------------------------------------------------------------


def _ledger_lock(unit: Unit, assessment_year: AssessmentYear) -> AnnualLedger:
    """The ledger row, locked: whoever holds it decides the next place of 优秀 in the unit."""
    AnnualLedger.objects.get_or_create(unit=unit, assessment_year=assessment_year)
    return AnnualLedger.objects.select_for_update().get(unit=unit, assessment_year=assessment_year)


def _graded(unit: Unit, assessment_year: AssessmentYear):
    graded = AnnualResult.objects.filter(assessment_year=assessment_year, unit=unit, case=Case.GRADED)
    if not assessment_year.borrowed_in_quota:
        graded = graded.exclude(person__staffing_type=Person.StaffingType.BORROWED_CAREER)
    return graded


def _graded_count(unit: Unit, assessment_year: AssessmentYear) -> int:
    return _graded(unit, assessment_year).count()


def excellent_places_of(unit: Unit, assessment_year: AssessmentYear) -> int:
    """The unit's places of 优秀 this year: its ratio of the people graded."""
    return annual.excellent_places(
        ratio=excellent_ratio(unit, assessment_year), graded=_graded_count(unit, assessment_year)
    )


def ledger_refresh(*, unit: Unit, assessment_year: AssessmentYear) -> AnnualLedger:
    """Rewrite the unit's ledger from its results: people graded, places, proposed and decided 优秀."""
    row = _ledger_lock(unit, assessment_year)
    results = AnnualResult.objects.filter(assessment_year=assessment_year, unit=unit)
    row.ratio = excellent_ratio(unit, assessment_year)
    row.graded = _graded_count(unit, assessment_year)
    row.places = annual.excellent_places(ratio=row.ratio, graded=row.graded)
    row.proposed = results.filter(proposed_grade=AnnualGrade.EXCELLENT).count()
    row.excellent = results.filter(final_grade=AnnualGrade.EXCELLENT).count()
    row.save()
    return row


def _check_places(unit: Unit, assessment_year: AssessmentYear, *, grade_field: str, batch: dict[int, str]) -> None:
    """The 优秀 of ``grade_field`` in the unit, with ``batch`` (result id → grade) applied, fit its places."""
    _ledger_lock(unit, assessment_year)  # two committees cannot take one last place
    places = excellent_places_of(unit, assessment_year)
    others = _used(
        AnnualResult.objects.filter(assessment_year=assessment_year, unit=unit).exclude(pk__in=batch), grade_field
    )
    asked = sum(1 for g in batch.values() if g == AnnualGrade.EXCELLENT)
    if others + asked > places:
        raise ValidationError(
            _("%(unit)s has %(places)s places of 优秀 this year; %(others)s are taken, %(asked)s more asked for.")
            % {"unit": unit, "places": places, "others": others, "asked": asked},
            code="no_place",
        )


def candidates(*, unit: Unit, assessment_year: AssessmentYear) -> list[annual.Ranked]:
    """The unit's 优秀 candidates ranked by the documented rule, with the places marked."""
    eligible = list(
        _graded(unit, assessment_year).filter(excellent_eligible=True).select_related("person").order_by("pk")
    )
    places = excellent_places_of(unit, assessment_year)
    return annual.rank_candidates(
        [
            annual.Candidate(
                key=r,
                goods=r.goods,
                annual_score=r.annual_score,
                average_quarterly=r.average_quarterly,
                post_order=r.person.post_order,
            )
            for r in eligible
        ],
        places=places,
    )


# The chain ----------------------------------------------------------------------------------------------


def _check_grade(result: AnnualResult, grade: str, *, reason: str, comment: str) -> None:
    """A grade within what the rules allow; a reason wherever it differs from the suggestion; no grade,
    with a written comment, for the cases that are not graded."""
    if result.case != Case.GRADED:
        if grade:
            raise ValidationError(
                {"grade": [_("%(case)s: no grade is given.") % {"case": result.get_case_display()}]}, code="no_grade"
            )
        if result.case == Case.NO_GRADE and not comment.strip():
            raise ValidationError({"comment": [_("Write the comment that stands in for the grade.")]})
        return
    if grade not in AnnualGrade.values:
        raise ValidationError({"grade": [_("Choose one of 优秀, 称职, 基本称职, 不称职.")]})
    allowed = annual.ANNUAL_GRADES[annual.ANNUAL_GRADES.index(result.ceiling) :]
    if grade not in allowed:
        if grade == AnnualGrade.EXCELLENT and result.excellent_barred:
            message = _("优秀 is barred: %(why)s") % {"why": result.excellent_barred}
        elif grade == AnnualGrade.EXCELLENT:
            message = _("优秀 needs no 一般 or 较差 and enough quarters graded 好 (%(goods)s of %(n)s here).") % {
                "goods": result.goods,
                "n": result.quarters,
            }
        else:
            message = _("The quarters allow at best %(grade)s.") % {"grade": result.ceiling}
        raise ValidationError({"grade": [message]}, code="not_allowed")
    follows = grade == result.suggested_grade or (grade == AnnualGrade.EXCELLENT and result.excellent_eligible)
    if not follows and not reason.strip():
        raise ValidationError(
            {
                "reason": [
                    _("The grade differs from the suggestion (%(s)s); write the reason.")
                    % {"s": result.suggested_grade}
                ]
            }
        )


def grade_problems(result: AnnualResult, grade: str, *, reason: str = "", comment: str = "") -> list[str]:
    """What the rules would say against ``grade`` for one result, without writing anything: a page shows
    it beside the row whose grade an all-or-nothing act refused."""
    try:
        _check_grade(result, grade, reason=reason, comment=comment)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@dataclass(frozen=True)
class Proposal:
    result: AnnualResult
    grade: str  # "" for the cases that are not graded
    comment: str = ""
    reason: str = ""


def _by_unit(results: list[AnnualResult]) -> dict[int, list[AnnualResult]]:
    """Results grouped by unit, units in id order: ledgers are locked in that order (no deadlock)."""
    found: dict[int, list[AnnualResult]] = {}
    for r in sorted(results, key=lambda r: (r.unit_id, r.pk)):
        found.setdefault(r.unit_id, []).append(r)
    return found


@transaction.atomic
def annual_propose(*, proposals: list[Proposal], by) -> int:
    """The unit's leaders propose the annual grades (领导提名), one or many at once: all or none."""
    locked = {
        r.pk: r for r in _lock_many([p.result for p in proposals], by=by, action=Action.REVIEW, what="annual_propose")
    }
    entries = []
    for p in proposals:
        result = locked[p.result.pk]
        _expect(result, Status.PROPOSAL)
        _check_grade(result, p.grade, reason=p.reason, comment=p.comment)
    for unit_results in _by_unit(list(locked.values())).values():
        sample = unit_results[0]
        batch = {p.result.pk: p.grade for p in proposals if p.result.pk in {r.pk for r in unit_results}}
        _check_places(sample.unit, sample.assessment_year, grade_field="proposed_grade", batch=batch)
    for p in proposals:
        result = locked[p.result.pk]
        entries.append(
            _stage(
                result,
                by=by,
                action="annual_propose",
                to=Status.COMMITTEE,
                comment=p.reason,
                proposed_grade=p.grade,
                appraisal=p.comment.strip(),
                proposed_by=by,
                reason=p.reason.strip(),
            )
        )
    _commit(list(locked.values()), entries)
    for unit_results in _by_unit(list(locked.values())).values():
        ledger_refresh(unit=unit_results[0].unit, assessment_year=unit_results[0].assessment_year)
    return len(entries)


def annual_result_propose(*, result: AnnualResult, grade: str, by, comment: str = "", reason: str = "") -> AnnualResult:
    """One leader's proposal for one person (the API's act); the same rules as a page's whole form."""
    annual_propose(proposals=[Proposal(result=result, grade=grade, comment=comment, reason=reason)], by=by)
    return AnnualResult.objects.get(pk=result.pk)


@dataclass(frozen=True)
class Verdict:
    result: AnnualResult
    grade: str  # "" for the cases that are not graded
    reason: str = ""
    comment: str = ""  # the written comment for no grade, if the committee rewrites it


@transaction.atomic
def annual_decide(*, verdicts: list[Verdict], by) -> int:
    """The committee (党委) decides the annual grades, one or a whole meeting's at once: all or none.
    Every 优秀 takes one of the unit's places; a vetoed or sanctioned person cannot have one."""
    locked = {
        r.pk: r for r in _lock_many([v.result for v in verdicts], by=by, action=Action.DECIDE, what="annual_decide")
    }
    for v in verdicts:
        result = locked[v.result.pk]
        _expect(result, Status.COMMITTEE)
        _check_grade(result, v.grade, reason=v.reason, comment=v.comment or result.appraisal)
    for unit_results in _by_unit(list(locked.values())).values():
        ids = {r.pk for r in unit_results}
        batch = {v.result.pk: v.grade for v in verdicts if v.result.pk in ids}
        _check_places(unit_results[0].unit, unit_results[0].assessment_year, grade_field="final_grade", batch=batch)
    entries = []
    for v in verdicts:
        result = locked[v.result.pk]
        fields = {"final_grade": v.grade, "reason": v.reason.strip() or result.reason, "decided_by": by}
        if v.comment.strip():
            fields["appraisal"] = v.comment.strip()
        entries.append(
            _stage(result, by=by, action="annual_decide", to=Status.DECIDED, comment=v.reason.strip(), **fields)
        )
    _commit(list(locked.values()), entries)
    for unit_results in _by_unit(list(locked.values())).values():
        ledger_refresh(unit=unit_results[0].unit, assessment_year=unit_results[0].assessment_year)
    return len(entries)


def annual_result_decide(*, result: AnnualResult, grade: str, by, reason: str = "", comment: str = "") -> AnnualResult:
    """The committee's decision on one person (the API's act); the same rules and places as a meeting's."""
    annual_decide(verdicts=[Verdict(result=result, grade=grade, reason=reason, comment=comment)], by=by)
    return AnnualResult.objects.get(pk=result.pk)


def _unit_results(assessment_year: AssessmentYear, unit: Unit) -> list[AnnualResult]:
    return list(
        AnnualResult.objects.select_for_update(of=("self",))
        .filter(assessment_year=assessment_year, unit=unit)
        .select_related("person", "assessment_year", "unit")
        .order_by("pk")
    )


def _move_unit(results: list[AnnualResult], *, by, action: str, to: str, comment: str = "", **fields) -> int:
    _commit(results, [_stage(r, by=by, action=action, to=to, comment=comment, **fields) for r in results])
    return len(results)


_ORDER = [Status.PROPOSAL, Status.COMMITTEE, Status.DECIDED, Status.PUBLICITY, Status.CONFIRMATION, Status.FINAL]


def _at(results: list[AnnualResult], step: str, message: str) -> list[AnnualResult]:
    """The unit's results at ``step``, when none is still before it. Results that came back through a
    roll-up catch up with the rest of the unit, which waits for them."""
    behind = [r for r in results if _ORDER.index(r.status) < _ORDER.index(step)]
    found = [r for r in results if r.status == step]
    if behind or not found:
        raise ValidationError(message, code="out_of_order")
    return found


@transaction.atomic
def annual_publish(*, assessment_year: AssessmentYear, unit: Unit, by, on: datetime.date | None = None) -> int:
    """The office publishes the unit's decided results for ``publicity_days`` working days (公示); the 优秀
    are shown with their quarterly grades (seed 002 §六(一))."""
    if not scope_for(by, Action.RUN_PERIOD).covers_unit(unit):
        raise refusal(
            by, "annual_publish", f"unit={unit.pk}", _("You may not publish results of %(unit)s.") % {"unit": unit}
        )
    results = _unit_results(assessment_year, unit)
    waiting = sum(1 for r in results if r.status in (Status.PROPOSAL, Status.COMMITTEE))
    decided = [r for r in results if r.status == Status.DECIDED]
    if waiting or not decided:
        raise ValidationError(
            _("%(n)s annual results of the unit are not decided yet; publish when all are.") % {"n": waiting},
            code="out_of_order",
        )
    _check_places(unit, assessment_year, grade_field="final_grade", batch={})
    ends = add_workdays(on or today(), assessment_year.publicity_days, workday_exceptions())
    return _move_unit(decided, by=by, action="annual_publish", to=Status.PUBLICITY, publicity_ends=ends)


@transaction.atomic
def annual_report(*, assessment_year: AssessmentYear, unit: Unit, by, on: datetime.date | None = None) -> int:
    """After publicity the office reports the unit's annual results to the organisation department."""
    if not scope_for(by, Action.RUN_PERIOD).covers_unit(unit):
        raise refusal(
            by, "annual_report", f"unit={unit.pk}", _("You may not report results of %(unit)s.") % {"unit": unit}
        )
    results = _at(
        _unit_results(assessment_year, unit),
        Status.PUBLICITY,
        _("Report the unit's annual results after they are all published."),
    )
    ends = max(r.publicity_ends for r in results if r.publicity_ends)
    if (on or today()) <= ends:
        raise ValidationError(_("Publicity lasts until %(date)s.") % {"date": ends}, code="publicity")
    return _move_unit(results, by=by, action="annual_report", to=Status.CONFIRMATION)


def notice_text(result: AnnualResult) -> str:
    """The written notice (书面通知) of the final result, with where and by when to ask for a review."""
    values = {
        "name": result.person.name,
        "unit": result.unit.name,
        "year": result.assessment_year.year,
        "grade": result.final_grade,
        "days": result.assessment_year.review_days,
        "comment": result.appraisal or result.case_reason,
    }
    if result.case == Case.NOT_ASSESSED:
        body = _("%(name)s: you did not take part in the annual assessment of %(year)s (%(comment)s).") % values
    elif result.case == Case.NO_GRADE:
        body = _("%(name)s: your annual assessment of %(year)s has no grade (不定等次). Comment: %(comment)s") % values
    else:
        body = (
            _(
                "%(name)s: decided by the committee of %(unit)s and confirmed by the organisation department, your "
                "annual grade for %(year)s is %(grade)s."
            )
            % values
        )
    return (
        body
        + " "
        + _("If you disagree, you may ask %(unit)s for a review within %(days)s days of this notice.") % values
    )


@transaction.atomic
def notice_acknowledge(*, result: AnnualResult, by) -> AnnualResult:
    """The person acknowledges the written notice of their final result (签收): only the person, once."""
    if result.person.user_id is None or result.person.user_id != by.pk:
        raise refusal(by, "notice_acknowledge", f"annual={result.pk}", _("Only the person acknowledges their notice."))
    locked = AnnualResult.objects.select_for_update().select_related("assessment_year").get(pk=result.pk)
    if locked.status != Status.FINAL or not locked.notice:
        raise ValidationError(_("There is no written notice to acknowledge yet."), code="out_of_order")
    if locked.notice_acknowledged_at is not None:
        raise ValidationError(
            _("You acknowledged this notice on %(date)s.")
            % {"date": timezone.localtime(locked.notice_acknowledged_at).strftime("%Y-%m-%d")},
            code="done",
        )
    locked.notice_acknowledged_at = timezone.now()
    locked.save(update_fields=["notice_acknowledged_at"])
    _audit(assessment_year=locked.assessment_year, unit=locked.unit, by=by, action="notice_acknowledge", comment="")
    return locked


@transaction.atomic
def annual_confirm(*, assessment_year: AssessmentYear, unit: Unit, by, on: datetime.date | None = None) -> int:
    """The organisation department confirms (核准) the unit's annual results; each person gets the written
    notice, from which their time to ask for a review runs."""
    if not region_scope(by, unit.region, Action.CONFIRM):
        raise refusal(
            by, "annual_confirm", f"unit={unit.pk}", _("You may not confirm results of %(unit)s.") % {"unit": unit}
        )
    results = _at(
        _unit_results(assessment_year, unit),
        Status.CONFIRMATION,
        _("The unit has not reported its annual results yet."),
    )
    _refuse_own(results, by, "annual_confirm", unit)
    _check_places(unit, assessment_year, grade_field="final_grade", batch={})
    day = on or today()
    entries = []
    for r in results:
        entries.append(_stage(r, by=by, action="annual_confirm", to=Status.FINAL, confirmed_by=by, notified_on=day))
        with translation.override(settings.LANGUAGE_CODE):
            r.notice = notice_text(r)
    _commit(results, entries)
    notify(
        Notification(user_id=r.person.user_id, key=f"annual-{assessment_year.pk}-{r.pk}", message=r.notice[:300])
        for r in results
        if r.person.user_id
    )
    return len(results)


@transaction.atomic
def annual_send_back(*, assessment_year: AssessmentYear, unit: Unit, by, reason: str) -> int:
    """The organisation department sends the unit's reported results back to its committee, with the reason."""
    if not region_scope(by, unit.region, Action.CONFIRM):
        raise refusal(
            by, "annual_send_back", f"unit={unit.pk}", _("You may not send back results of %(unit)s.") % {"unit": unit}
        )
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the results are sent back.")]})
    results = [r for r in _unit_results(assessment_year, unit) if r.status == Status.CONFIRMATION]
    if not results:
        raise ValidationError(_("Only reported results can be sent back."), code="out_of_order")
    _refuse_own(results, by, "annual_send_back", unit)
    return _move_unit(results, by=by, action="annual_send_back", to=Status.COMMITTEE, comment=reason.strip())


def _refuse_own(results: list[AnnualResult], by, what: str, unit: Unit) -> None:
    """核准 and sending back act on every result of the unit: nobody acts on a unit that holds their own."""
    if any(r.person.user_id is not None and r.person.user_id == by.pk for r in results):
        raise refusal(
            by,
            what,
            f"unit={unit.pk} own",
            _("Your own result is among those of %(unit)s: another officer of the organisation department acts on it.")
            % {"unit": unit},
        )


def _region_units(assessment_year: AssessmentYear, units: list[Unit], *, by, what: str) -> list[Unit]:
    """The units of a bulk act, in primary-key order (one locking order), each in the year's region."""
    if not units:
        raise ValidationError(_("Tick at least one unit."), code="empty")
    for unit in units:
        if unit.region_id != assessment_year.region_id:
            raise refusal(
                by,
                what,
                f"unit={unit.pk} year={assessment_year.pk}",
                _("%(unit)s is not in this year's region.") % {"unit": unit},
            )
    return sorted(set(units), key=lambda u: u.pk)


@transaction.atomic
def annual_units_confirm(*, assessment_year: AssessmentYear, units: list[Unit], by) -> int:
    """The organisation department confirms (核准) several units' reported annual results at once: all or
    none. Returns the number of results made final."""
    return sum(
        annual_confirm(assessment_year=assessment_year, unit=unit, by=by)
        for unit in _region_units(assessment_year, units, by=by, what="annual_units_confirm")
    )


@transaction.atomic
def annual_units_send_back(*, assessment_year: AssessmentYear, units: list[Unit], by, reason: str) -> int:
    """The organisation department sends several units' reported annual results back to their committees
    with one reason: all or none. Returns the number of results sent back."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the results are sent back.")]})
    return sum(
        annual_send_back(assessment_year=assessment_year, unit=unit, by=by, reason=reason)
        for unit in _region_units(assessment_year, units, by=by, what="annual_units_send_back")
    )


# Review (复核) and appeal (申诉) ------------------------------------------------------------------------


def _own(result: AnnualResult, by, what: str) -> None:
    if result.person.user_id is None or result.person.user_id != by.pk:
        raise refusal(by, what, f"annual={result.pk}", _("Only the person asks about their own result."))


@transaction.atomic
def annual_review_request(*, result: AnnualResult, reason: str, by, on: datetime.date | None = None) -> AnnualAppeal:
    """The person asks the unit for a review within ``review_days`` of the written notice."""
    _own(result, by, "annual_review_request")
    locked = AnnualResult.objects.select_for_update().select_related("assessment_year").get(pk=result.pk)
    _expect(locked, Status.FINAL)
    day = on or today()
    year = locked.assessment_year
    if locked.notified_on is None:
        raise ValidationError(_("The written notice has not been given yet."), code="no_notice")
    last = locked.notified_on + datetime.timedelta(days=year.review_days)
    if day > last:
        raise ValidationError(_("A review could be asked for until %(date)s.") % {"date": last}, code="window_closed")
    if not reason.strip():
        raise ValidationError({"reason": [_("Say what should be reviewed and why.")]})
    if locked.appeals.filter(kind=Kind.REVIEW).exists():
        raise ValidationError(
            _("A review has already been asked for; after its answer you may appeal."), code="pending"
        )
    appeal = AnnualAppeal.objects.create(
        result=locked,
        kind=Kind.REVIEW,
        reason=reason.strip(),
        requested_on=day,
        answer_due=day + datetime.timedelta(days=year.answer_days),
        grade_before=locked.final_grade,
    )
    _audit(
        assessment_year=year,
        unit=locked.unit,
        by=by,
        action="annual_review_request",
        comment=reason.strip(),
        annual=locked,
    )
    return appeal


@transaction.atomic
def annual_appeal_request(*, result: AnnualResult, reason: str, by, on: datetime.date | None = None) -> AnnualAppeal:
    """After the review's answer the person may appeal to the organisation department within
    ``appeal_days``."""
    _own(result, by, "annual_appeal_request")
    locked = AnnualResult.objects.select_for_update().select_related("assessment_year").get(pk=result.pk)
    _expect(locked, Status.FINAL)
    review = locked.appeals.filter(kind=Kind.REVIEW).first()
    if review is None or review.is_open:
        raise ValidationError(
            _("An appeal follows the answer to a review; ask the unit for a review first."), code="no_review"
        )
    year = locked.assessment_year
    day = on or today()
    last = review.answered_on + datetime.timedelta(days=year.appeal_days)
    if day > last:
        raise ValidationError(_("An appeal could be made until %(date)s.") % {"date": last}, code="window_closed")
    if not reason.strip():
        raise ValidationError({"reason": [_("Say what should be reviewed and why.")]})
    if locked.appeals.filter(kind=Kind.APPEAL).exists():
        raise ValidationError(_("An appeal has already been made."), code="pending")
    appeal = AnnualAppeal.objects.create(
        result=locked,
        kind=Kind.APPEAL,
        reason=reason.strip(),
        requested_on=day,
        answer_due=day + datetime.timedelta(days=year.answer_days),
        grade_before=locked.final_grade,
    )
    _audit(
        assessment_year=year,
        unit=locked.unit,
        by=by,
        action="annual_appeal_request",
        comment=reason.strip(),
        annual=locked,
    )
    return appeal


def _answer(
    appeal: AnnualAppeal, *, answer: str, grade: str | None, by, on: datetime.date | None, what: str
) -> AnnualAppeal:
    appeal = AnnualAppeal.objects.select_for_update().get(pk=appeal.pk)
    if not appeal.is_open:
        raise ValidationError(_("This has been answered."), code="answered")
    if not answer.strip():
        raise ValidationError({"answer": [_("Write the answer.")]})
    result = (
        AnnualResult.objects.select_for_update()
        .select_related("assessment_year", "unit", "person")
        .get(pk=appeal.result_id)
    )
    if result.person.user_id is not None and result.person.user_id == by.pk:
        raise refusal(by, what, f"annual={result.pk} own", _("Nobody acts on their own result."))
    new = result.final_grade if grade is None else grade
    if new != result.final_grade:
        _check_grade(result, new, reason=answer, comment=result.appraisal)
        _check_places(result.unit, result.assessment_year, grade_field="final_grade", batch={result.pk: new})
        entry = _stage(result, by=by, action=what, comment=answer.strip(), final_grade=new, reason=answer.strip())
        with translation.override(settings.LANGUAGE_CODE):
            result.notice = notice_text(result)
        _commit([result], [entry])
        ledger_refresh(unit=result.unit, assessment_year=result.assessment_year)
        if result.person.user_id:
            notify(
                [
                    Notification(
                        user_id=result.person.user_id,
                        key=f"annual-{result.assessment_year_id}-{result.pk}-{appeal.kind}",
                        message=result.notice[:300],
                    )
                ]
            )
    else:
        _audit(
            assessment_year=result.assessment_year,
            unit=result.unit,
            by=by,
            action=what,
            comment=answer.strip(),
            annual=result,
        )
    appeal.answer, appeal.answered_by, appeal.answered_on = answer.strip(), by, on or today()
    appeal.grade_after = new
    appeal.outcome = AnnualAppeal.Outcome.CHANGED if new != appeal.grade_before else AnnualAppeal.Outcome.UPHELD
    appeal.save()
    return appeal


@transaction.atomic
def annual_review_answer(
    *, appeal: AnnualAppeal, answer: str, by, grade: str | None = None, on: datetime.date | None = None
) -> AnnualAppeal:
    """The unit's committee answers a review; a changed grade passes the same rules and places."""
    result = appeal.result
    if appeal.kind != Kind.REVIEW:
        raise ValidationError(_("This is an appeal; the organisation department decides it."), code="wrong_kind")
    if not scope_for(by, Action.DECIDE).covers_place(unit=result.unit, section=result.section):
        raise refusal(
            by, "annual_review_answer", f"appeal={appeal.pk}", _("Your roles do not cover this person's result.")
        )
    return _answer(appeal, answer=answer, grade=grade, by=by, on=on, what="annual_review_answer")


@transaction.atomic
def annual_appeal_decide(
    *, appeal: AnnualAppeal, answer: str, by, grade: str | None = None, on: datetime.date | None = None
) -> AnnualAppeal:
    """The organisation department decides an appeal; a changed grade passes the same rules and places."""
    result = appeal.result
    if appeal.kind != Kind.APPEAL:
        raise ValidationError(_("This is a review; the unit answers it."), code="wrong_kind")
    if not region_scope(by, result.unit.region, Action.CONFIRM):
        raise refusal(by, "annual_appeal_decide", f"appeal={appeal.pk}", _("You may not decide appeals here."))
    return _answer(appeal, answer=answer, grade=grade, by=by, on=on, what="annual_appeal_decide")
