"""Reads of the quarterly and annual procedures, scoped to the user's roles."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet

from assessment import annual
from assessment.models import (
    AnnualResult,
    AssessmentYear,
    FollowUp,
    Notification,
    Period,
    QuarterlyResult,
    QuotaLedger,
    ReviewRequest,
    WorkRecord,
)
from assessment.services import Places, places_by_section
from scoring.models import Event, EventShare
from units.models import Person, Section
from units.permissions import Action, scope_for

# The order in which eligible people are suggested for 好 (domain.md §5): score first, then the monthly
# performance part, then the common items, and last the order of registration in the system — a stable
# key that never depends on a name.
SUGGESTION_ORDER = ("-sheet__total", "-sheet__individual_points", "-sheet__common_points", "person_id")


def nomination_suggestions(*, user, period: Period, section: Section) -> QuerySet[QuarterlyResult]:
    """The section's people eligible for 好 this quarter, best first, for the section head to nominate."""
    if not scope_for(user, Action.PROPOSE).covers_place(unit=section.unit, section=section):
        return QuarterlyResult.objects.none()
    return (
        QuarterlyResult.objects.filter(
            period=period, section=section, sheet__is_complete=True, sheet__eligible_grade="好", sheet__vetoed=False
        )
        .select_related("person", "sheet")
        .order_by(*SUGGESTION_ORDER)
    )


def results_visible_to(
    *, user, period: Period | None = None, action: Action = Action.VIEW
) -> QuerySet[QuarterlyResult]:
    """Results of ``period`` (of every period when None) whose assessing unit or section the user's roles cover."""
    scope = scope_for(user, action)
    results = QuarterlyResult.objects.select_related("person", "unit", "section", "sheet")
    if period is not None:
        results = results.filter(period=period)
    if scope.everything:
        return results
    if scope.is_empty:
        return results.none()
    return results.filter(scope.place_q())


def ledgers_visible_to(*, user, period: Period | None = None) -> QuerySet[QuotaLedger]:
    """Quota ledgers whose unit (for a unit's row) or section the user's roles cover."""
    scope = scope_for(user, Action.VIEW)
    ledgers = QuotaLedger.objects.select_related("period__assessment_year", "unit", "section")
    if period is not None:
        ledgers = ledgers.filter(period=period)
    if scope.everything:
        return ledgers
    if scope.is_empty:
        return ledgers.none()
    return ledgers.filter(scope.place_q())


def published_results_for(*, user, period: Period) -> QuerySet[QuarterlyResult]:
    """What a member of a unit sees during publicity: the unit's published grades (公示)."""
    person = getattr(user, "person", None)
    if person is None:
        return QuarterlyResult.objects.none()
    own_unit = QuarterlyResult.objects.filter(period=period, person=person).values("unit_id")
    return (
        QuarterlyResult.objects.filter(period=period, unit_id__in=own_unit, status=QuarterlyResult.Status.PUBLICITY)
        .select_related("person", "section")
        .order_by("section__order", "person__post_order", "person_id")
    )


def own_results(*, user) -> QuerySet[QuarterlyResult]:
    """A person's own results once published, newest first."""
    person = getattr(user, "person", None)
    if person is None:
        return QuarterlyResult.objects.none()
    shown = (QuarterlyResult.Status.PUBLICITY, QuarterlyResult.Status.CONFIRMATION, QuarterlyResult.Status.FINAL)
    return (
        QuarterlyResult.objects.filter(person=person, status__in=shown)
        .select_related("period__assessment_year", "sheet")
        .order_by("-period__assessment_year__year", "-period__quarter")
    )


def annual_results_visible_to(
    *, user, assessment_year: AssessmentYear | None = None, action: Action = Action.VIEW
) -> QuerySet[AnnualResult]:
    """Annual results of the year (of every year when None) whose assessing unit or section the user's roles
    cover."""
    scope = scope_for(user, action)
    results = AnnualResult.objects.select_related("person", "unit", "section")
    if assessment_year is not None:
        results = results.filter(assessment_year=assessment_year)
    if scope.everything:
        return results
    if scope.is_empty:
        return results.none()
    return results.filter(scope.place_q())


