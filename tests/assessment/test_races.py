"""Two acts racing for the last place cannot both succeed (PostgreSQL, real threads)."""

import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from assessment.models import QuarterlyResult
from assessment.quarter import services
from tests import factories
from tests.assessment.conftest import fill_sheet
from tests.helpers import error_codes


def race(acts):
    barrier = threading.Barrier(len(acts))
    outcomes = []

    def run(act):
        try:
            barrier.wait()
            act()
            outcomes.append("done")
        except ValidationError as exc:
            outcomes.append(sorted(error_codes(exc))[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(act,)) for act in acts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.fixture
def racing_unit(transactional_db):
    region = factories.RegionFactory()
    unit = factories.UnitFactory(region=region)
    section = factories.SectionFactory(unit=unit)
    org = factories.user_with_role("org", region=region)
    office = factories.user_with_role("office", unit=unit)
    heads = [factories.user_with_role("section_head", section=section) for _ in range(2)]
    committee = [factories.user_with_role("committee", unit=unit) for _ in range(2)]
    leader = factories.user_with_role("principal", unit=unit)
    # 3 people at 40%: 1.2 → 1 place in the section and in the unit
    people = [factories.PersonFactory(unit=unit, section=section) for _ in range(3)]
    year = services.year_create(region=region, year=2026, by=org)
    period = year.periods.get(quarter=1)
    services.period_open(period=period, by=org)
    services.unit_start(period=period, unit=unit, by=office)
    for person in people:
        fill_sheet(person.score_sheets.get(), office, common=D("58"), monthly=D("98"))
    results = list(QuarterlyResult.objects.filter(period=period).order_by("pk"))
    for result in results:
        services.summary_skip(result=result, by=office, reason="x")
    return {
        "period": period,
        "unit": unit,
        "section": section,
        "results": results,
        "heads": heads,
        "committee": committee,
        "leader": leader,
    }


@pytest.mark.postgres
def test_two_nominations_for_the_last_place_of_a_section(racing_unit):
    results, heads = racing_unit["results"], racing_unit["heads"]
    outcomes = race(
        [
            lambda: services.result_propose(result=results[0], grade="好", nominate=True, comment="x", by=heads[0]),
            lambda: services.result_propose(result=results[1], grade="好", nominate=True, comment="x", by=heads[1]),
        ]
    )
    assert outcomes == ["done", "no_place"]
    assert QuarterlyResult.objects.filter(nominated=True).count() == 1


@pytest.mark.postgres
def test_two_committee_picks_for_the_last_place_of_the_unit(racing_unit):
    results, heads, committee = racing_unit["results"], racing_unit["heads"], racing_unit["committee"]
    for result in results:
        services.result_propose(result=result, grade="较好", comment="x", by=heads[0])
        services.result_review(result=result, by=racing_unit["leader"])
    outcomes = race(
        [
            lambda: services.committee_decide(result=results[0], grade="好", by=committee[0]),
            lambda: services.committee_decide(result=results[1], grade="好", by=committee[1]),
        ]
    )
    assert outcomes == ["done", "no_place"]
    assert QuarterlyResult.objects.filter(final_grade="好").count() == 1


@pytest.mark.postgres
def test_two_committee_members_deciding_the_last_place_of_excellent(transactional_db):
    from assessment.models import AnnualResult
    from assessment.year import services as annual
    from tests.assessment.year.test_services import close_year

    region = factories.RegionFactory()
    unit = factories.UnitFactory(region=region)
    org = factories.user_with_role("org", region=region)
    office = factories.user_with_role("office", unit=unit)
    leader = factories.user_with_role("principal", unit=unit)
    committee = [factories.user_with_role("committee", unit=unit) for _ in range(2)]
    # 5 people at 20%: one place of 优秀; everyone eligible.
    people = [factories.PersonFactory(unit=unit) for _ in range(5)]
    year = close_year(region, unit, org, office, {p: ["好"] * 4 for p in people})
    annual.annual_rollup(assessment_year=year, unit=unit, by=office)
    results = list(AnnualResult.objects.order_by("pk"))
    annual.annual_propose(proposals=[annual.Proposal(result=r, grade="称职") for r in results], by=leader)
    outcomes = race(
        [
            lambda: annual.annual_decide(verdicts=[annual.Verdict(result=results[0], grade="优秀")], by=committee[0]),
            lambda: annual.annual_decide(verdicts=[annual.Verdict(result=results[1], grade="优秀")], by=committee[1]),
        ]
    )
    assert outcomes == ["done", "no_place"]
    assert AnnualResult.objects.filter(final_grade="优秀").count() == 1
