"""Reads of the fairness analytics (domain.md §9): per section whether it takes turns at 好 (轮流坐庄), per
reviewer how lenient or severe their points are, per unit whether it records negative events at all, how its
reviews ended and how it runs the assessment, and the unit rating (平时考核工作评价) with the 优秀 ratio it
suggests for the next year. Nothing here changes a grade.

The whole region's year is read at once, over its closed quarters only (an open quarter is still moving), in a
fixed number of aggregate queries whatever its size; the rules of ``assessment.fairness`` then judge the
figures. A unit's office sees its own units' rows of the same report: the region's rate of negative records is
the yardstick of its silence, as it is of every other unit's.

Who is a reviewer: for leniency, whoever entered a sheet's common-indicator points (``ScoreEntry.entered_by``),
because those are the points they gave; for reviews (复核), whoever proposed the grade that was questioned
(``QuarterlyResult.proposed_by``), the 评鉴 the person disputed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment import fairness
from assessment.models import (
    GRADE_ORDER,
    AnnualAppeal,
    ExcellentRatio,
    Grade,
    QuarterlyResult,
    ReviewRequest,
    WorkRecord,
)
from audit.models import AuditEntry
from periods.models import AssessmentYear, Period
from scoring.models import Event, EventStandard, IndicatorItem, ScoreEntry
from units.models import Unit
from units.permissions import Action, scope_for

# The measures of the unit rating, in the order the pages show them; their weights are the year's
# ``rating_weights``.
MEASURES = ("deadlines", "summaries", "records", "sent_back", "reviews", "rotation", "leniency", "silence")
# ... as the pages name them.
MEASURE_LABELS = {
    "deadlines": _("published in time to report"),
    "summaries": _("summaries on time"),
    "records": _("work records kept"),
    "sent_back": _("not sent back"),
    "reviews": _("reviews upheld"),
    "rotation": _("sections not taking turns"),
    "leniency": _("reviewers within bounds"),
    "silence": _("negative events recorded"),
}
NEGATIVE_KINDS = (EventStandard.Kind.DEDUCTION, EventStandard.Kind.VETO)
CACHE_SECONDS = 60 * 60 * 24


# Who sees what ------------------------------------------------------------------------------------------


def analytics_units_for(*, user, assessment_year: AssessmentYear) -> list[Unit] | None:
    """The units of the year's region whose analytics the user reads: all of them for its organisation
    department, its own units for an office; ``None`` for anybody else."""
    region_id = assessment_year.region_id
    if scope_for(user, Action.CONFIRM).covers_region(region_id):
        return list(Unit.objects.filter(region_id=region_id).order_by("order", "code"))
    scope = scope_for(user, Action.RUN_PERIOD)
    if scope.is_empty:
        return None
    units = [u for u in Unit.objects.filter(region_id=region_id).order_by("order", "code") if scope.covers_unit(u)]
    return units or None


def analytics_years_for(*, user) -> list[AssessmentYear]:
    """The years with a closed quarter of the regions where the user reads analytics, newest first; each
    carries ``closed_quarters``."""
    confirm, run = scope_for(user, Action.CONFIRM), scope_for(user, Action.RUN_PERIOD)
    if confirm.is_empty and run.is_empty:
        return []
    years = AssessmentYear.objects.annotate(
        closed_quarters=Count("periods", filter=Q(periods__status=Period.Status.CLOSED))
    ).filter(closed_quarters__gt=0)
    if not (confirm.everything or run.everything):
        run_regions = Unit.objects.filter(run.unit_q()).values("region_id") if not run.is_empty else []
        years = years.filter(Q(region_id__in=confirm.region_ids) | Q(region_id__in=run_regions))
    return list(years.select_related("region").order_by("region__name", "-year"))


def default_year(years: list[AssessmentYear]) -> AssessmentYear | None:
    """The year to judge first: the newest whose four quarters are all closed, else the newest with one."""
    return next((y for y in years if y.closed_quarters == 4), years[0] if years else None)


# What the report holds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One person in one section and quarter, who could have been graded 好 (no veto)."""

    result_id: int
    person_id: int
    name: str
    total: Decimal
    good: bool


