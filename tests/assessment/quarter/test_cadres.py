"""Cadres managed by the region's committee (县管干部) are not their unit's to assess (seed 002 §三: 考核对象为
非县管公务员): the organisation department assesses them in its cadre group, with the region's ratio of 好,
and they appear in the region's registers under the group, not under their unit."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from assessment.models import QuarterlyResult
from assessment.quarter import places, services
from assessment.quarter.selectors import unstarted_count
from tests import factories


@pytest.fixture
def group(region, unit):
    return factories.UnitFactory(region=region, category=unit.category, name="区管干部", is_cadre_group=True)


@pytest.fixture
def opened(cast, region, staff, unit):
    year = services.year_create(region=region, year=2026, by=cast["org"])
    period = year.periods.get(quarter=1)
    return services.period_open(period=period, by=cast["org"])


def test_a_county_cadre_is_started_by_the_group_not_by_the_unit(opened, group, cast, unit, staff, region):
    chief = factories.PersonFactory(unit=unit, section=None, name="局长甲", managed_by="region")
    higher = factories.PersonFactory(unit=unit, section=None, name="市管乙", managed_by="higher")
    assert unstarted_count(period=opened, unit=unit) == len(staff)
    started = services.unit_start(period=opened, unit=unit, by=cast["office"])
    assert started == len(staff)
    assert not QuarterlyResult.objects.filter(person__in=[chief, higher]).exists()

    group_office = factories.user_with_role("office", unit=group, username="cadre-office")
    assert unstarted_count(period=opened, unit=group) == 1
    assert services.unit_start(period=opened, unit=group, by=group_office) == 1
    result = QuarterlyResult.objects.get(person=chief)
    assert (result.unit, result.section) == (group, None)
    assert not QuarterlyResult.objects.filter(person=higher).exists()  # a higher level assesses them
    # The unit's office does not see the cadre's result; the group's office does.
    assert services.unit_start(period=opened, unit=group, by=group_office) == 0
    with pytest.raises(PermissionError):
        services.unit_start(period=opened, unit=group, by=cast["office"])


def test_the_group_has_its_own_places_under_the_ratio_the_region_sets(opened, group, cast, unit, region):
    for n in range(10):
        factories.PersonFactory(unit=unit, section=None, name=f"局长{n}", managed_by="region")
    group_office = factories.user_with_role("office", unit=group, username="cadre-office")
    services.unit_start(period=opened, unit=group, by=group_office)
    year = opened.assessment_year
    services.ratio_set(unit=group, assessment_year=year, good_ratio=D("0.20"), reason="区管干部比例", by=cast["org"])
    assert places.unit_places(opened, group).places == 2
    services.ratio_set(unit=group, assessment_year=year, good_ratio=D("0.50"), reason="调整", by=cast["org"])
    assert places.unit_places(opened, group).places == 5
    with pytest.raises(PermissionError):
        services.ratio_set(unit=group, assessment_year=year, good_ratio=D("0.9"), reason="x", by=group_office)


def test_the_units_office_cannot_reach_the_groups_board(opened, group, cast, client):
    client.force_login(cast["office"])
    assert client.get(reverse("quarter:board", args=[opened.pk, group.code])).status_code == 404


def test_a_cadres_events_are_the_groups_to_record_not_the_home_units(opened, group, cast, unit):
    from scoring import services as scoring
    from scoring.models import EventStandard

    chief = factories.PersonFactory(unit=unit, section=None, name="局长甲", managed_by="region")
    group_office = factories.user_with_role("office", unit=group, username="cadre-office")
    services.unit_start(period=opened, unit=group, by=group_office)
    veto = EventStandard.objects.filter(kind="veto").first() or EventStandard.objects.filter(kind="deduction").first()
    record = {"period": opened, "matter": "违反工作纪律", "standard": veto, "evidence": "通报"}
    with pytest.raises(PermissionError):
        scoring.event_record(unit=unit, shares=[(chief, veto.points)], by=cast["office"], **record)
    event = scoring.event_record(unit=group, shares=[(chief, veto.points)], by=group_office, **record)
    assert event.unit == group
    assert chief.score_sheets.get(period=opened).unit == group
