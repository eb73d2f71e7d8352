"""Time of each act of the annual chain, for the demo unit (区公安分局) and for the whole demo county: the
leaders' proposals, the committee's decisions, publication, the report and the confirmation that writes
the notices. Median of ``--repeat`` runs; everything is rolled back.

python manage.py seed_demo && python manage.py bench_annual_chain --repeat 7

The demo's last closed year is rolled up afresh inside one transaction (untimed); each act is then timed in
a savepoint undone after it, and taken once for real to reach the next step, as the demo acts it out.
"""

from __future__ import annotations

import datetime
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from assessment.models import AnnualAppeal, AnnualLedger, AnnualResult
from assessment.year import services
from assessment.year.tasks import annual_rollup_task
from audit.maintenance import erase
from audit.models import AuditEntry
from periods.models import AssessmentYear, Period
from scoring.demo import system_user
from units.demo import DEMO_REGION_CODE, OFFICE_UNIT, unit_code
from units.models import Unit

Status = AnnualResult.Status


class Rollback(Exception):
    """Raised to undo a timed act."""


class Command(BaseCommand):
    help = "Benchmark the annual chain's acts for the demo unit and the demo county (run seed_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7)

    def handle(self, *args, repeat: int, **options):
        year = (
            AssessmentYear.objects.filter(region__code=DEMO_REGION_CODE)
            .exclude(periods__status__in=[Period.Status.DRAFT, Period.Status.OPEN])
            .order_by("-year")
            .first()
        )
        if year is None:
            raise CommandError("No closed demo year: run `python manage.py seed_demo` first.")
        self.repeat, self.actor, self.year = repeat, system_user(), year
        units = list(Unit.objects.filter(region=year.region, is_active=True).order_by("order", "pk"))
        police = next(u for u in units if u.code == unit_code(OFFICE_UNIT))
        self.stdout.write(f"database: {connection.vendor}; {year.year}; runs: {repeat}")
        for name, scope in (("区公安分局", [police]), ("the whole county", units)):
            try:
                with transaction.atomic():
                    # Untimed: the year rolled up afresh, every result waiting for the leaders.
                    # The trail is append-only; a benchmark run, rolled back anyway, is the sanctioned exception.
                    erase(AuditEntry.objects.filter(assessment_year=year), why="benchmark reset, rolled back")
                    AnnualAppeal.objects.filter(result__assessment_year=year).delete()
                    AnnualResult.objects.filter(assessment_year=year).delete()
                    AnnualLedger.objects.filter(assessment_year=year).delete()
                    annual_rollup_task.apply(args=(year.pk, self.actor.pk)).get()
                    people = AnnualResult.objects.filter(assessment_year=year, unit__in=scope).count()
                    self.stdout.write(f"{name}: {len(scope)} units, {people} people")
                    self._chain(name, scope)
                    raise Rollback
            except Rollback:
                pass

    def _timed(self, label: str, act) -> None:
        times = []
        for _ in range(self.repeat):
            try:
                with transaction.atomic():
                    started = time.perf_counter()
                    act()
                    times.append(time.perf_counter() - started)
                    raise Rollback
            except Rollback:
                pass
        act()
        self.stdout.write(f"  {label:<40} median {statistics.median(times) * 1000:8.1f} ms")

    def _chain(self, name: str, units: list[Unit]) -> None:
        year, actor = self.year, self.actor
        published = datetime.date(year.year + 1, 1, 10)

        def propose():
            for unit in units:
                ranked = services.candidates(unit=unit, assessment_year=year)
                best = {r.candidate.key.pk for r in ranked if r.within_places}
                proposals = []
                for r in AnnualResult.objects.filter(assessment_year=year, unit=unit, status=Status.PROPOSAL):
                    if r.case in (AnnualResult.Case.NO_GRADE, AnnualResult.Case.NOT_ASSESSED):
                        proposals.append(services.Proposal(result=r, grade="", comment="按规定本年度不确定等次。"))
                    else:
                        grade = "优秀" if r.pk in best else r.suggested_grade
                        proposals.append(services.Proposal(result=r, grade=grade, comment="完成年度目标任务。"))
                services.annual_propose(proposals=proposals, by=actor)

        def decide():
            for unit in units:
                waiting = AnnualResult.objects.filter(assessment_year=year, unit=unit, status=Status.COMMITTEE)
                services.annual_decide(
                    verdicts=[services.Verdict(result=r, grade=r.proposed_grade) for r in waiting], by=actor
                )

        def unit_act(service, **kw):
            def run():
                for unit in units:
                    service(assessment_year=year, unit=unit, by=actor, **kw)

            return run

        self._timed(f"propose ({name})", propose)
        self._timed(f"decide ({name})", decide)
        self._timed(f"publish ({name})", unit_act(services.annual_publish, on=published))
        ends = AnnualResult.objects.filter(assessment_year=year, unit__in=units).values_list(
            "publicity_ends", flat=True
        )
        after = max(ends) + datetime.timedelta(days=1)
        self._timed(f"report ({name})", unit_act(services.annual_report, on=after))
        self._timed(f"confirm, notices written ({name})", unit_act(services.annual_confirm, on=after))
        left = AnnualResult.objects.filter(assessment_year=year, unit__in=units).exclude(status=Status.FINAL).count()
        if left:
            raise CommandError(f"{left} results of {name} did not reach the end of the chain.")