@dataclass(frozen=True)
class QuarterRotation:
    quarter: int
    rows: list[Row]  # best total first
    rate: Fraction | None
    inverted: list[tuple[Row, Row]]  # (graded 好, not graded 好 with a strictly higher total)

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.rate)


@dataclass(frozen=True)
class SectionRotation:
    section_id: int
    name: str
    unit: Unit
    quarters: list[QuarterRotation]
    turn_taking: Fraction | None
    mean_inversion: Fraction | None
    quarters_with_good: int
    min_quarters: int
    suspected: bool

    @property
    def judged(self) -> bool:
        """Enough quarters gave a 好 to judge whether they went round."""
        return self.quarters_with_good >= self.min_quarters

    @property
    def turn_taking_percent(self) -> Decimal | None:
        return _percent(self.turn_taking)

    @property
    def inversion_percent(self) -> Decimal | None:
        return _percent(self.mean_inversion)


@dataclass(frozen=True)
class Reviewer:
    """A reviewer of one unit: the common-indicator points they gave, against the unit's other reviewers."""

    user_id: int
    name: str
    unit: Unit
    sheets: int
    mean: Decimal | None
    others_mean: Decimal | None
    leniency: Decimal | None  # None: not enough to judge
    flagged: bool
    grades: dict[str, int]  # final grades of the sheets they scored
    unit_grades: dict[str, int]

    @property
    def direction(self) -> str:
        if not self.flagged or self.leniency is None:
            return ""
        return "lenient" if self.leniency > 0 else "severe"


@dataclass(frozen=True)
class Silence:
    unit: Unit
    people: int
    negatives: int
    expected: Decimal | None  # at the region's rate
    silent: bool


@dataclass(frozen=True)
class Reviews:
    """Reviews (复核, of a quarter or of the year) of the results one reviewer proposed, how many were answered
    and how many changed a grade; and the annual appeals (申诉) to the organisation department."""

    user_id: int | None
    name: str
    unit: Unit
    requests: int
    answered: int
    changed: int
    appeals: int = 0
    appeals_changed: int = 0


@dataclass(frozen=True)
class Running:
    """How a unit runs its assessment over the year's closed quarters: each measure a share from 0 (worst) to
    1 (best), or None when there is not enough to judge, with the counts behind it."""

    unit: Unit
    people: int
    measures: dict[str, Fraction | None]
    counts: dict[str, tuple[int, int]]  # measure -> (good, out of)
    rating: fairness.Rating | None
    suggested: Decimal | None

    @property
    def lines(self) -> list[tuple[str, Decimal | None, tuple[int, int]]]:
        """Each measure in the pages' order: its name, its share as a percentage (None: not judged), the counts."""
        return [(name, _percent(self.measures.get(name)), self.counts.get(name, (0, 0))) for name in MEASURES]


@dataclass(frozen=True)
class FairnessReport:
    assessment_year: AssessmentYear
    closed: list[Period]
    units: list[Unit]
    sections: list[SectionRotation]
    reviewers: list[Reviewer]
    silence: list[Silence]
    reviews: list[Reviews]
    running: list[Running]
    region_people: int
    region_negatives: int
    computed_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def region_rate(self) -> Decimal | None:
        """Negative records per 100 people assessed in the region's closed quarters, to two places."""
        if not self.region_people:
            return None
        return fairness.half_up(Fraction(self.region_negatives * 100, self.region_people))

    @property
    def suspected(self) -> list[SectionRotation]:
        return [s for s in self.sections if s.suspected]

    @property
    def judged_sections(self) -> list[SectionRotation]:
        return [s for s in self.sections if s.judged]

    @property
    def flagged_reviewers(self) -> list[Reviewer]:
        return [r for r in self.reviewers if r.flagged]

    @property
    def silent(self) -> list[Silence]:
        return [s for s in self.silence if s.silent]

    def for_units(self, units: Iterable[Unit]) -> FairnessReport:
        """The same report kept to ``units`` (an office's own); the region's figures stay the yardstick."""
        keep = {u.pk for u in units}
        return FairnessReport(
            assessment_year=self.assessment_year,
            closed=self.closed,
            units=[u for u in self.units if u.pk in keep],
            sections=[s for s in self.sections if s.unit.pk in keep],
            reviewers=[r for r in self.reviewers if r.unit.pk in keep],
            silence=[s for s in self.silence if s.unit.pk in keep],
            reviews=[r for r in self.reviews if r.unit.pk in keep],
            running=[r for r in self.running if r.unit.pk in keep],
            region_people=self.region_people,
            region_negatives=self.region_negatives,
            computed_at=self.computed_at,
        )


