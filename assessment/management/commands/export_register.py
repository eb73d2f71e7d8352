"""Export a register (登记表) to an Excel file, for scripts and tests.

python manage.py export_register quarterly-results --year 2026 --quarter 3 --unit GA-001 -o out.xlsx

Without ``--unit`` every unit of the region is exported into one workbook. The command runs with the
whole system's scope: whoever may run it already holds the database.
"""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessment.registers.export import KINDS, Request, validate, write_register
from periods.models import AssessmentYear
from units.models import Unit
from units.permissions import Scope


class Command(BaseCommand):
    help = "Export one register for one unit, or for every unit of a region, to an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, choices=(1, 2, 3, 4))
        parser.add_argument("--unit", help="unit code; every unit of the region without it")
        parser.add_argument("--region", help="region code, needed only when several regions have the year")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, kind, year, quarter, unit, region, output, **options):
        target = None
        years = AssessmentYear.objects.filter(year=year).select_related("region")
        if unit:
            target = Unit.objects.select_related("region").filter(code=unit).first()
            if target is None:
                raise CommandError(f"No unit with the code {unit}.")
            years = years.filter(region=target.region)
        elif region:
            years = years.filter(region__code=region)
        found = list(years[:2])
        if not found:
            raise CommandError(f"No assessment year {year} there.")
        if len(found) > 1:
            raise CommandError(f"Several regions have the year {year}: name one with --region.")
        request = Request(kind=kind, assessment_year=found[0], quarter=quarter, unit=target)
        try:
            validate(request)  # before the file is opened: a refused request leaves no file behind
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        started = time.perf_counter()
        with open(output, "wb") as out:
            done = write_register(request=request, scope=Scope(everything=True), out=out)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{request.title}: {done.units} units, {done.sheets} sheets, {done.rows} rows → {output} ({seconds:.2f} s)"
        )
