"""Time the demo county's fairness analytics: the year's report computed from the rows, and the
organisation department's page served from the cache and with the cache cold, as a browser asks for it.

python manage.py seed_demo && python manage.py bench_fairness --repeat 7
"""

import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.models import User
from assessment.analytics import selectors
from units.demo import DEMO_REGION_CODE


class Command(BaseCommand):
    help = "Benchmark the fairness analytics of the demo county's last full year (run seed_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7)

    def handle(self, *args, repeat: int, **options):
        org = User.objects.filter(username="org").first()
        years = [y for y in selectors.analytics_years_for(user=org) if y.region.code == DEMO_REGION_CODE] if org else []
        year = selectors.default_year(years)
        if year is None:
            raise CommandError("No closed demo quarter: run `python manage.py seed_demo` first.")
        report = selectors.compute_report(assessment_year=year)
        self.stdout.write(
            f"database: {connection.vendor}; {year}: {report.region_people} people, {len(report.closed)} closed "
            f"quarters, {len(report.sections)} sections, {len(report.reviewers)} reviewers; runs: {repeat}"
        )
        computed, queries = [], 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as seen:
                started = time.perf_counter()
                selectors.compute_report(assessment_year=year)
                computed.append(time.perf_counter() - started)
            queries = len(seen.captured_queries)
        self._say("report computed", computed, queries)
        client = Client()
        client.force_login(org)
        url = reverse("analytics:year", args=[year.pk])
        with override_settings(ALLOWED_HOSTS=["*"]):
            for label, cold in (("page, cache cold", True), ("page, cached", False)):
                times = []
                for _ in range(repeat):
                    if cold:
                        cache.clear()
                    with CaptureQueriesContext(connection) as seen:
                        started = time.perf_counter()
                        response = client.get(url)
                        times.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise CommandError(f"{url} answered {response.status_code}")
                    queries = len(seen.captured_queries)
                self._say(label, times, queries)

    def _say(self, label: str, times: list[float], queries: int) -> None:
        self.stdout.write(
            f"{label}: median {statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms, "
            f"{queries} queries"
        )