def annual_publicity_for(*, user, assessment_year: AssessmentYear) -> QuerySet[AnnualResult]:
    """What a member of a unit sees during the annual publicity: the unit's 优秀, each with the year's
    quarterly grades (seed 002 §六(一))."""
    person = getattr(user, "person", None)
    if person is None:
        return AnnualResult.objects.none()
    own_unit = AnnualResult.objects.filter(assessment_year=assessment_year, person=person).values("unit_id")
    return (
        AnnualResult.objects.filter(
            assessment_year=assessment_year,
            unit_id__in=own_unit,
            status=AnnualResult.Status.PUBLICITY,
            final_grade=annual.EXCELLENT,
        )
        .select_related("person", "section")
        .order_by("section__order", "person__post_order", "person_id")
    )


@dataclass(frozen=True)
class Consequence:
    result: AnnualResult
    kinds: tuple[str, ...]  # annual.COMMENDATION, MERIT, ADMONITION, DISMISSAL_REVIEW


def consequences_for(*, user, assessment_year: AssessmentYear) -> list[Consequence]:
    """What the year's final annual grades call for (嘉奖, 三等功, 诫勉谈话, 辞退审查), listed for the
    organisation department over the units it covers; nothing here acts on them."""
    finals = list(
        annual_results_visible_to(user=user, assessment_year=assessment_year, action=Action.CONFIRM)
        .filter(status=AnnualResult.Status.FINAL, case=AnnualResult.Case.GRADED)
        .order_by("unit__order", "unit_id", "person__post_order", "person_id")
    )
    rules = annual.ConsequenceRules(
        merit_after=assessment_year.merit_years, dismissal_after=assessment_year.dismissal_years
    )
    lookback = max(rules.merit_after, rules.dismissal_after)
    history: dict[int, dict[int, str]] = {}
    for person_id, year, grade in AnnualResult.objects.filter(
        person_id__in=[r.person_id for r in finals],
        status=AnnualResult.Status.FINAL,
        assessment_year__year__gt=assessment_year.year - lookback,
        assessment_year__year__lte=assessment_year.year,
    ).values_list("person_id", "assessment_year__year", "final_grade"):
        history.setdefault(person_id, {})[year] = grade
    found = []
    for result in finals:
        kinds = annual.consequences(history.get(result.person_id, {}), assessment_year.year, rules=rules)
        if kinds:
            found.append(Consequence(result=result, kinds=tuple(kinds)))
    return found


# The quarterly review chain in the browser --------------------------------------------------------------

CHAIN_ORDER = ("section__order", "section_id", "person__post_order", "person_id")


def queue_for(*, user, period: Period, unit, step: str, action: Action) -> QuerySet[QuarterlyResult]:
    """The unit's results at ``step`` that ``user`` may act on with ``action``, never their own (recusal),
    in section and post order."""
    return (
        results_visible_to(user=user, period=period, action=action)
        .filter(unit=unit, status=step)
        .exclude(person__user=user)
        .order_by(*CHAIN_ORDER)
    )


@dataclass(frozen=True)
class BoardRow:
    """One section of a unit's quarter: how many results stand at each step, and its places of 好."""

    section: Section | None
    counts: dict[str, int]
    places: Places | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def quarter_board(*, user, period: Period, unit) -> tuple[list[BoardRow], Places | None]:
    """The unit's sections the user sees, each with its results per step and its places of 好, and the
    unit's own places (a fixed number of queries)."""
    counts: dict[int | None, dict[str, int]] = {}
    for row in (
        results_visible_to(user=user, period=period)
        .filter(unit=unit)
        .order_by()
        .values("section_id", "status")
        .annotate(n=Count("pk"))
    ):
        counts.setdefault(row["section_id"], {})[row["status"]] = row["n"]
    if not counts:
        return [], None
    sections = {s.pk: s for s in Section.objects.filter(pk__in=[k for k in counts if k is not None])}
    places = places_by_section(period, unit)
    ordered = sorted(counts, key=lambda k: (k is None, sections[k].order if k else 0, k or 0))
    rows = [
        # People outside the sections have no section places: the committee picks them on the unit's.
        BoardRow(section=sections.get(k), counts=counts[k], places=places.get(k) if k is not None else None)
        for k in ordered
    ]
    return rows, places[None]


# A civil servant's own quarters, the office's review requests, and a person's profile ---------------------

PUBLISHED = (QuarterlyResult.Status.PUBLICITY, QuarterlyResult.Status.CONFIRMATION, QuarterlyResult.Status.FINAL)


