"""Two bulk score entries racing over the same sheets with the same versions (PostgreSQL, real threads):
exactly one wins, the other is refused cleanly naming the stale versions, and no update is lost."""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from rest_framework.test import APIClient

from assessment.quarter import services
from scoring.models import ScoreEntry, ScoreSheet
from tests import factories


@pytest.fixture
def racing_section(transactional_db):
    region = factories.RegionFactory()
    unit = factories.UnitFactory(region=region)
    section = factories.SectionFactory(unit=unit)
    org = factories.user_with_role("org", region=region)
    offices = [factories.user_with_role("office", unit=unit) for _ in range(2)]
    for _ in range(4):
        factories.PersonFactory(unit=unit, section=section)
    year = services.year_create(region=region, year=2026, by=org)
    period = year.periods.get(quarter=1)
    services.period_open(period=period, by=org)
    services.unit_start(period=period, unit=unit, by=offices[0])
    sheets = list(ScoreSheet.objects.filter(period=period, section=section).order_by("pk"))
    return {"period": period, "section": section, "offices": offices, "sheets": sheets}


def body(sheets, minus: int):
    """Every entered item of every sheet at its maximum less ``minus``, with the versions as read."""
    rows = []
    for sheet in sheets:
        items = sheet.template.items.filter(kind__in=("common", "distinctive"))
        rows.append(
            {
                "sheet": sheet.pk,
                "version": sheet.version,
                "entries": {str(item.pk): str(item.max_points - minus) for item in items},
            }
        )
    return rows


@pytest.mark.postgres
def test_two_bulk_entries_of_the_same_sheets_one_wins_the_other_is_refused(racing_section):
    period, section, sheets = racing_section["period"], racing_section["section"], racing_section["sheets"]
    url = f"/api/v1/periods/{period.pk}/sections/{section.pk}/scores/"
    bodies = [body(sheets, 1), body(sheets, 2)]
    barrier = threading.Barrier(2)
    answers: dict[int, object] = {}

    def run(index):
        try:
            client = APIClient()
            client.force_authenticate(racing_section["offices"][index])
            barrier.wait()
            answers[index] = client.post(url, bodies[index], format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted(answer.status_code for answer in answers.values())
    assert codes == [200, 400], {i: a.content[:300] for i, a in answers.items()}
    winner = next(i for i, a in answers.items() if a.status_code == 200)
    loser = answers[1 - winner].json()
    assert set(loser) == {f"[{n}].version" for n in range(len(sheets))}  # every sheet named, nothing else
    # No lost update: every entry holds the winner's points, and each sheet moved on by exactly one version.
    expected = {
        (row["sheet"], int(item)): D(points) for row in bodies[winner] for item, points in row["entries"].items()
    }
    stored = {
        (e.sheet_id, e.item_id): e.points for e in ScoreEntry.objects.filter(sheet__in=sheets, points__isnull=False)
    }
    assert stored == expected
    versions = dict(ScoreSheet.objects.filter(pk__in=[s.pk for s in sheets]).values_list("pk", "version"))
    assert versions == {s.pk: s.version + 1 for s in sheets}
