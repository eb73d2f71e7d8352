"""Every page shows the current period and what falls due next."""

import datetime

from django.urls import reverse

from periods.context_processors import current_for
from tests import factories


def test_the_next_deadline_is_the_first_not_yet_passed(quarter, cast):
    current = current_for(cast["office"], datetime.date(2026, 3, 1))
    assert current.period == quarter
    first = min(d for d in (quarter.summary_due, quarter.section_due, quarter.leader_due) if d)
    assert current.due == first
    assert current.days_left == (first - datetime.date(2026, 3, 1)).days

    later = current_for(cast["office"], quarter.section_due + datetime.timedelta(days=1))
    assert later.due > quarter.section_due


def test_once_every_deadline_has_passed_the_last_one_shows_as_past_due(quarter, cast, client):
    current = current_for(cast["office"], datetime.date(2027, 1, 1))
    assert current.days_left < 0
    client.force_login(cast["office"])
    # The real date is after the quarter too, so the page says it is past due.
    page = client.get(reverse("home")).content.decode()
    assert 'id="current-period"' in page
    bar = page.split('id="current-period"', 1)[1].split("</div>", 1)[0]
    assert str(quarter) in bar
    assert "text-bg-danger" in bar


def test_a_member_of_staff_without_a_role_sees_their_own_regions_period(quarter, staff):
    assert current_for(staff[0].user, datetime.date(2026, 3, 1)).period == quarter


def test_someone_of_another_region_sees_no_period(quarter, client):
    stranger = factories.user_with_role("office", unit=factories.UnitFactory())
    assert current_for(stranger, datetime.date(2026, 3, 1)) is None
    client.force_login(stranger)
    assert 'id="current-period"' not in client.get(reverse("home")).content.decode()
