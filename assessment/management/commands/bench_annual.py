"""Time to roll up the demo county's last year: from nothing, again with nothing changed, and after one
corrected quarter. Every run is rolled back.

python manage.py seed_demo && python manage.py bench_annual --repeat 3
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from assessment.models import AnnualAppeal, AnnualLedger, AnnualResult, QuarterlyResult
from assessment.year.tasks import annual_rollup_task
from audit.maintenance import erase
from audit.models import AuditEntry
from periods.models import AssessmentYear, Period
from scoring.demo import system_user
from units.demo import DEMO_REGION_CODE


class Command(BaseCommand):
    help = "Benchmark rolling up the demo county's last closed year (run seed_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *args, repeat: int, **options):
        year = (
            AssessmentYear.objects.filter(region__code=DEMO_REGION_CODE)
            .exclude(periods__status__in=[Period.Status.DRAFT, Period.Status.OPEN])
            .order_by("-year")
            .first()
        )
        if year is None:
            raise CommandError("No closed demo year: run `python manage.py seed_demo` first.")
        actor = system_user()
        people = QuarterlyResult.objects.filter(period__assessment_year=year).values("person_id").distinct().count()
        self.stdout.write(f"database: {connection.vendor}; {year.year}: {people} people; runs: {repeat}")
        fresh, unchanged, corrected = [], [], []
        for _ in range(repeat):
            with transaction.atomic():
                # Untimed: start from nothing (rolled back afterwards, the audit trail included).
                # The trail is append-only; a benchmark run, rolled back anyway, is the sanctioned exception.
                erase(AuditEntry.objects.filter(assessment_year=year), why="benchmark reset, rolled back")
                AnnualAppeal.objects.filter(result__assessment_year=year).delete()
                AnnualResult.objects.filter(assessment_year=year).delete()
                AnnualLedger.objects.filter(assessment_year=year).delete()
                started = time.perf_counter()
                first = annual_rollup_task.apply(args=(year.pk, actor.pk)).get()
                fresh.append(time.perf_counter() - started)
                started = time.perf_counter()
                second = annual_rollup_task.apply(args=(year.pk, actor.pk)).get()
                unchanged.append(time.perf_counter() - started)
                one = QuarterlyResult.objects.filter(period__assessment_year=year, final_grade="较好").first()
                QuarterlyResult.objects.filter(pk=one.pk).update(final_grade="一般")
                started = time.perf_counter()
                third = annual_rollup_task.apply(args=(year.pk, actor.pk)).get()
                corrected.append(time.perf_counter() - started)
                transaction.set_rollback(True)
        self.stdout.write(
            f"roll up from nothing ({first['units']} units, {first['created']} results): "
            f"median {statistics.median(fresh):.3f}s, worst {max(fresh):.3f}s"
        )
        self.stdout.write(
            f"roll up again, nothing changed ({second['unchanged']} unchanged): "
            f"median {statistics.median(unchanged):.3f}s"
        )
        self.stdout.write(
            f"roll up after one corrected quarter ({third['updated']} updated): "
            f"median {statistics.median(corrected):.3f}s"
        )
