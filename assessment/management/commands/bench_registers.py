"""Time and peak memory of the registers of the demo county, written to a temporary file as the background
export does. Memory is Python's peak allocation (tracemalloc) in a separate run, so it does not slow the
timed ones; one unit against the whole region shows whether memory stays flat as rows grow.

python manage.py seed_demo && python manage.py bench_registers --repeat 3
"""

import statistics
import tempfile
import time
import tracemalloc

from django.core.management.base import BaseCommand, CommandError

from assessment.registers.export import KINDS, QUARTERLY_KINDS, Request, write_register
from periods.models import Period
from units.demo import DEMO_REGION_CODE
from units.models import Unit
from units.permissions import Scope


class Command(BaseCommand):
    help = "Benchmark exporting the demo county's registers (run seed_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--kind", action="append", choices=KINDS, help="default: every register")

    def handle(self, *args, repeat: int, kind, **options):
        period = (
            Period.objects.filter(assessment_year__region__code=DEMO_REGION_CODE, status=Period.Status.CLOSED)
            .select_related("assessment_year__region")
            .order_by("-assessment_year__year", "-quarter")
            .first()
        )
        if period is None:
            raise CommandError("No closed quarter in the demo county: run seed_demo first.")
        year = period.assessment_year
        annual_year = year.region.years.filter(annual_results__isnull=False).order_by("-year").first()
        one_unit = Unit.objects.filter(region=year.region).order_by("-pk").first()
        one_unit = Unit.objects.filter(name="区公安分局").first() or one_unit
        self.stdout.write(f"{year.region}, {period}: median of {repeat} (worst), peak Python memory")
        for name in kind or KINDS:
            quarter = period.quarter if name in QUARTERLY_KINDS else None
            target_year = annual_year if name == "annual-person" and annual_year else year
            for unit in (one_unit, None):
                request = Request(kind=name, assessment_year=target_year, quarter=quarter, unit=unit)
                seconds, rows, sheets, size = [], 0, 0, 0
                for _ in range(repeat):
                    started = time.perf_counter()
                    rows, sheets, size = self._export(request)
                    seconds.append(time.perf_counter() - started)
                tracemalloc.start()
                self._export(request)
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                where = unit.name if unit else "whole region"
                self.stdout.write(
                    f"{request.title} ({where}): {rows} rows, {sheets} sheets, {size / 1e6:.1f} MB — "
                    f"{statistics.median(seconds):.2f} s ({max(seconds):.2f}), peak {peak / 1e6:.1f} MB"
                )

    def _export(self, request: Request) -> tuple[int, int, int]:
        with tempfile.TemporaryFile() as out:
            done = write_register(request=request, scope=Scope(everything=True), out=out)
            return done.rows, done.sheets, out.tell()
