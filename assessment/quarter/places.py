"""The places of 好 as the database holds them (domain.md §5): a unit's ratio for the year, the quota inputs
of every section and of the unit from one aggregate over the year's results, the places the rules of
``assessment.quota`` give them, and the ledger (the figures of the 优秀等次比例使用申报表), whose row is
also the lock that acts racing for the last place take."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from assessment import quota
from assessment.models import Grade, QuarterlyResult, QuotaLedger, QuotaOpening, UnitYear
from common.bulk import update_rows
from periods.guards import ensure_open
from periods.models import Period
from units.models import Person, Section, Unit

Decision = QuarterlyResult.Decision


@dataclass(frozen=True)
class Places:
    places: int
    used: int

    @property
    def left(self) -> int:
        return max(0, self.places - self.used)


def good_ratio(period: Period, unit: Unit) -> Decimal:
    setting = UnitYear.objects.filter(unit=unit, assessment_year_id=period.assessment_year_id).first()
    return setting.good_ratio if setting else period.assessment_year.default_good_ratio


@dataclass
class Figures:
    """One section's (or the unit total's) quota inputs for the year so far."""

    participants: list[int]  # per quarter up to the current one, an opening balance first if any
    usage: list[int]  # per earlier quarter: nominations for a section, 好 grades for the unit total
    nominated_now: int = 0
    picked_now: int = 0
    good_now: int = 0
    has_opening: bool = False


def unit_figures(period: Period, unit: Unit) -> dict[int | None, Figures]:
    """The quota inputs of every section of ``unit`` and of the unit's own total (key None), from one
    aggregate over the year's results. Participants are the people the unit assesses that quarter,
    borrowed career staff included unless the year excludes them; a section's usage counts its
    nominations (rejected ones too), the unit's counts its 好 grades."""
    year = period.assessment_year
    results = QuarterlyResult.objects.filter(
        period__assessment_year_id=year.pk, unit=unit, period__quarter__lte=period.quarter
    )
    if not year.borrowed_in_quota:
        results = results.exclude(person__staffing_type=Person.StaffingType.BORROWED_CAREER)
    rows = results.values("section_id", "period__quarter").annotate(
        n=Count("pk"),
        nominated=Count("pk", filter=Q(nominated=True)),
        picked=Count("pk", filter=Q(decision=Decision.PICKED)),
        good=Count("pk", filter=Q(final_grade=Grade.GOOD)),
    )
    quarters = range(1, period.quarter + 1)
    per_section: dict[int, dict[int, dict]] = {}
    total: dict[int, dict] = {q: {"n": 0, "good": 0, "picked": 0, "nominated": 0} for q in quarters}
    for row in rows:
        quarter = row["period__quarter"]
        if row["section_id"] is not None:
            per_section.setdefault(row["section_id"], {})[quarter] = row
        for key in ("n", "good", "picked", "nominated"):
            total[quarter][key] += row[key]
    openings = {o.section_id: o for o in QuotaOpening.objects.filter(assessment_year=year, unit=unit)}

    def figures(by_quarter: dict[int, dict], used_key: str, opening: QuotaOpening | None) -> Figures:
        now = by_quarter.get(period.quarter, {})
        fig = Figures(
            participants=[by_quarter.get(q, {}).get("n", 0) for q in quarters],
            usage=[by_quarter.get(q, {}).get(used_key, 0) for q in quarters[:-1]],
            nominated_now=now.get("nominated", 0),
            picked_now=now.get("picked", 0),
            good_now=now.get("good", 0),
            has_opening=opening is not None,
        )
        if opening is not None:
            fig.participants.insert(0, opening.participants)
            fig.usage.insert(0, opening.nominations)
        return fig

    found: dict[int | None, Figures] = {
        section_id: figures(by_quarter, "nominated", openings.get(section_id))
        for section_id, by_quarter in per_section.items()
    }
    found[None] = figures(total, "good", openings.get(None))
    return found


def section_places_from(period: Period, figures: dict[int | None, Figures], section_id: int, ratio: Decimal) -> Places:
    fig = figures.get(section_id) or Figures(participants=[0] * period.quarter, usage=[])
    places = quota.good_places(ratio=ratio, participants=fig.participants, nominations=fig.usage)
    return Places(places=places, used=fig.nominated_now)


def section_places(period: Period, unit: Unit, section: Section, *, ratio: Decimal | None = None) -> Places:
    ratio = good_ratio(period, unit) if ratio is None else ratio
    return section_places_from(period, unit_figures(period, unit), section.pk, ratio)


