"""Where a unit stands in a quarter and what falls due next: one pure function, ``stage_of``, that the
quarter board, the current-period banner, the home page, the region dashboard and the reminders all ask,
so that no two of them can disagree.

A group of results (a unit, a section, a region, or one person's own result) stands at the earliest step
at which one of its results still waits, since the steps run one way. Each step is dated by the period's
deadlines (domain.md §3): the summaries, the section's proposals, the leaders' review and the committee's
decision by the period's own dates; publicity by the day it ends, counted in working days from the day the
office published; a decided or published unit is due at the organisation department by day N of the next
month. Confirmation is the organisation department's own step, so it makes no unit late. Nothing here
queries the database: callers pass the counts they aggregated."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.utils.translation import gettext as _

from periods.models import Period, Step

STEP_ORDER: tuple[str, ...] = tuple(Step.values)

# The deadline field of the period that dates each step a result waits at.
STEP_DEADLINES: dict[str, str] = {
    Step.SUMMARY: "summary_due",
    Step.SCORING: "section_due",
    Step.LEADER_REVIEW: "leader_due",
    Step.COMMITTEE: "committee_due",
    Step.DECIDED: "submit_by",
    Step.PUBLICITY: "submit_by",
}

# Steps of a unit that are not steps of a result: the period not yet open, the unit not yet started by its
# office, publicity over and the results waiting to be reported, the period closed.
NOT_OPEN = "not_open"
NOT_STARTED = ""
TO_REPORT = "to_report"
CLOSED = "closed"


@dataclass(frozen=True)
class Stage:
    """The step a group of results stands at, the day it is due, and how many days late it is (0 while on
    time, when nothing dates the step, or outside an open period)."""

    step: str
    due: datetime.date | None
    days_late: int
    today: datetime.date

    @property
    def label(self) -> str:
        if self.step == NOT_OPEN:
            return _("not open yet")
        if self.step == NOT_STARTED:
            return _("not started")
        if self.step == TO_REPORT:
            return _("publicity over: to report to the organisation department")
        if self.step == CLOSED:
            return _("closed")
        if self.step == Step.DECIDED:
            return _("decided: to publish")
        return str(Step(self.step).label)

    @property
    def is_late(self) -> bool:
        return self.days_late > 0

    @property
    def days_left(self) -> int | None:
        return (self.due - self.today).days if self.due else None


def stage_of(
    period: Period,
    steps: Collection[str],
    *,
    today: datetime.date,
    publicity_ends: datetime.date | None = None,
) -> Stage | None:
    """The stage of a group of results of ``period``: ``steps`` are the steps at which its results stand
    (a set, or counts by step; empty: the unit has not started), ``publicity_ends`` the last day of its
    publicity when it is published. None once every result is final."""
    if period.status == Period.Status.DRAFT:
        return Stage(step=NOT_OPEN, due=None, days_late=0, today=today)
    present = {s for s in steps if not isinstance(steps, dict) or steps[s]}
    waiting = [s for s in STEP_ORDER if s in present]
    if waiting and waiting[0] == Step.FINAL:
        return None
    if period.status == Period.Status.CLOSED:
        return Stage(step=CLOSED, due=None, days_late=0, today=today)
    step = waiting[0] if waiting else NOT_STARTED
    if step == Step.PUBLICITY and publicity_ends is not None:
        if today <= publicity_ends:
            return Stage(step=step, due=publicity_ends, days_late=0, today=today)
        step = TO_REPORT
    name = STEP_DEADLINES.get(step, "submit_by" if step == TO_REPORT else "summary_due" if not step else "")
    due = getattr(period, name) if name else None
    late = (today - due).days if due and today > due else 0
    return Stage(step=step, due=due, days_late=late, today=today)
