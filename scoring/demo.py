"""The demo county's scoring history for the current year, built through the real services.

Q1 and Q2 closed, Q3 in scoring with every sheet filled, the current quarter open with its first
month's performance imported. Like the organisation, it is deterministic and idempotent: inputs are
created only where missing, and recomputing unchanged inputs writes nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from assessment.models import AssessmentYear, Period
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
from units.models import Region

SEED = 4202611
SYSTEM_USERNAME = "seed-demo"
HALF = Decimal("0.5")


def _system_user():
    """The actor the demo history is recorded under; it cannot log in."""
    User = get_user_model()
    user, made = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_superuser": True, "full_name": "演示数据"}
    )
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


@transaction.atomic
def load_demo_scores(*, region: Region, today: datetime.date) -> dict[str, int]:
    rng = random.Random(SEED)
    actor = _system_user()
    created = {"templates": len(services.templates_install_defaults(year=today.year))}
    year, _made = AssessmentYear.objects.get_or_create(region=region, year=today.year)
    current = _quarter_of(today)
    periods = []
    for quarter in range(1, current + 1):
        period, _made = Period.objects.get_or_create(
            assessment_year=year, quarter=quarter, defaults={"status": Period.Status.OPEN}
        )
        periods.append(period)

    created["sheets"] = 0
    for period in periods:
        if period.is_closed:
            continue
        for unit in region.units.filter(is_active=True).select_related("category").order_by("pk"):
            created["sheets"] += services.sheets_open(period=period, unit=unit, by=actor)

    created["monthly_scores"] = _monthly(periods, today, actor, rng)
    created["entries"] = _entries([p for p in periods if p.quarter < current], actor, rng)
    created["events"] = _events([p for p in periods if p.quarter < current], actor, rng)
    for period in periods:
        services.sheets_recompute(sheets=ScoreSheet.objects.filter(period=period), by=actor)
    for period in periods:
        status = Period.Status.CLOSED if period.quarter < current - 1 else None
        if period.quarter == current - 1:
            status = Period.Status.OPEN
        if period.quarter == current:
            status = Period.Status.OPEN
        if status and period.status != status:
            period.status = status
            period.save(update_fields=["status"])
    return created


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


def _entries(periods: list[Period], actor, rng: random.Random) -> int:
    made = 0
    items_by_template: dict[int, list[IndicatorItem]] = {}
    for period in periods:
        sheets = ScoreSheet.objects.filter(period=period, entries__isnull=True).order_by("pk")
        rows = []
        for sheet in sheets:
            items = items_by_template.get(sheet.template_id)
            if items is None:
                items = list(
                    IndicatorItem.objects.filter(template_id=sheet.template_id, kind__in=IndicatorItem.ENTERED)
                )
                items_by_template[sheet.template_id] = items
            level = rng.choices((0.97, 0.9, 0.8, 0.65), weights=(35, 45, 15, 5))[0]
            for item in items:
                fraction = Decimal(str(min(1.0, max(0.4, rng.gauss(level, 0.04)))))
                points = (item.max_points * fraction / HALF).quantize(Decimal("1")) * HALF
                rows.append(ScoreEntry(sheet=sheet, item=item, points=min(points, item.max_points), entered_by=actor))
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
        for code, matter in plan:
            for sheet in rng.sample(sheets, 4):
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
    return made
