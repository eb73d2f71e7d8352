"""Timings of the scoring paths on the demo county. Every run is rolled back, so the data is unchanged.

python manage.py seed_demo && python manage.py bench_scoring --repeat 5
"""

import io
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from openpyxl import load_workbook

from periods.models import Period
from scoring import services
from scoring.models import ScoreSheet
from scoring.monthly import monthly_import, monthly_template
from units.demo import DEMO_REGION_CODE

User = get_user_model()


class Command(BaseCommand):
    help = "Benchmark the scoring services on the demo county (run seed_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, repeat: int, **options):
        period = (
            Period.objects.filter(assessment_year__region__code=DEMO_REGION_CODE, score_sheets__is_complete=True)
            .distinct()
            .order_by("-assessment_year__year", "-quarter")
            .first()
        )
        if period is None:
            raise CommandError("No scored demo quarter: run `python manage.py seed_demo` first.")
        org = User.objects.get(username="org")
        sheets = list(ScoreSheet.objects.filter(period=period))
        self.stdout.write(f"database: {connection.vendor}; period: {period} ({len(sheets)} sheets); runs: {repeat}")

        def recompute_all():
            # Every sheet rewritten (version bump), the worst case of a template or parameter change.
            services.sheets_recompute(sheets=sheets, force_version_bump=True)

        def recompute_unchanged():
            services.sheets_recompute(sheets=sheets)

        open_period = (
            Period.objects.filter(assessment_year=period.assessment_year, status=Period.Status.OPEN)
            .order_by("-quarter")
            .first()
        )
        target = open_period or period
        month = target.months[-1]
        workbook = load_workbook(io.BytesIO(monthly_template(period=target, month=month, by=org)))
        sheet = workbook.active
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row=row, column=6, value=75 + row % 25)
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
        rows = sheet.max_row - 1

        def import_file():
            if target.is_closed:
                raise CommandError("No open period to import into.")
            monthly_import(content=content, file_name="bench.xlsx", period=target, by=org)

        for name, action in (
            (f"recompute every sheet of {period}", recompute_all),
            (f"recompute {period} with nothing changed", recompute_unchanged),
            (f"import a {rows}-row monthly file into {target}", import_file),
        ):
            timings = []
            for _ in range(repeat):
                with transaction.atomic():
                    started = time.perf_counter()
                    action()
                    timings.append(time.perf_counter() - started)
                    transaction.set_rollback(True)
            self.stdout.write(
                f"{name}: median {statistics.median(timings):.3f}s, min {min(timings):.3f}s, max {max(timings):.3f}s"
            )
