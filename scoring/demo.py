"""The demo county's scoring inputs (monthly performance, entries, events), made through the services.

Deterministic and idempotent: inputs are created only where missing, and recomputing unchanged inputs
writes nothing. The quarterly procedure on top of them is in ``assessment.demo``.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model

from periods.models import Period
from scoring import services
from scoring.models import (
    Event,
    EventStandard,
    IndicatorItem,
    MonthlyImport,
    MonthlyScore,
    ScoreEntry,
    ScoreSheet,
)
from units.models import RoleAssignment

SEED = 4202611
SYSTEM_USERNAME = "seed-demo"
HALF = Decimal("0.5")

# What the fairness analytics must find in the demo (domain.md §9), made through the services: two section
# heads of 区公安分局 who enter their sections' common points themselves, one generously and one meagrely, and two
# units whose offices record no negative event; every other unit records at least one each year.
LENIENT_HEAD, SEVERE_HEAD = "head-cg", "head-dc"
HEAD_BIAS = {LENIENT_HEAD: Decimal("0.12"), SEVERE_HEAD: Decimal("-0.12")}  # share of each item's maximum
SILENT_UNITS = ("QS022", "QS033")  # 区统计局, 区科学技术协会


def system_user():
    """The actor the demo history is recorded under; it cannot log in."""
    User = get_user_model()
    user, made = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_superuser": True, "full_name": "演示数据"}
    )
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def fill_inputs(*, period: Period, today: datetime.date, actor, rng: random.Random, scored: bool) -> dict[str, int]:
    """The quarter's scoring inputs, where missing: monthly performance for the months before ``today``'s,
    and, for a quarter that is being or has been scored, every sheet's entries and a few dozen events."""
    made = {"monthly_scores": _monthly([period], today, actor, rng)}
    made["entries"] = _entries([period], actor, rng) if scored else 0
    made["events"] = _events([period], actor, rng) if scored else 0
    services.sheets_recompute(sheets=ScoreSheet.objects.filter(period=period), by=actor)
    return made


def _monthly(periods: list[Period], today: datetime.date, actor, rng: random.Random) -> int:
    made = 0
    for period in periods:
        months = [m for m in period.months if datetime.date(period.year, m, 1) < today.replace(day=1)]
        if not months:
            continue
        person_ids = list(
            ScoreSheet.objects.filter(period=period).order_by("person_id").values_list("person_id", flat=True)
        )
        have = set(
            MonthlyScore.objects.filter(year=period.year, month__in=months, person_id__in=person_ids).values_list(
                "person_id", "month"
            )
        )
        rows = []
        for person_id in person_ids:
            base = rng.uniform(78, 97)
            for month in months:
                score = Decimal(str(round(min(100.0, max(55.0, rng.gauss(base, 3))), 1)))
                if (person_id, month) not in have:
                    rows.append(MonthlyScore(person_id=person_id, year=period.year, month=month, score=score))
        if not rows:
            continue
        batch = MonthlyImport.objects.create(
            period=period,
            file_name=f"演示数据-{period.year}年{months[0]}-{months[-1]}月.xlsx",
            sha256="-",
            rows=len(rows),
            created=len(rows),
            imported_by=actor,
        )
        for row in rows:
            row.batch = batch
        MonthlyScore.objects.bulk_create(rows, batch_size=2000)
        made += len(rows)
    return made


def _heads() -> dict[int, object]:
    """The biased section heads by their section's pk (none before the roster is loaded)."""
    found = RoleAssignment.objects.filter(user__username__in=HEAD_BIAS, role="section_head").select_related("user")
    return {a.section_id: a.user for a in found if a.section_id}


