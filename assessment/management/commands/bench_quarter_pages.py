"""Page load and act times of a quarter's pages, for the largest section of the demo unit and for the whole
demo unit (区公安分局), as its own people meet them: each page fetched and each act posted through Django's
test client as the demo account whose role it is; the median of ``--repeat`` runs and the queries of one.

python manage.py seed_demo && python manage.py bench_quarter_pages --repeat 7

The quarter measured is the first of the year after the demo's newest, set up, opened and started inside one
transaction that is rolled back at the end; each timed act runs in a savepoint rolled back after it, and is
then taken once for real (untimed) to reach the next step. Publication's working days are passed with the
services' clock moved past them. Nothing is left in the database.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import QuarterlyResult
from assessment.quarter import services
from periods.models import AssessmentYear, Period
from scoring.demo import SEED, fill_inputs, system_user
from units.demo import DEMO_REGION_CODE, OFFICE_UNIT, unit_code
from units.models import Region, Section, Unit

Step = QuarterlyResult.Status


class Rollback(Exception):
    """Raised to undo a timed act."""


def capture() -> CaptureQueriesContext:
    """Queries of one request or act. The log is emptied first: it keeps at most 9,000 entries, and a
    long run would otherwise count nothing once it is full."""
    connection.queries_log.clear()
    return CaptureQueriesContext(connection)


class Command(BaseCommand):
    help = "Benchmark the quarter's pages and acts for the demo unit and its largest section (seed_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7)

    def handle(self, *args, repeat: int, **options):
        region = Region.objects.filter(code=DEMO_REGION_CODE).first()
        unit = Unit.objects.filter(code=unit_code(OFFICE_UNIT), region=region).first()
        users = {u.username: u for u in get_user_model().objects.filter(username__in=["org", "office", "leader"])}
        if region is None or unit is None or len(users) < 3:
            raise CommandError("The demo county is missing: run `python manage.py seed_demo` first.")
        self.repeat = repeat
        self.rows: list[tuple[str, str, float, int]] = []
        newest = AssessmentYear.objects.filter(region=region).order_by("-year").values_list("year", flat=True).first()
        year = (newest or datetime.date.today().year) + 1
        self.stdout.write(
            f"database: {connection.vendor}; unit {unit.name}; the first quarter of {year}; runs: {repeat}"
        )
        try:
            with transaction.atomic():
                self._walk(region, unit, year, users)
                raise Rollback
        except Rollback:
            pass
        width = max(len(name) for _kind, name, _t, _q in self.rows)
        self.stdout.write(f"{'':6} {'':{width}}  median    queries")
        for kind, name, median, queries in self.rows:
            self.stdout.write(f"{kind:6} {name:{width}}  {median * 1000:7.1f} ms {queries:5d}")

    # Measuring ------------------------------------------------------------------------------------------

    def client(self, user) -> Client:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        return client

    def page(self, name: str, client: Client, url: str) -> None:
        times = []
        for n in range(self.repeat + 1):
            with capture() as queries:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise CommandError(f"{name}: {url} answered {response.status_code}")
            if n:  # the first fetch warms the caches
                times.append(elapsed)
        self.rows.append(("page", name, statistics.median(times), len(queries)))

    def act(self, name: str, client: Client, url: str, data: dict) -> None:
        """Post ``data`` ``repeat`` times, each undone, then once for real."""
        times = []
        for _ in range(self.repeat):
            try:
                with transaction.atomic():
                    with capture() as queries:
                        started = time.perf_counter()
                        self._check(name, client.post(url, data))
                        times.append(time.perf_counter() - started)
                    raise Rollback
            except Rollback:
                pass
        self._check(name, client.post(url, data))
        self.rows.append(("act", name, statistics.median(times), len(queries)))

    def _check(self, name: str, response) -> None:
        if response.status_code != 302:
            raise CommandError(f"{name}: answered {response.status_code}")
        failed = [str(m) for m in response.wsgi_request._messages if m.level_tag == "error"]
        if failed:
            raise CommandError(f"{name}: {' '.join(failed)}")

    def timed(self, name: str, act) -> None:
        """A service act timed the same way (for the steps whose page waits for the calendar)."""
        times = []
        for _ in range(self.repeat):
            try:
                with transaction.atomic():
                    with capture() as queries:
                        started = time.perf_counter()
                        act()
                        times.append(time.perf_counter() - started)
                    raise Rollback
            except Rollback:
                pass
        act()
        self.rows.append(("act", name, statistics.median(times), len(queries)))

    # The quarter ----------------------------------------------------------------------------------------

    def _walk(self, region, unit, year, users) -> None:
        actor = system_user()
        org, office, leader = (self.client(users[n]) for n in ("org", "office", "leader"))
        assessment_year = services.year_create(region=region, year=year, by=actor)
        period = services.period_open(period=assessment_year.periods.get(quarter=1), by=actor)
        board = reverse("quarter:board", args=[period.pk, unit.code])
        self.page("org: years and periods", org, reverse("quarter:region_periods"))
        self.page("org: ratios of 好", org, reverse("quarter:ratios", args=[assessment_year.pk]))
        self.act("office: start the unit", office, reverse("quarter:unit_start", args=[period.pk, unit.code]), {})
        fill_inputs(
            period=period,
            today=period.end_date + datetime.timedelta(days=1),
            actor=actor,
            rng=random.Random(SEED),
            scored=True,
        )
        results = QuarterlyResult.objects.filter(period=period, unit=unit)
        sizes = {s: results.filter(section_id=s).count() for s in results.values_list("section_id", flat=True)}
        largest = Section.objects.get(pk=max((s for s in sizes if s), key=lambda s: (sizes[s], -s)))
        self.stdout.write(f"{results.count()} people; largest section {largest.name} ({sizes[largest.pk]})")
        self.page("office: board", office, board)
        self.page(
            "office: score sheets (page 1 of 50)", office, reverse("scoring:unit_sheets", args=[period.pk, unit.code])
        )
        self.page("office: section grid", office, reverse("scoring:grid", args=[period.pk, largest.pk]))
        self.act(
            "office: move a section's summaries on",
            office,
            reverse("quarter:skip_summaries", args=[period.pk, largest.pk]),
            {"reason": "纸质"},
        )
        services.summaries_skip(results=list(results.filter(status=Step.SUMMARY)), by=actor, reason="纸质")

        propose = reverse("quarter:propose", args=[period.pk, largest.pk])
        self.page("office: proposals, largest section", office, propose + "?fill=1")
        rows = list(results.filter(section=largest).select_related("sheet"))
        data = {"comment-all": "同意"}
        for r in rows:
            data[f"grade-{r.pk}"] = "较好" if r.sheet.eligible_grade == "好" else r.sheet.eligible_grade
        self.act("office: propose, largest section", office, propose, data)
        others = list(results.filter(status=Step.SCORING).select_related("sheet"))
        services.proposals_submit(
            proposals=[
                services.Proposal(
                    result=r, grade="较好" if r.sheet.eligible_grade == "好" else r.sheet.eligible_grade, comment="同意"
                )
                for r in others
            ],
            by=actor,
        )

        review = reverse("quarter:review", args=[period.pk, unit.code])
        self.page("leader: approval queue, whole unit", leader, review)
        waiting = results.filter(status=Step.LEADER_REVIEW).exclude(person__user=users["leader"])
        self.act(
            "leader: approve the whole unit",
            leader,
            review,
            {"result": [str(pk) for pk in waiting.values_list("pk", flat=True)]},
        )
        services.results_review_bulk(results=list(results.filter(status=Step.LEADER_REVIEW)), by=actor)

        decide = reverse("quarter:decide", args=[period.pk, unit.code])
        committee = self.client(get_user_model().objects.get(username="committee"))
        self.page("committee: decisions, whole unit", committee, decide)
        self.page("committee: decisions, largest section", committee, f"{decide}?section={largest.pk}")
        deciding = results.filter(status=Step.COMMITTEE).exclude(person__user__username="committee")
        self.act(
            "committee: decide the whole unit",
            committee,
            decide,
            {f"grade-{pk}": grade for pk, grade in deciding.values_list("pk", "proposed_grade")},
        )
        services.decisions_record(
            verdicts=[
                services.Verdict(result=r, grade=r.proposed_grade) for r in results.filter(status=Step.COMMITTEE)
            ],
            by=actor,
        )

        self.act("office: publish", office, reverse("quarter:publish", args=[period.pk, unit.code]), {})
        staff = self.client(get_user_model().objects.get(username="staff"))
        self.page("staff: the unit's 公示", staff, reverse("quarter:publicity", args=[period.pk, unit.code]))
        ends = results.values_list("publicity_ends", flat=True).first()
        later = ends + datetime.timedelta(days=1)
        with mock.patch("assessment.quarter.services.today", return_value=later):
            self.timed("office: report (service)", lambda: services.unit_report(period=period, unit=unit, by=actor))
            self.page("org: confirmation queue", org, reverse("quarter:confirm_queue", args=[period.pk]))
            self.act(
                "org: confirm the unit",
                org,
                reverse("quarter:confirm_queue", args=[period.pk]),
                {"unit": [str(unit.pk)], "act": "confirm"},
            )
            feedback = reverse("quarter:feedback", args=[period.pk, unit.code])
            self.page("office: feedback, page 1", office, feedback)
            self.timed(
                "office: feedback for the whole unit (service)",
                lambda: services.feedback_record_bulk(
                    results=list(results.exclude(person__user__username="office")),
                    method=QuarterlyResult.Feedback.values[0],
                    on=later,
                    by=users["office"],
                ),
            )
        self.act("org: close the period", org, reverse("quarter:period_close", args=[period.pk]), {})
        if Period.objects.get(pk=period.pk).status != Period.Status.CLOSED:
            raise CommandError("The period did not close.")
