"""Every page shows the current period and where the user's part of it stands, by the same function as the
board (stage_of): a civil servant's own result, a role holder's unit."""

import datetime

from django.urls import reverse

from assessment.quarter import services
from assessment.quarter.context_processors import current_for
from assessment.quarter.stage import NOT_STARTED
from tests import factories
from tests.assessment.conftest import results


def test_the_office_sees_its_units_step_and_deadline(quarter, cast):
    current = current_for(cast["office"], datetime.date(2026, 3, 1))
    assert current.period == quarter
    assert (current.stage.step, current.stage.due) == ("summary", quarter.summary_due)
    assert current.stage.days_left == (quarter.summary_due - datetime.date(2026, 3, 1)).days

    late = current_for(cast["office"], quarter.summary_due + datetime.timedelta(days=2))
    assert (late.stage.step, late.stage.days_late) == ("summary", 2)


def test_a_civil_servant_sees_their_own_results_step_not_the_units(quarter, staff, cast, during_quarter):
    person = staff[0]
    mine = next(r for r in results(quarter) if r.person_id == person.pk)
    services.summary_submit(result=mine, summary="本季度完成了各项工作。", by=person.user)
    own = current_for(person.user, datetime.date(2026, 3, 1))
    office = current_for(cast["office"], datetime.date(2026, 3, 1))
    assert own.stage.step == "scoring"
    assert own.stage.due == quarter.section_due
    assert office.stage.step == "summary"  # others of the unit still write theirs


def test_during_publicity_the_bar_counts_down_to_its_last_day_as_the_board_does(
    decided, cast, staff, unit, client, time_machine
):
    period = decided
    services.unit_publish(period=period, unit=unit, by=cast["office"])
    ends = results(period)[0].publicity_ends
    for user in (staff[0].user, cast["office"], cast["org"]):
        current = current_for(user, ends)
        assert (current.stage.step, current.stage.due) == ("publicity", ends)
    after = current_for(staff[0].user, ends + datetime.timedelta(days=1))
    assert after.stage.label == "公示期满，待上报组织部"
    time_machine.move_to(datetime.datetime.combine(ends, datetime.time(10)))
    client.force_login(cast["office"])
    board = client.get(reverse("quarter:board", args=[period.pk, unit.code])).content.decode()
    bar = board.split('id="current-period"', 1)[1].split("</div>", 1)[0]
    assert "公示" in bar
    assert ends.strftime("%Y-%m-%d") in bar
    assert ends.strftime("%Y-%m-%d") in board.split('id="unit-deadline"', 1)[1].split("</div>", 1)[0]


def test_a_unit_not_started_shows_so(quarter, cast):
    other = factories.UnitFactory(region=quarter.assessment_year.region)
    office = factories.user_with_role("office", unit=other)
    assert current_for(office, datetime.date(2026, 3, 1)).stage.step == NOT_STARTED


def test_someone_of_another_region_sees_no_period(quarter, client):
    stranger = factories.user_with_role("office", unit=factories.UnitFactory())
    assert current_for(stranger, datetime.date(2026, 3, 1)) is None
    client.force_login(stranger)
    assert 'id="current-period"' not in client.get(reverse("home")).content.decode()


def test_a_quarter_opened_ahead_does_not_hide_the_one_still_running(quarter, cast, region):
    ahead = services.year_create(region=region, year=2027, by=cast["org"]).periods.get(quarter=1)
    services.period_open(period=ahead, by=cast["org"])
    assert current_for(cast["office"], datetime.date(2026, 3, 20)).period == quarter
    assert current_for(cast["office"], datetime.date(2027, 1, 5)).period == ahead
