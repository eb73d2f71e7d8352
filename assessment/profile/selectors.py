"""The profile (画像) of a person: every period with what they did and met in it."""

from __future__ import annotations

from dataclasses import dataclass, field

from assessment.models import FollowUp, GradeHistory, Notification, QuarterlyResult, WorkRecord
from assessment.quarter.selectors import PUBLISHED
from periods.models import Period
from scoring.models import EventShare
from units.models import Person


@dataclass
class ProfilePeriod:
    """One period of a person's profile: the published result, and what the person did and met in it."""

    period: Period
    result: QuarterlyResult | None = None
    records: list[WorkRecord] = field(default_factory=list)
    shares: list[EventShare] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)


@dataclass
class HistoryYear:
    """One year of the grades imported from before the system (历史等次): its quarters and its annual grade."""

    year: int
    quarters: list[str] = field(default_factory=lambda: ["", "", "", ""])  # Q1–Q4, empty where none
    annual: str = ""
    file_names: set[str] = field(default_factory=set)

    @property
    def sources(self) -> str:
        return "、".join(sorted(self.file_names))


@dataclass(frozen=True)
class Profile:
    periods: list[ProfilePeriod]
    follow_ups: list[FollowUp]  # those tied to no result: mentoring (导师帮带) and the like
    notifications: list[Notification]
    history: list[HistoryYear] = field(default_factory=list)  # newest first


NOTIFICATIONS_SHOWN = 50


def profile_timeline(*, person: Person, with_notifications: bool = False) -> Profile:
    """The profile (画像) of a person the caller may already see: per period, newest first, the published
    score and grade, work records (工作纪实), bonus and deduction events, follow-ups (谈话提醒, 诫勉,
    导师帮带); the grades imported from before the system (历史等次), a year to a line; and,
    ``with_notifications`` (for the person alone: it is their inbox, which also holds what their own roles
    are reminded of), their latest reminders. A fixed number of queries, however long the history."""
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
    return Profile(periods=periods, follow_ups=loose, notifications=notifications, history=grade_history(person))


def grade_history(person: Person) -> list[HistoryYear]:
    """The person's grades imported from before the system, a year to a line, newest first: one query."""
    years: dict[int, HistoryYear] = {}
    for year, quarter, grade, file_name in GradeHistory.objects.filter(person=person).values_list(
        "year", "quarter", "grade", "file_name"
    ):
        line = years.setdefault(year, HistoryYear(year=year))
        if quarter is None:
            line.annual = grade
        else:
            line.quarters[quarter - 1] = grade
        line.file_names.add(file_name)
    return sorted(years.values(), key=lambda y: y.year, reverse=True)
