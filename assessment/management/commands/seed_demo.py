import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessment.demo import history_steps, load_demo_history
from units.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_REGION_CODE, DemoRefused, demo_year, load_demo
from units.models import Region


class Progress:
    """Says each step of the seed as it begins: its number of all of them, the time so far and, from the
    steps done, about how long the rest will take (the steps, a quarter each, take about as long)."""

    def __init__(self, write, started: float, clock=time.perf_counter) -> None:
        self.write, self.started, self.clock = write, started, clock

    def __call__(self, message: str, step: int, steps: int) -> None:
        elapsed = self.clock() - self.started
        line = f"  step {step} of {steps}: {message} ({elapsed:.0f}s"
        if step > 1:
            left = elapsed / (step - 1) * (steps - step + 1)
            line += f", about {left:.0f}s left"
        self.write(line + ")")


class Command(BaseCommand):
    help = "Build the demo county (one region, 40 units, ~150 sections, ~1,300 people) and the demo accounts."

    def handle(self, *args, **options):
        started = time.perf_counter()
        today = timezone.localdate()
        year = demo_year(today)

        def write(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        progress = Progress(write, started)
        # A demo built in an earlier year keeps that year, complete to its last quarter.
        as_of = today if year == today.year else datetime.date(year, 12, 31)
        # The county is the first step; the history's steps follow it.
        progress("the county: units, sections, people, placements, accounts", 1, history_steps(as_of) + 1)
        try:
            created = load_demo(year)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from None
        created |= load_demo_history(
            region=Region.objects.get(code=DEMO_REGION_CODE),
            today=as_of,
            say=lambda message, step, steps: progress(message, step + 1, steps + 1),
        )
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{name} {count}" for name, count in created.items())
        if any(created.values()):
            self.stdout.write(self.style.SUCCESS(f"Demo county ready in {elapsed:.1f}s; created: {summary}."))
        else:
            self.stdout.write(f"Demo county already complete; nothing changed ({elapsed:.1f}s).")
        self.stdout.write(
            f"Demo accounts: {', '.join(DEMO_ACCOUNTS)}; password {DEMO_PASSWORD} (README: what each is for)"
        )
