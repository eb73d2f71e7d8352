"""Reads of the quarter, scoped to the user's roles: results and ledgers, the review chain's queues, where a
unit stands against the period's deadlines (the board), and a person's own quarters."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, Max, Q, QuerySet, Value, When
from django.utils import timezone

from assessment.models import QuarterlyResult, QuotaLedger, ReviewRequest, WorkRecord
from assessment.quarter.places import Places, ledger_figures
from assessment.quarter.stage import STEP_ORDER, Stage, stage_of
from audit.models import AuditEntry
from periods.models import Period
from scoring.models import Event
from scoring.services import assessed_by
from units.models import Person, Placement, Section, Unit, current_placements_q
from units.permissions import Action, scope_for
from units.selectors import units_visible_to

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


def is_member(*, user, period: Period, unit: Unit, today: datetime.date) -> bool:
    """Whether the user is one of the unit's people for its 公示: their home unit is the unit, a current
    placement puts them there (a secondment, a loan), or the unit assesses them in ``period``. One query."""
    person = getattr(user, "person", None)
    if person is None:
        return False
    if person.unit_id == unit.pk:
        return True
    placed = Placement.objects.filter(current_placements_q(today), person=person, unit=unit)
    assessed = QuarterlyResult.objects.filter(period=period, person=person, unit=unit)
    return Person.objects.filter(pk=person.pk).filter(Q(Exists(placed)) | Q(Exists(assessed))).exists()


def may_read_publicity(*, user, period: Period, unit: Unit, today: datetime.date) -> bool:
    """The unit's 公示 is for its own people and for whoever holds a role over the unit or one of its
    sections (the org department's over the region included); nobody else learns another unit's grades."""
    if is_member(user=user, period=period, unit=unit, today=today):
        return True
    return units_visible_to(user=user).filter(pk=unit.pk).exists()


def published_results_for(
    *, user, period: Period, unit: Unit | None = None, today: datetime.date | None = None
) -> QuerySet[QuarterlyResult]:
    """What a unit's people see once its results are published (公示, and read-only after it): the unit's
    published grades. ``unit`` defaults to the unit that assesses the user in ``period``; an explicit unit is
    shown only to those ``may_read_publicity`` lets in, and is empty for anyone else."""
    published = QuarterlyResult.objects.filter(period=period, status__in=PUBLISHED)
    if unit is None:
        person = getattr(user, "person", None)
        if person is None:
            return QuarterlyResult.objects.none()
        published = published.filter(
            unit_id__in=QuarterlyResult.objects.filter(period=period, person=person).values("unit_id")
        )
    elif is_member(user=user, period=period, unit=unit, today=today or timezone.localdate()):
        published = published.filter(unit=unit)
    elif may_read_publicity(user=user, period=period, unit=unit, today=today or timezone.localdate()):
        # A role over the whole unit sees its whole 公示; a role over some of its sections (or a grant on
        # one) sees those sections' rows only.
        scope = scope_for(user, Action.VIEW)
        published = published.filter(unit=unit)
        if not scope.covers_unit(unit):
            published = published.filter(scope.place_q())
    else:
        return QuarterlyResult.objects.none()
    return published.select_related("person", "section", "sheet").order_by(
        "section__order", "section_id", "person__post_order", "person_id"
    )


def publicity_ends_of(*, period: Period, unit: Unit) -> datetime.date | None:
    """The last day of the unit's 公示 (one date for the unit: it publishes all its results at once)."""
    return QuarterlyResult.objects.filter(period=period, unit=unit).aggregate(ends=Max("publicity_ends"))["ends"]


def publicity_now_for(*, user, today: datetime.date) -> list[tuple[Period, Unit]]:
    """The periods and units whose 公示 is running for one of the unit's people: their home unit, where a
    current placement puts them, or the unit assessing them. For the home page's links; empty for a user who
    is not a person being assessed."""
    person = getattr(user, "person", None)
    if person is None:
        return []
    placed = Placement.objects.filter(current_placements_q(today), person=person).values("unit_id")
    pairs = set(
        QuarterlyResult.objects.filter(status=QuarterlyResult.Status.PUBLICITY, publicity_ends__gte=today)
        .filter(Q(unit_id=person.unit_id) | Q(unit_id__in=placed) | Q(person=person))
        .values_list("period_id", "unit_id")
        .distinct()
    )
    if not pairs:
        return []
    periods = Period.objects.select_related("assessment_year").in_bulk({p for p, _u in pairs})
    units = Unit.objects.in_bulk({u for _p, u in pairs})
    return sorted(
        ((periods[p], units[u]) for p, u in pairs),
        key=lambda pair: (-pair[0].assessment_year.year, -pair[0].quarter, pair[1].order, pair[1].pk),
    )


def confirmed_on(*, result_ids) -> datetime.date | None:
    """The day the last of these results was confirmed (核准), read from the audit trail (a result keeps no
    date of its own); None when none was. ``result_ids``: a list or a query of primary keys."""
    at = AuditEntry.objects.filter(result_id__in=result_ids, action="unit_confirm").aggregate(last=Max("at"))["last"]
    return timezone.localdate(at) if at else None


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


# Where a unit or a section stands against the period's deadlines ---------------------------------------

Step = QuarterlyResult.Status


# A unit's quarter: the office's dashboard ----------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    """One section of a unit's quarter: how many results stand at each step, how far its work has come,
    its current deadline, and its places of 好."""

    section: Section | None
    counts: dict[str, int]
    places: Places | None
    written: int = 0  # self-summaries written (the rest moved on without one, or are still due)
    complete: int = 0  # score sheets complete
    quota: QuotaLedger | None = None  # this quarter's figures of the 申报表 (unsaved)
    deadline: Stage | None = None  # where the section stands and what falls due next (stage_of)
    own: dict[str, int] = field(default_factory=dict)  # the viewer's own result here, by step (recusal)

    def others_at(self, step: str) -> int:
        """Results at ``step`` the viewer may act on: all but their own."""
        return self.counts.get(step, 0) - self.own.get(step, 0)

    @property
    def skippable(self) -> int:
        """Summaries the office may move on here."""
        return self.others_at(Step.SUMMARY)

    @property
    def proposable(self) -> int:
        """Proposals the viewer may still make here."""
        return self.others_at(Step.SCORING)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def reached(self, step: str) -> int:
        """Results at ``step`` or beyond (the steps run one way; a result sent back counts where it is)."""
        index = STEP_ORDER.index(step)
        return sum(n for s, n in self.counts.items() if STEP_ORDER.index(s) >= index)

    @property
    def proposed(self) -> int:
        return self.reached(Step.LEADER_REVIEW)

    @property
    def approved(self) -> int:
        return self.reached(Step.COMMITTEE)

    @property
    def decided(self) -> int:
        return self.reached(Step.DECIDED)


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    unit: BoardRow | None  # the unit's own figures: every row added up, the unit's places and deadline

    @property
    def unit_places(self) -> Places | None:
        return self.unit.places if self.unit else None


def _places(row: QuotaLedger | None, *, unit_total: bool) -> Places | None:
    """Places and their use as the steps count them: a section uses a place by each nomination (rejected
    ones too), the unit by each 好 given."""
    if row is None:
        return None
    return Places(places=row.places, used=row.approved if unit_total else row.nominations)


def quarter_board(*, user, period: Period, unit, today: datetime.date) -> Board:
    """The unit's sections the user sees, each with its results per step, its progress, its deadline and
    its places of 好; and the unit's own figures (a fixed number of queries, whatever the unit's size)."""
    counts: dict[int | None, dict[str, int]] = {}
    written: dict[int | None, int] = {}
    complete: dict[int | None, int] = {}
    ends: dict[int | None, datetime.date] = {}  # the last day of each section's publicity, once published
    own: dict[int | None, dict[str, int]] = {}  # the viewer's own result, by section and step
    for row in (
        results_visible_to(user=user, period=period)
        .filter(unit=unit)
        .order_by()
        .values("section_id", "status")
        .annotate(
            n=Count("pk"),
            written=Count("pk", filter=Q(summary_at__isnull=False)),
            complete=Count("pk", filter=Q(sheet__is_complete=True)),
            publicity_ends=Max("publicity_ends"),
            own=Count("pk", filter=Q(person__user=user)),
        )
    ):
        key = row["section_id"]
        if row["own"]:
            own.setdefault(key, {})[row["status"]] = row["own"]
        if day := row["publicity_ends"]:
            ends[key] = max(ends.get(key, day), day)
        counts.setdefault(key, {})[row["status"]] = row["n"]
        written[key] = written.get(key, 0) + row["written"]
        complete[key] = complete.get(key, 0) + row["complete"]
    if not counts:
        return Board(rows=[], unit=None)
    sections = {s.pk: s for s in Section.objects.filter(pk__in=[k for k in counts if k is not None])}
    for section in sections.values():
        section.unit = unit  # known: the scope checks on each row need no query of their own
    ledgers = ledger_figures(period, unit)
    ordered = sorted(counts, key=lambda k: (k is None, sections[k].order if k else 0, k or 0))
    rows = [
        # People outside the sections have no section places: the committee picks them on the unit's.
        BoardRow(
            section=sections.get(k),
            counts=counts[k],
            places=_places(ledgers.get(k), unit_total=False) if k is not None else None,
            written=written[k],
            complete=complete[k],
            quota=ledgers.get(k) if k is not None else None,
            deadline=stage_of(period, counts[k], today=today, publicity_ends=ends.get(k)),
            own=own.get(k, {}),
        )
        for k in ordered
    ]
    everyone: dict[str, int] = {}
    for row in rows:
        for step, n in row.counts.items():
            everyone[step] = everyone.get(step, 0) + n
    total = BoardRow(
        section=None,
        counts=everyone,
        places=_places(ledgers.get(None), unit_total=True),
        written=sum(written.values()),
        complete=sum(complete.values()),
        quota=ledgers.get(None),
        deadline=stage_of(period, everyone, today=today, publicity_ends=max(ends.values(), default=None)),
    )
    return Board(rows=rows, unit=total)


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


# The office's end of the quarter: starting, feedback ------------------------------------------------------


def unstarted_count(*, period: Period, unit: Unit) -> int:
    """How many people starting the unit's period will start now: those it assesses this quarter
    (``scoring.services.assessed_by``, as the start itself asks) without a result yet. Three queries."""
    assessed = {person.pk for person, _section in assessed_by(period=period, unit=unit)}
    started = set(
        QuarterlyResult.objects.filter(period=period, person_id__in=assessed).values_list("person_id", flat=True)
    )
    return len(assessed - started)


def feedback_results_for(*, user, period: Period, unit: Unit) -> QuerySet[QuarterlyResult]:
    """The unit's final results the office tells the people of (反馈), never the user's own (recusal): those
    not told yet first, then in section and post order."""
    return (
        results_visible_to(user=user, period=period, action=Action.RUN_PERIOD)
        .filter(unit=unit, status=QuarterlyResult.Status.FINAL)
        .exclude(person__user=user)
        .annotate(told=Case(When(feedback_method="", then=Value(0)), default=Value(1)))
        .order_by("told", *CHAIN_ORDER)
    )


@dataclass(frozen=True)
class LastAct:
    result: QuarterlyResult
    entry: AuditEntry | None


def last_acts(*, user, period: Period, pks) -> list[LastAct]:
    """The results among ``pks`` the user sees (never their own), each with the last act on it: what a stale
    form tells its user when someone acted first. Two queries."""
    results = list(results_visible_to(user=user, period=period).filter(pk__in=list(pks)).exclude(person__user=user))
    last: dict[int, AuditEntry] = {}
    for entry in (
        AuditEntry.objects.filter(result_id__in=[r.pk for r in results])
        .select_related("actor")
        .order_by("result_id", "-at", "-pk")
    ):
        last.setdefault(entry.result_id, entry)
    return [LastAct(result=r, entry=last.get(r.pk)) for r in results]
