"""Server time of the score-entry grid on the demo county: the page of the largest section with sheets in an
open period, and one row save. Everything runs in one transaction that is rolled back, so the data is
unchanged (a temporary officer is made when the unit has none).

python manage.py seed_demo && python manage.py bench_grid --repeat 20
"""

import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from periods.models import Period
from scoring import services
from scoring.models import IndicatorItem, ScoreSheet
from units.demo import DEMO_REGION_CODE
from units.models import Role, RoleAssignment, Section

User = get_user_model()


class Command(BaseCommand):
    help = "Benchmark the score-entry grid page and a row save on the demo county (run seed_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument(
            "--any-period",
            action="store_true",
            help="the largest section of any period, closed ones included (its grid is read-only: GET only)",
        )

    def handle(self, *args, repeat: int, any_period: bool = False, **options):
        # Sheets whose result has moved past scoring are read-only in the grid: only count the editable ones.
        sheets = ScoreSheet.objects.filter(
            period__assessment_year__region__code=DEMO_REGION_CODE, section__isnull=False
        )
        if not any_period:
            sheets = sheets.exclude(period__status=Period.Status.CLOSED).filter(
                Q(result__isnull=True) | Q(result__status__in=services.OPEN_STEPS)
            )
        largest = (
            sheets.values("period_id", "section_id")
            .annotate(n=Count("id"))
            .order_by("-n", "period_id", "section_id")
            .first()
        )
        if largest is None:
            raise CommandError("No demo section with sheets to score in an open period: run seed_demo.")
        period = Period.objects.get(pk=largest["period_id"])
        section = Section.objects.select_related("unit").get(pk=largest["section_id"])
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]), transaction.atomic():
            self._run(period, section, largest["n"], repeat, get_only=any_period)
            transaction.set_rollback(True)

    def _officer(self, section: Section) -> User:
        assignment = RoleAssignment.objects.filter(role=Role.OFFICE, unit=section.unit).select_related("user").first()
        if assignment is not None:
            return assignment.user
        user = User.objects.create(username="bench-grid-officer")
        RoleAssignment.objects.create(user=user, role=Role.OFFICE, unit=section.unit)
        return user

    def _time(self, label: str, request, repeat: int) -> None:
        request()  # warm: templates, caches, the session
        timings, queries = [], []
        for _n in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = request()
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code not in (200, 302):
                raise CommandError(f"{label}: HTTP {response.status_code}")
            queries.append(len(captured.captured_queries))
        self.stdout.write(
            f"{label}: median {statistics.median(timings):.1f} ms, worst {max(timings):.1f} ms, "
            f"queries {min(queries)}–{max(queries)} ({repeat} runs)"
        )

    def _run(self, period: Period, section: Section, people: int, repeat: int, *, get_only: bool = False) -> None:
        officer = self._officer(section)
        client = Client()
        client.force_login(officer)
        self.stdout.write(
            f"database: {connection.vendor}; {section.unit.name} · {section.name} · {period} "
            f"({people} sheets to score); as {officer.username}"
        )
        url = reverse("scoring:grid", args=[period.pk, section.pk])
        self._time("grid page GET", lambda: client.get(url), repeat)
        if get_only:
            return

        moved = services.moved_on(
            period=period,
            person_ids=ScoreSheet.objects.filter(period=period, section=section).values_list("person_id", flat=True),
        )
        sheet = (
            ScoreSheet.objects.filter(period=period, section=section)
            .exclude(person_id__in=list(moved))
            .exclude(person__user=officer)
            .order_by("person__post_order", "person_id")
            .first()
        )
        if sheet is None:
            self.stdout.write("row save: no sheet of the section is still with its section; skipped")
            return
        item = IndicatorItem.objects.filter(template_id=sheet.template_id, kind__in=IndicatorItem.ENTERED).first()
        row_url = reverse("scoring:grid_row", args=[sheet.pk])
        turn = [0]

        def save_row():
            # A real change every time (two values in turn), so each save writes, recomputes and bumps the version.
            turn[0] += 1
            fresh = ScoreSheet.objects.get(pk=sheet.pk)
            value = item.max_points - (turn[0] % 2)
            return client.post(row_url, {f"s{sheet.pk}-{item.pk}": str(value), f"s{sheet.pk}-version": fresh.version})

        self._time(f"row save ({sheet.person.name}, {item.name})", save_row, repeat)
