import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessment.demo import load_demo_history
from units.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_REGION_CODE, DemoRefused, demo_year, load_demo
from units.models import Region


class Command(BaseCommand):
    help = "Build the demo county (one region, 40 units, ~150 sections, ~1,300 people) and the demo accounts."

    def handle(self, *args, **options):
        started = time.perf_counter()
        today = timezone.localdate()
        year = demo_year(today)

        def say(message: str) -> None:
            self.stdout.write(f"  {message} ({time.perf_counter() - started:.0f}s)")
            self.stdout.flush()

        say("the county: units, sections, people, placements, accounts")
        try:
            created = load_demo(year)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from None
        # A demo built in an earlier year keeps that year, complete to its last quarter.
        as_of = today if year == today.year else datetime.date(year, 12, 31)
        created |= load_demo_history(region=Region.objects.get(code=DEMO_REGION_CODE), today=as_of, say=say)
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{name} {count}" for name, count in created.items())
        if any(created.values()):
            self.stdout.write(self.style.SUCCESS(f"Demo county ready in {elapsed:.1f}s; created: {summary}."))
        else:
            self.stdout.write(f"Demo county already complete; nothing changed ({elapsed:.1f}s).")
        self.stdout.write(
            f"Demo accounts: {', '.join(DEMO_ACCOUNTS)}; password {DEMO_PASSWORD} (README: what each is for)"
        )
