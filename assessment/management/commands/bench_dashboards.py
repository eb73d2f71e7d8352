"""Server-side timings and query counts of the dashboards over the demo county: the organisation
department's region dashboard and the office's quarter board, for the current quarter and the one before,
through Django's test client (warm: one untimed request first). Reads only.

python manage.py seed_demo && python manage.py bench_dashboards --repeat 10
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import QuarterlyResult
from periods.models import Period
from units.demo import DEMO_REGION_CODE
from units.permissions import Action
from units.selectors import units_visible_to

User = get_user_model()


class Command(BaseCommand):
    help = "Benchmark the region dashboard and the office's quarter board on the demo county (run seed_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=10)
        parser.add_argument("--org", default="org", help="the organisation department's demo account")
        parser.add_argument("--office", default="office", help="the assessment office's demo account")

    def handle(self, *args, repeat: int, org: str, office: str, **options):
        periods = list(
            Period.objects.filter(assessment_year__region__code=DEMO_REGION_CODE)
            .exclude(status=Period.Status.DRAFT)
            .select_related("assessment_year")
            .order_by("-assessment_year__year", "-quarter")[:2]
        )
        users = {u.username: u for u in User.objects.filter(username__in=[org, office])}
        if not periods or len(users) < 2:
            raise CommandError("No demo county here: run `python manage.py seed_demo` first.")
        unit = units_visible_to(user=users[office], action=Action.RUN_PERIOD).first()
        self.stdout.write(f"database: {connection.vendor}; runs: {repeat} (after one untimed request)")
        for period in periods:
            results = QuarterlyResult.objects.filter(period=period)
            self.stdout.write(
                f"{period} ({period.get_status_display()}): {results.count()} results in "
                f"{results.values('unit_id').distinct().count()} units"
            )
            self._time(
                "  region dashboard",
                users[org],
                reverse("quarter:region_dashboard") + f"?period={period.pk}",
                repeat,
            )
            self._time(
                f"  quarter board of {unit.code} ({results.filter(unit=unit).count()} results)",
                users[office],
                reverse("quarter:board", args=[period.pk, unit.code]),
                repeat,
            )

    def _time(self, label: str, user, url: str, repeat: int) -> None:
        client = Client(HTTP_HOST="localhost")  # an allowed host of the local settings
        client.force_login(user)
        assert client.get(url).status_code == 200, url
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, url
        self.stdout.write(
            f"{label}: median {statistics.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms, "
            f"{len(queries)} queries, {len(response.content) // 1024} KiB"
        )