def _percent(value: Fraction | None) -> Decimal | None:
    return None if value is None else fairness.half_up(value * 100, Decimal("0.1"))


def _mean(values: list[Decimal]) -> Decimal | None:
    return fairness.half_up(Fraction(sum(values, Decimal(0))) / len(values)) if values else None


# The report -----------------------------------------------------------------------------------------------


def cache_key(assessment_year: AssessmentYear) -> str:
    """The key of the year's cached report: it names the last close or reopening of a quarter of the year
    (one query), so a quarter closed again after a correction is never read from an older report."""
    last = AuditEntry.objects.filter(
        period__assessment_year=assessment_year, action__in=("period_close", "period_reopen")
    ).aggregate(last=Max("pk"))["last"]
    return f"fairness:{assessment_year.pk}:{last or 0}"


def fairness_report(*, assessment_year: AssessmentYear, fresh: bool = False) -> FairnessReport:
    """The region's fairness report for the year, from the cache unless ``fresh`` or the year's quarters
    were closed or reopened since. Callers check the user's scope (``analytics_units_for``)."""
    key = cache_key(assessment_year)
    report = None if fresh else cache.get(key)
    if report is None:
        report = compute_report(assessment_year=assessment_year)
        cache.set(key, report, CACHE_SECONDS)
    return report


