"""Time the bulk score entry of the API on the demo data: ``manage.py bench_api [--unit 区公安分局] [--runs 7]``.

Picks the unit's largest section in a period whose results are still with the sections, posts every sheet
of it with every entered item in one request (as the unit's assessment office), and reports the median.
Then times one act of the workflow: the office answering a waiting review request (the demo leaves one in
the quarter under publicity). Each run is rolled back, so the demo data is left as it was and every run
does the same work.
"""

from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from rest_framework.test import APIClient

from assessment.models import ReviewRequest
from scoring.models import IndicatorItem, ScoreSheet
from scoring.services import OPEN_STEPS
from units.models import RoleAssignment, Unit


class Command(BaseCommand):
    help = "Median time of a bulk score entry for the largest section of a demo unit."

    def add_arguments(self, parser):
        parser.add_argument("--unit", default="区公安分局", help="Name of the unit.")
        parser.add_argument("--runs", type=int, default=7)

    def handle(self, *args, unit: str, runs: int, **options):
        found = Unit.objects.filter(name=unit).first()
        if found is None:
            raise CommandError(f"No unit named {unit}: run seed_demo first.")
        open_sheets = ScoreSheet.objects.filter(unit=found, section__isnull=False, result__status__in=OPEN_STEPS)
        largest = (
            open_sheets.values("period_id", "section_id").annotate(n=Count("pk")).order_by("-n", "-period_id").first()
        )
        if largest is None:
            raise CommandError(f"{unit} has no sheets still with its sections.")
        office = RoleAssignment.objects.filter(role="office", unit=found).select_related("user").first()
        if office is None:
            raise CommandError(f"{unit} has no assessment office account.")
        sheets = list(open_sheets.filter(period_id=largest["period_id"], section_id=largest["section_id"]))
        items: dict[int, list[IndicatorItem]] = {}
        for item in IndicatorItem.objects.filter(
            template_id__in={s.template_id for s in sheets}, kind__in=IndicatorItem.ENTERED
        ):
            items.setdefault(item.template_id, []).append(item)
        url = f"/api/v1/periods/{largest['period_id']}/sections/{largest['section_id']}/scores/"
        client = APIClient(SERVER_NAME="localhost")
        client.force_authenticate(office.user)
        timings = []
        for run in range(runs):
            body = [
                {
                    "sheet": sheet.pk,
                    "version": sheet.version,
                    # Different points on every run, so that every entry changes.
                    "entries": {str(i.pk): str(i.max_points - (run % 2) - 1) for i in items[sheet.template_id]},
                }
                for sheet in sheets
            ]
            with transaction.atomic():
                started = time.perf_counter()
                response = client.post(url, body, format="json")
                timings.append(time.perf_counter() - started)
                transaction.set_rollback(True)
            if response.status_code != 200:
                raise CommandError(f"{response.status_code}: {response.content[:500]!r}")
        entries = sum(len(row["entries"]) for row in body)
        self.stdout.write(
            f"{unit}: section {largest['section_id']}, period {largest['period_id']}, {len(sheets)} sheets, "
            f"{entries} entries per request; median {statistics.median(timings) * 1000:.0f} ms over {runs} runs "
            f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f})"
        )
        self._time_review_answer(found, runs)

    def _time_review_answer(self, unit: Unit, runs: int) -> None:
        """The unit's waiting review request, or else one of its region's, answered by that unit's office."""
        waiting = ReviewRequest.objects.filter(result__unit__region=unit.region, answered_at__isnull=True)
        waiting = waiting.select_related("result__unit").order_by("pk")
        chosen = waiting.filter(result__unit=unit).first() or waiting.first()
        if chosen is None:
            self.stdout.write(f"{unit.region}: no review request waiting; the review answer is not timed.")
            return
        unit = chosen.result.unit
        office = RoleAssignment.objects.filter(role="office", unit=unit).select_related("user").first()
        if office is None:
            self.stdout.write(f"{unit.name} has no assessment office account; the review answer is not timed.")
            return
        waiting, office = chosen, office.user
        client = APIClient(SERVER_NAME="localhost")
        client.force_authenticate(office)
        url = f"/api/v1/review-requests/{waiting.pk}/answer/"
        timings = []
        for _run in range(runs):
            with transaction.atomic():
                started = time.perf_counter()
                response = client.post(url, {"answer": "经复核，维持原等次。"}, format="json")
                timings.append(time.perf_counter() - started)
                transaction.set_rollback(True)
            if response.status_code != 200:
                raise CommandError(f"{response.status_code}: {response.content[:500]!r}")
        self.stdout.write(
            f"{unit.name}: review request {waiting.pk} answered; median {statistics.median(timings) * 1000:.0f} ms "
            f"over {runs} runs (min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f})"
        )