def places_by_section(period: Period, unit: Unit) -> dict[int | None, Places]:
    """The places of every section of ``unit`` that takes part this quarter and of the unit's own total
    (key None), from one aggregate: what the pages show beside each step."""
    ratio = good_ratio(period, unit)
    figures = unit_figures(period, unit)
    found: dict[int | None, Places] = {
        section_id: section_places_from(period, figures, section_id, ratio)
        for section_id in figures
        if section_id is not None
    }
    total = figures[None]
    found[None] = Places(
        places=quota.good_places(ratio=ratio, participants=total.participants, nominations=total.usage),
        used=total.good_now,
    )
    return found


def unit_places(period: Period, unit: Unit, *, ratio: Decimal | None = None) -> Places:
    fig = unit_figures(period, unit)[None]
    ratio = good_ratio(period, unit) if ratio is None else ratio
    places = quota.good_places(ratio=ratio, participants=fig.participants, nominations=fig.usage)
    return Places(places=places, used=fig.good_now)


def ledger_lock(period: Period, unit: Unit, section: Section | None) -> QuotaLedger:
    """The ledger row, locked: whoever holds it decides the next place of that section or unit."""
    ensure_open(period)
    rows = QuotaLedger.objects.select_for_update().filter(period=period, unit=unit, section=section)
    row = rows.first()
    if row is None:
        # Made here, or by a concurrent act a moment before (the unique constraint refuses the second):
        # either way the lock is then taken on that one row.
        with contextlib.suppress(IntegrityError), transaction.atomic():
            QuotaLedger.objects.create(period=period, unit=unit, section=section, ratio=good_ratio(period, unit))
        row = rows.get()
    return row


LEDGER_FIGURES = (
    "ratio",
    "participants",
    "accumulated",
    "places",
    "cumulative_places",
    "nominations",
    "approved",
    "carried",
)


def ledger_figures(period: Period, unit: Unit) -> dict[int | None, QuotaLedger]:
    """The 申报表 figures of every section taking part and of the unit's own total (key None), computed
    from the results as they stand: unsaved rows, which ``allocate`` writes and the register reads."""
    ratio = good_ratio(period, unit)
    rows: dict[int | None, QuotaLedger] = {}
    for section_id, fig in unit_figures(period, unit).items():
        history = quota.ledger(ratio=ratio, participants=fig.participants, nominations=fig.usage)
        current = history[-1]
        unit_total = section_id is None
        rows[section_id] = QuotaLedger(
            period=period,
            unit=unit,
            section_id=section_id,
            ratio=ratio,
            participants=current.participants,
            accumulated=current.accumulated,
            places=current.places,
            cumulative_places=sum(q.places for q in (history[1:] if fig.has_opening else history)),
            nominations=fig.nominated_now + fig.picked_now if unit_total else fig.nominated_now,
            approved=fig.good_now,
            carried=current.accumulated - (fig.good_now if unit_total else fig.nominated_now),
        )
    return rows


@transaction.atomic
def allocate(*, period: Period, unit: Unit) -> list[QuotaLedger]:
    """Write the ledger of every section and of the unit for ``period`` (the 申报表 figures), in a fixed
    number of queries. Idempotent: the figures are recomputed from the results each time."""
    ensure_open(period)  # a closed quarter's ledgers are its record: a later ratio must not rewrite them
    computed = ledger_figures(period, unit)
    existing = {
        row.section_id: row
        for row in QuotaLedger.objects.select_for_update().filter(period=period, unit=unit).order_by("pk")
    }
    missing = [row for section_id, row in computed.items() if section_id not in existing]
    if missing:
        QuotaLedger.objects.bulk_create(missing, ignore_conflicts=True)  # a concurrent allocation may win
        existing = {
            row.section_id: row
            for row in QuotaLedger.objects.select_for_update().filter(period=period, unit=unit).order_by("pk")
        }
    rows = []
    for section_id, figures in computed.items():
        row = existing[section_id]
        for name in LEDGER_FIGURES:
            setattr(row, name, getattr(figures, name))
        rows.append(row)
    update_rows(rows, list(LEDGER_FIGURES))
    QuotaLedger.objects.filter(pk__in=[r.pk for r in rows]).update(allocated_at=timezone.now())
    return sorted(rows, key=lambda r: (r.section_id is None, r.section_id or 0))