def compute_report(*, assessment_year: AssessmentYear) -> FairnessReport:
    """The region's fairness report for the year over its closed quarters: ten queries whatever the size of
    the region."""
    year = assessment_year
    closed = list(year.periods.filter(status=Period.Status.CLOSED).order_by("quarter"))
    units = list(Unit.objects.filter(region_id=year.region_id).order_by("order", "code"))
    by_unit = {u.pk: u for u in units}
    results = list(
        QuarterlyResult.objects.filter(period__in=closed)
        .order_by()
        .values(
            "pk",
            "period_id",
            "unit_id",
            "section_id",
            "section__name",
            "person_id",
            "person__name",
            "sheet_id",
            "sheet__total",
            "sheet__vetoed",
            "final_grade",
            "proposed_by_id",
            "summary_at",
            "publicity_ends",
        )
    )
    quarter_of = {p.pk: p.quarter for p in closed}
    sections = _rotation(results, quarter_of, by_unit, year)
    reviewers, names = _reviewers(results, closed, by_unit, year)
    negatives = dict(
        Event.objects.filter(period__in=closed, status=Event.Status.APPROVED, standard__kind__in=NEGATIVE_KINDS)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    people: dict[int, set[int]] = defaultdict(set)
    for row in results:
        people[row["unit_id"]].add(row["person_id"])
    person_years = {unit_id: len(ids) for unit_id, ids in people.items()}
    region_people, region_negatives = sum(person_years.values()), sum(negatives.values())
    silence = _silence(units, person_years, negatives, region_people, region_negatives)
    reviews = _reviews(closed, year, by_unit, names)
    running = _running(results, closed, units, sections, reviewers, silence, reviews, year)
    return FairnessReport(
        assessment_year=year,
        closed=closed,
        units=units,
        sections=sections,
        reviewers=reviewers,
        silence=silence,
        reviews=reviews,
        running=running,
        region_people=region_people,
        region_negatives=region_negatives,
    )


def _rotation(results, quarter_of, by_unit, year: AssessmentYear) -> list[SectionRotation]:
    grouped: dict[int, dict[int, list[Row]]] = defaultdict(lambda: defaultdict(list))
    section_names: dict[int, tuple[str, int]] = {}
    for r in results:
        if r["section_id"] is None or r["sheet__vetoed"]:
            continue  # only those who could have been graded 好, in a section
        section_names[r["section_id"]] = (r["section__name"], r["unit_id"])
        grouped[r["section_id"]][quarter_of[r["period_id"]]].append(
            Row(
                result_id=r["pk"],
                person_id=r["person_id"],
                name=r["person__name"],
                total=r["sheet__total"],
                good=r["final_grade"] == Grade.GOOD,
            )
        )
    sections = []
    for section_id, quarters in grouped.items():
        name, unit_id = section_names[section_id]
        shown = []
        for quarter in sorted(quarters):
            rows = sorted(quarters[quarter], key=lambda row: (-row.total, row.name))
            pairs = [(g, o) for g in rows if g.good for o in rows if not o.good and o.total > g.total]
            shown.append(
                QuarterRotation(
                    quarter=quarter,
                    rows=rows,
                    rate=fairness.inversion_rate((row.total, row.good) for row in rows),
                    inverted=pairs,
                )
            )
        grants = [{row.person_id for row in q.rows if row.good} for q in shown]
        rates = [q.rate for q in shown if q.rate is not None]
        sections.append(
            SectionRotation(
                section_id=section_id,
                name=name,
                unit=by_unit[unit_id],
                quarters=shown,
                turn_taking=fairness.turn_taking(grants),
                mean_inversion=sum(rates, Fraction(0)) / len(rates) if rates else None,
                quarters_with_good=sum(1 for g in grants if g),
                min_quarters=year.rotation_min_quarters,
                suspected=fairness.rotation_suspected(
                    [[(row.person_id, row.total, row.good) for row in q.rows] for q in shown],
                    min_quarters=year.rotation_min_quarters,
                    min_inversion=year.rotation_min_inversion,
                ),
            )
        )
    sections.sort(key=lambda s: (not s.suspected, s.unit.order, s.unit.code, s.name))
    return sections


def _reviewers(results, closed, by_unit, year: AssessmentYear) -> tuple[list[Reviewer], dict[int, str]]:
    """Per unit, each reviewer's common-indicator points per sheet against those of the unit's other
    reviewers (one GROUP BY query), with the final grades of the sheets each scored."""
    given = (
        ScoreEntry.objects.filter(sheet__period__in=closed, item__kind=IndicatorItem.Kind.COMMON)
        .exclude(entered_by=None)
        .order_by()
        .values("entered_by_id", "sheet_id", "sheet__unit_id")
        .annotate(points=Sum("points"))
    )
    grade_of = {r["sheet_id"]: r["final_grade"] for r in results}
    points: dict[int, dict[int, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    grades: dict[int, dict[int, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: dict.fromkeys(GRADE_ORDER, 0))
    )
    for row in given:
        unit_id, user_id = row["sheet__unit_id"], row["entered_by_id"]
        points[unit_id][user_id].append(row["points"])
        grade = grade_of.get(row["sheet_id"])
        if grade:
            grades[unit_id][user_id][grade] += 1
    proposers = {r["proposed_by_id"] for r in results if r["proposed_by_id"]}
    user_ids = {u for per_unit in points.values() for u in per_unit} | proposers
    names = {
        pk: full_name or username
        for pk, full_name, username in get_user_model()
        .objects.filter(pk__in=user_ids)
        .values_list("pk", "full_name", "username")
    }
    unit_grades: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(GRADE_ORDER, 0))
    for r in results:
        if r["final_grade"]:
            unit_grades[r["unit_id"]][r["final_grade"]] += 1
    reviewers = []
    for unit_id, per_user in points.items():
        for user_id, own in per_user.items():
            others = [p for other, values in per_user.items() if other != user_id for p in values]
            judged = len(own) >= year.leniency_min_sheets and len(others) >= year.leniency_min_sheets
            value = fairness.leniency(own, others) if judged else None
            reviewers.append(
                Reviewer(
                    user_id=user_id,
                    name=names.get(user_id, ""),
                    unit=by_unit[unit_id],
                    sheets=len(own),
                    mean=_mean(own),
                    others_mean=_mean(others),
                    leniency=value,
                    flagged=value is not None and abs(value) > year.leniency_limit,
                    grades=dict(grades[unit_id][user_id]),
                    unit_grades=dict(unit_grades[unit_id]),
                )
            )
    reviewers.sort(key=lambda r: (r.leniency is None, -(r.leniency or 0), r.unit.order, r.name))
    return reviewers, names


def _silence(units, person_years, negatives, region_people, region_negatives) -> list[Silence]:
    rows = []
    for unit in units:
        people = person_years.get(unit.pk, 0)
        if not people:
            continue
        expected = fairness.half_up(Fraction(region_negatives * people, region_people)) if region_people else None
        recorded = negatives.get(unit.pk, 0)
        rows.append(
            Silence(
                unit=unit,
                people=people,
                negatives=recorded,
                expected=expected,
                # Silent: nothing negative recorded in a year where the region's rate says there should be.
                silent=recorded == 0 and bool(region_negatives),
            )
        )
    rows.sort(key=lambda s: (not s.silent, -(s.expected or 0), s.unit.order, s.unit.code))
    return rows


def _reviews(closed, year: AssessmentYear, by_unit, names) -> list[Reviews]:
    """Per reviewer who proposed the grade and unit: the quarters' review requests (复核) and the year's annual
    reviews and appeals (复核, 申诉), answered and changing a grade (two GROUP BY queries)."""
    counts: dict[tuple[int | None, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    quarterly = (
        ReviewRequest.objects.filter(result__period__in=closed)
        .order_by()
        .values_list("result__proposed_by_id", "result__unit_id")
        .annotate(
            requests=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            changed=Count(
                "pk",
                filter=Q(answered_at__isnull=False) & ~Q(grade_after="") & ~Q(grade_after=F("grade_before")),
            ),
        )
    )
    for user_id, unit_id, requests, answered, changed in quarterly:
        row = counts[(user_id, unit_id)]
        row[0], row[1], row[2] = row[0] + requests, row[1] + answered, row[2] + changed
    annual = (
        AnnualAppeal.objects.filter(result__assessment_year=year, result__unit_id__in=list(by_unit))
        .order_by()
        .values_list("result__proposed_by_id", "result__unit_id", "kind")
        .annotate(
            requests=Count("pk"),
            answered=Count("pk", filter=~Q(outcome="")),
            changed=Count("pk", filter=Q(outcome=AnnualAppeal.Outcome.CHANGED)),
        )
    )
    for user_id, unit_id, kind, requests, answered, changed in annual:
        row = counts[(user_id, unit_id)]
        if kind == AnnualAppeal.Kind.APPEAL:
            row[3], row[4] = row[3] + requests, row[4] + changed
        else:
            row[0], row[1], row[2] = row[0] + requests, row[1] + answered, row[2] + changed
    unnamed = {user_id for user_id, _unit in counts if user_id and user_id not in names}
    if unnamed:
        for pk, full_name, username in (
            get_user_model().objects.filter(pk__in=unnamed).values_list("pk", "full_name", "username")
        ):
            names[pk] = full_name or username
    out = [
        Reviews(
            user_id=user_id,
            name=names.get(user_id, ""),
            unit=by_unit[unit_id],
            requests=row[0],
            answered=row[1],
            changed=row[2],
            appeals=row[3],
            appeals_changed=row[4],
        )
        for (user_id, unit_id), row in counts.items()
    ]
    out.sort(key=lambda r: (-(r.changed + r.appeals_changed), -r.requests, r.unit.order, r.name))
    return out


def _share(good: int, out_of: int) -> Fraction | None:
    return Fraction(good, out_of) if out_of else None


def _running(results, closed, units, sections, reviewers, silence, reviews, year: AssessmentYear) -> list[Running]:
    """Each unit's measures of how it runs the assessment, its rating and the ratio it suggests."""
    periods = {p.pk: p for p in closed}
    ends: dict[tuple[int, int], datetime.date | None] = {}
    summaries: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    person_quarters: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for r in results:
        key = (r["unit_id"], r["period_id"])
        day = r["publicity_ends"]
        ends[key] = max(ends[key], day) if ends.get(key) and day else (ends.get(key) or day)
        person_quarters[r["unit_id"]].add((r["person_id"], r["period_id"]))
        due = periods[r["period_id"]].summary_due
        if r["summary_at"] is not None and due is not None:
            summaries[r["unit_id"]][1] += 1
            summaries[r["unit_id"]][0] += timezone.localdate(r["summary_at"]) <= due
    recorded = set(
        WorkRecord.objects.filter(period__in=closed).order_by().values_list("person_id", "period_id").distinct()
    )
    sent_back = set(
        AuditEntry.objects.filter(period__in=closed, action="unit_send_back")
        .order_by()
        .values_list("unit_id", "period_id")
        .distinct()
    )
    weights = {name: Decimal(str(weight)) for name, weight in year.rating_weights.items()}
    rows = []
    for unit in units:
        quarters = [pid for (uid, pid) in ends if uid == unit.pk]
        if not quarters:
            continue
        # Published in time to report by the deadline: publicity over before the day results are due.
        dated = [pid for pid in quarters if periods[pid].submit_by is not None]
        met = sum(1 for pid in dated if ends[(unit.pk, pid)] and ends[(unit.pk, pid)] < periods[pid].submit_by)
        own_sections = [s for s in sections if s.unit.pk == unit.pk and s.judged]
        own_reviewers = [r for r in reviewers if r.unit.pk == unit.pk and r.leniency is not None]
        answered = sum(r.answered for r in reviews if r.unit.pk == unit.pk)
        changed = sum(r.changed for r in reviews if r.unit.pk == unit.pk)
        kept = sum(1 for pq in person_quarters[unit.pk] if pq in recorded)
        back = sum(1 for pid in quarters if (unit.pk, pid) in sent_back)
        counts = {
            "deadlines": (met, len(dated)),
            "summaries": tuple(summaries[unit.pk]),
            "records": (kept, len(person_quarters[unit.pk])),
            "sent_back": (len(quarters) - back, len(quarters)),
            "reviews": (answered - changed, answered),
            "rotation": (sum(1 for s in own_sections if not s.suspected), len(own_sections)),
            "leniency": (sum(1 for r in own_reviewers if not r.flagged), len(own_reviewers)),
        }
        measures: dict[str, Fraction | None] = {name: _share(*pair) for name, pair in counts.items()}
        quiet = next((s for s in silence if s.unit.pk == unit.pk), None)
        if quiet is not None and quiet.expected:
            measures["silence"] = min(Fraction(quiet.negatives) / Fraction(quiet.expected), Fraction(1))
            counts["silence"] = (quiet.negatives, int(quiet.expected.to_integral_value()))
        else:
            measures["silence"], counts["silence"] = None, (quiet.negatives if quiet else 0, 0)
        rating = fairness.unit_rating(measures, weights=weights)
        rows.append(
            Running(
                unit=unit,
                people=len({person for person, _ in person_quarters[unit.pk]}),
                measures=measures,
                counts=counts,
                rating=rating,
                suggested=(
                    fairness.suggested_ratio(rating.score, low=year.excellent_ratio_min, high=year.excellent_ratio_max)
                    if rating
                    else None
                ),
            )
        )
    rows.sort(key=lambda r: (r.rating is None, -(r.rating.score if r.rating else 0), r.unit.order, r.unit.code))
    return rows


# The rows behind a figure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetScored:
    quarter: int
    person: str
    section: str
    points: Decimal
    total: Decimal
    grade: str


def reviewer_sheets(*, assessment_year: AssessmentYear, unit: Unit, user_id: int) -> list[SheetScored]:
    """The sheets of ``unit`` whose common-indicator points ``user_id`` entered in the year's closed quarters,
    with those points, the total and the final grade (one query). Callers check the user's scope."""
    rows = (
        ScoreEntry.objects.filter(
            sheet__unit=unit,
            sheet__period__assessment_year=assessment_year,
            sheet__period__status=Period.Status.CLOSED,
            item__kind=IndicatorItem.Kind.COMMON,
            entered_by_id=user_id,
        )
        .order_by()
        .values(
            "sheet_id",
            "sheet__period__quarter",
            "sheet__person__name",
            "sheet__section__name",
            "sheet__total",
            "sheet__result__final_grade",
        )
        .annotate(points=Sum("points"))
    )
    found = [
        SheetScored(
            quarter=row["sheet__period__quarter"],
            person=row["sheet__person__name"],
            section=row["sheet__section__name"] or "",
            points=row["points"],
            total=row["sheet__total"],
            grade=row["sheet__result__final_grade"] or "",
        )
        for row in rows
    ]
    return sorted(found, key=lambda s: (s.quarter, -s.points, s.person))


@dataclass(frozen=True)
class UnitBehind:
    """The rows behind each of a unit's measures, over the year's closed quarters."""

    late_quarters: list[tuple[Period, datetime.date | None]]  # published too late to report by submit_by
    late_summaries: list[tuple[int, str, datetime.date, datetime.date]]  # quarter, person, written on, due
    without_records: list[tuple[int, str]]  # quarter, person
    sent_back: list[tuple[int, str, datetime.datetime, int]]  # quarter, reason, when, results sent back
    changed_reviews: list[ReviewRequest]
    negatives: list[Event]


def unit_rows_behind(*, assessment_year: AssessmentYear, unit: Unit) -> UnitBehind:
    """What makes each of ``unit``'s measures: seven queries. Callers check the user's scope."""
    closed = list(assessment_year.periods.filter(status=Period.Status.CLOSED).order_by("quarter"))
    results = QuarterlyResult.objects.filter(period__in=closed, unit=unit).order_by()
    ends = dict(results.values("period_id").annotate(last=Max("publicity_ends")).values_list("period_id", "last"))
    late = [
        (p, ends.get(p.pk))
        for p in closed
        if p.pk in ends and p.submit_by is not None and not (ends[p.pk] and ends[p.pk] < p.submit_by)
    ]
    quarter_of = {p.pk: p for p in closed}
    late_summaries = []
    for period_id, name, at in results.exclude(summary_at=None).values_list("period_id", "person__name", "summary_at"):
        due, day = quarter_of[period_id].summary_due, timezone.localdate(at)
        if due is not None and day > due:
            late_summaries.append((quarter_of[period_id].quarter, name, day, due))
    recorded = set(
        WorkRecord.objects.filter(period__in=closed, person__in=results.values("person_id"))
        .order_by()
        .values_list("person_id", "period_id")
        .distinct()
    )
    without = sorted(
        (quarter_of[period_id].quarter, name)
        for person_id, period_id, name in results.values_list("person_id", "period_id", "person__name")
        if (person_id, period_id) not in recorded
    )
    return UnitBehind(
        late_quarters=late,
        late_summaries=sorted(late_summaries),
        without_records=without,
        sent_back=list(
            AuditEntry.objects.filter(period__in=closed, unit=unit, action="unit_send_back")
            .order_by()
            .values_list("period__quarter", "comment")
            .annotate(at=Min("at"), people=Count("pk"))
            .order_by("at")
        ),
        changed_reviews=list(
            ReviewRequest.objects.filter(result__period__in=closed, result__unit=unit, answered_at__isnull=False)
            .exclude(grade_after="")
            .exclude(grade_after=F("grade_before"))
            .select_related("result__person", "result__period", "result__proposed_by")
            .order_by("result__period__quarter", "requested_at")
        ),
        negatives=list(
            Event.objects.filter(
                period__in=closed, unit=unit, status=Event.Status.APPROVED, standard__kind__in=NEGATIVE_KINDS
            )
            .select_related("period", "standard")
            .order_by("period__quarter", "pk")
        ),
    )


def next_year_performance(*, assessment_year: AssessmentYear, unit: Unit) -> str:
    """The organisational performance already set for ``unit`` in the next year, to keep when adopting."""
    return (
        ExcellentRatio.objects.filter(
            unit=unit,
            assessment_year__region_id=assessment_year.region_id,
            assessment_year__year=assessment_year.year + 1,
        )
        .values_list("performance", flat=True)
        .first()
        or ""
    )
