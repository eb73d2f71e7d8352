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

SEED = 4202611
SYSTEM_USERNAME = "seed-demo"
HALF = Decimal("0.5")


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