def own_periods(*, user) -> QuerySet[Period]:
    """The periods of a person, newest first: those with a result of theirs, and the open periods of their
    region (to keep work records before their result is started). Empty for a user who is not a person
    being assessed."""
    person = getattr(user, "person", None)
    if person is None:
        return Period.objects.none()
    return (
        Period.objects.filter(
            Q(results__person=person) | Q(assessment_year__region_id=person.unit.region_id, status=Period.Status.OPEN)
        )
        .distinct()
        .select_related("assessment_year")
        .order_by("-assessment_year__year", "-quarter")
    )


def own_result(*, user, period: Period) -> QuarterlyResult | None:
    """The user's own result in ``period`` (with its sheet and review requests), or None."""
    person = getattr(user, "person", None)
    if person is None:
        return None
    return (
        QuarterlyResult.objects.filter(person=person, period=period)
        .select_related("period__assessment_year", "sheet", "unit", "section")
        .prefetch_related("review_requests")
        .first()
    )


def own_work_records(*, user, period: Period) -> QuerySet[WorkRecord]:
    """The user's own work records (工作纪实) of ``period``, newest first."""
    person = getattr(user, "person", None)
    if person is None:
        return WorkRecord.objects.none()
    return WorkRecord.objects.filter(person=person, period=period).order_by("-on", "-pk")


def own_declarations(*, user, period: Period) -> QuerySet[Event]:
    """The bonus items the user declared or shares in ``period``, newest first, with their status."""
    person = getattr(user, "person", None)
    if person is None:
        return Event.objects.none()
    return (
        Event.objects.filter(period=period, shares__person=person).select_related("standard").order_by("-declared_at")
    )


def review_requests_for(*, user, period: Period, unit) -> QuerySet[ReviewRequest]:
    """The review requests (复核) of ``unit``'s results in ``period`` that the user answers for the office:
    open ones first, oldest first; then the answered ones, newest first."""
    results = results_visible_to(user=user, period=period, action=Action.RUN_PERIOD).filter(unit=unit)
    return (
        ReviewRequest.objects.filter(result__in=results.values("pk"))
        .select_related("result__person", "result__section", "result__sheet", "answered_by")
        .order_by(F("answered_at").desc(nulls_first=True), "requested_at", "pk")
    )


@dataclass
class ProfilePeriod:
    """One period of a person's profile: the published result, and what the person did and met in it."""

    period: Period
    result: QuarterlyResult | None = None
    records: list[WorkRecord] = field(default_factory=list)
    shares: list[EventShare] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)


@dataclass(frozen=True)
class Profile:
    periods: list[ProfilePeriod]
    follow_ups: list[FollowUp]  # those tied to no result: mentoring (导师帮带) and the like
    notifications: list[Notification]


NOTIFICATIONS_SHOWN = 50


def profile_timeline(*, person: Person, with_notifications: bool = False) -> Profile:
    """The profile (画像) of a person the caller may already see: per period, newest first, the published
    score and grade, work records (工作纪实), bonus and deduction events, follow-ups (谈话提醒, 诫勉,
    导师帮带), and, ``with_notifications`` (for the person alone: it is their inbox, which also holds what
    their own roles are reminded of), their latest reminders. A fixed number of queries, however long the
    history."""
    by_period: dict[int, ProfilePeriod] = {}

    def row(period: Period) -> ProfilePeriod:
        return by_period.setdefault(period.pk, ProfilePeriod(period=period))

    for result in (
        QuarterlyResult.objects.filter(person=person, status__in=PUBLISHED)
        .select_related("period__assessment_year", "sheet", "unit")
        .prefetch_related("review_requests")
    ):
        row(result.period).result = result
    for record in WorkRecord.objects.filter(person=person).select_related("period__assessment_year"):
        row(record.period).records.append(record)
    for share in (
        EventShare.objects.filter(person=person)
        .select_related("event__period__assessment_year", "event__standard")
        .order_by("event__declared_at", "pk")
    ):
        row(share.event.period).shares.append(share)
    loose = []
    for follow_up in FollowUp.objects.filter(person=person).select_related("result__period__assessment_year"):
        if follow_up.result is None:
            loose.append(follow_up)
        else:
            row(follow_up.result.period).follow_ups.append(follow_up)
    notifications = (
        list(Notification.objects.filter(user_id=person.user_id)[:NOTIFICATIONS_SHOWN])
        if with_notifications and person.user_id
        else []
    )
    periods = sorted(by_period.values(), key=lambda p: (p.period.year, p.period.quarter), reverse=True)
    return Profile(periods=periods, follow_ups=loose, notifications=notifications)