def _entries(periods: list[Period], actor, rng: random.Random) -> int:
    made = 0
    items_by_template: dict[int, list[IndicatorItem]] = {}
    heads = _heads()
    for period in periods:
        sheets = ScoreSheet.objects.filter(period=period, entries__isnull=True).select_related("person").order_by("pk")
        rows = []
        for sheet in sheets:
            items = items_by_template.get(sheet.template_id)
            if items is None:
                items = list(
                    IndicatorItem.objects.filter(template_id=sheet.template_id, kind__in=IndicatorItem.ENTERED)
                )
                items_by_template[sheet.template_id] = items
            level = rng.choices((0.97, 0.9, 0.8, 0.65), weights=(35, 45, 15, 5))[0]
            head = heads.get(sheet.section_id)
            if head is not None and sheet.person.user_id == head.pk:
                head = None  # nobody scores themself: the office enters the head's own sheet
            bias = HEAD_BIAS[head.username] if head is not None else Decimal(0)
            values = {}
            for item in items:
                fraction = Decimal(str(min(1.0, max(0.4, rng.gauss(level, 0.04))))) + (
                    bias if item.kind == IndicatorItem.Kind.COMMON else 0
                )
                fraction = min(max(fraction, Decimal("0.4")), Decimal(1))
                points = (item.max_points * fraction / HALF).quantize(Decimal("1")) * HALF
                values[item.pk] = min(points, item.max_points)
            if head is not None:
                # The section head enters the sheet through the service, as on the scoring grid.
                services.sheet_enter(sheet=sheet, values=values, by=head)
                made += len(values)
                continue
            rows += [ScoreEntry(sheet=sheet, item_id=pk, points=v, entered_by=actor) for pk, v in values.items()]
        ScoreEntry.objects.bulk_create(rows, batch_size=5000)
        made += len(rows)
    return made


def _events(periods: list[Period], actor, rng: random.Random) -> int:
    standards = {s.code: s for s in EventStandard.objects.filter(region__isnull=True)}
    plan = [
        ("city_commendation", "市级先进工作者"),
        ("provincial_commendation", "省级优秀案例"),
        ("leader_endorsement", "调研报告获区委主要领导批示"),
        ("information_adopted", "政务信息被市委办采用"),
        ("valid_complaint", "窗口服务被有效投诉"),
        ("task_overdue", "重点任务未按时完成"),
        ("circulated_criticism", "督查通报批评"),
    ]
    made = 0
    for period in periods:
        if Event.objects.filter(period=period).exists():
            continue
        sheets = list(ScoreSheet.objects.filter(period=period).select_related("person", "unit").order_by("pk"))
        speaking = [s for s in sheets if s.unit.code not in SILENT_UNITS]
        for code, matter in plan:
            negative = standards[code].kind != EventStandard.Kind.BONUS
            for sheet in rng.sample(speaking if negative else sheets, 4):
                standard = standards[code]
                services.event_record(
                    period=period,
                    unit=sheet.unit,
                    matter=f"{matter}（{sheet.person.name}）",
                    standard=standard,
                    evidence="演示数据：相关文件",
                    shares=[(sheet.person, standard.points)],
                    by=actor,
                )
                made += 1
        # The same matter under two standards counts once, at the higher value.
        sheet = sheets[0]
        for code in ("city_commendation", "provincial_commendation"):
            standard = standards[code]
            services.event_record(
                period=period,
                unit=sheet.unit,
                matter="抗洪抢险表现突出",
                standard=standard,
                evidence="演示数据：市、省表彰文件",
                shares=[(sheet.person, standard.points)],
                by=actor,
            )
            made += 1
        made += _negative_each_year(period, speaking, standards["circulated_criticism"], actor, rng)
    return made


def _negative_each_year(period: Period, sheets: list[ScoreSheet], standard: EventStandard, actor, rng) -> int:
    """Every unit but the silent ones records a negative event in each year: in the year's first quarter, one
    for each unit that the draw left without."""
    if period.quarter != 1:
        return 0
    negative = (EventStandard.Kind.DEDUCTION, EventStandard.Kind.VETO)
    spoken = set(Event.objects.filter(period=period, standard__kind__in=negative).values_list("unit_id", flat=True))
    by_unit: dict[int, list[ScoreSheet]] = {}
    for sheet in sheets:
        by_unit.setdefault(sheet.unit_id, []).append(sheet)
    made = 0
    for unit_id, own in sorted(by_unit.items()):
        if unit_id in spoken:
            continue
        sheet = rng.choice(own)
        services.event_record(
            period=period,
            unit=sheet.unit,
            matter=f"工作纪律检查通报（{sheet.person.name}）",
            standard=standard,
            evidence="演示数据：督查通报",
            shares=[(sheet.person, standard.points)],
            by=actor,
        )
        made += 1
    return made
