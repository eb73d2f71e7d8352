"""Time to allocate places and grade a whole quarter of the demo county. Every run is rolled back.

python manage.py seed_demo && python manage.py bench_quarter --repeat 3
"""

import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from assessment.demo import _act_out
from assessment.models import QuarterlyResult
from assessment.quarter.tasks import allocate_places_task
from periods.models import Period
from scoring.demo import SEED, fill_inputs, system_user
from units.demo import DEMO_REGION_CODE
from units.models import Unit


class Command(BaseCommand):
    help = "Benchmark allocating and grading the demo county's current quarter (run seed_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *args, repeat: int, **options):
        period = (
            Period.objects.filter(assessment_year__region__code=DEMO_REGION_CODE, status=Period.Status.OPEN)
            .order_by("-assessment_year__year", "-quarter")
            .first()
        )
        if period is None or not period.results.filter(status=QuarterlyResult.Status.SUMMARY).exists():
            raise CommandError("No demo quarter waiting for grading: run `python manage.py seed_demo` first.")
        actor = system_user()
        units = list(Unit.objects.filter(pk__in=period.results.values("unit_id")).order_by("pk"))
        self.stdout.write(
            f"database: {connection.vendor}; {period}: {period.results.count()} results in {len(units)} units; "
            f"runs: {repeat}"
        )
        allocate_times, grade_times = [], []
        for _ in range(repeat):
            with transaction.atomic():
                # Untimed: the quarter's scores, as the demo fills them.
                fill_inputs(period=period, today=period.end_date, actor=actor, rng=random.Random(SEED), scored=True)
                started = time.perf_counter()
                summary = allocate_places_task.apply(args=[period.pk]).get()
                allocate_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                for unit in units:
                    _act_out(period, unit, actor, random.Random(SEED), published_on=timezone.localdate(), finish=False)
                grade_times.append(time.perf_counter() - started)
                published = period.results.filter(status=QuarterlyResult.Status.PUBLICITY).count()
                transaction.set_rollback(True)
        self.stdout.write(
            f"allocate places for the region ({summary['units']} units, {summary['sections']} sections): "
            f"median {statistics.median(allocate_times):.3f}s"
        )
        self.stdout.write(
            f"grade the quarter (summaries, proposals, reviews, decisions, publication; {published} published): "
            f"median {statistics.median(grade_times):.3f}s, min {min(grade_times):.3f}s, max {max(grade_times):.3f}s"
        )
