"""The dashboards: the office's (the unit's quarter board) and the organisation department's of its region.
The figures of a small quarter, who is refused, and queries that do not grow with the region."""

import datetime
import json
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.dashboards import selectors as dashboards
from assessment.quarter import services
from tests import factories
from tests.assessment.conftest import fill_sheet

# The `decided` quarter (tests/assessment/conftest.py): Q1 2026, ten people with totals 98, 97, … 90 and
# 79; every result decided: 好 for one nomination and one pick, 较好 for seven, 一般 for one. Its results
# are due at the organisation department on 10 April.
LATE_DAY = datetime.date(2026, 4, 15)


@pytest.fixture
def late(decided, during_quarter):
    during_quarter(LATE_DAY)
    return decided


def region_page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("quarter:region_dashboard"), params)


# The organisation department's dashboard ------------------------------------------------------------------


def test_the_region_dashboard_counts_each_grade_per_unit_and_per_quarter(late, cast, unit, client):
    response = region_page(client, cast["org"], period=late.pk)
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    rows = {row.unit.code: row for row in dashboard.units}
    assert rows["U-MAIN"].people == 10
    assert rows["U-MAIN"].grades == {"好": 2, "较好": 7, "一般": 1, "较差": 0}
    assert rows["U-MAIN"].undecided == 0
    # The outsider's unit of the same region takes part in nothing yet.
    assert (rows["U-OUT"].people, rows["U-OUT"].grades["好"]) == (0, 0)
    assert dashboard.totals == {"好": 2, "较好": 7, "一般": 1, "较差": 0}
    assert dashboard.quarters[1] == {"好": 2, "较好": 7, "一般": 1, "较差": 0}
    assert dashboard.quarters[2] == {"好": 0, "较好": 0, "一般": 0, "较差": 0}
    # The same figures stand in the table, and go to the charts as JSON.
    body = response.content.decode()
    assert 'id="grades-by-unit"' in body
    charts = json.loads(body.split('<script id="region-charts" type="application/json">')[1].split("</script>")[0])
    names = charts["units"]["names"]
    assert charts["units"]["series"]["较好"][names.index(unit.name)] == 7
    assert charts["quarters"]["series"]["好"] == [2, 0, 0, 0]
    assert "vendor/echarts-5.6.0/echarts.min.js" in body
    assert "js/region_dashboard.js" in body


def test_the_scores_fall_into_bins_of_the_width_asked_for_empty_bins_included(late, cast, client):
    dashboard = region_page(client, cast["org"], period=late.pk).context["dashboard"]
    assert dashboard.bin_width == 5
    assert [(b.low, b.high, b.people) for b in dashboard.bins] == [
        (75, 80, 1),
        (80, 85, 0),
        (85, 90, 0),
        (90, 95, 5),
        (95, 100, 4),
    ]
    dashboard = region_page(client, cast["org"], period=late.pk, bin=10).context["dashboard"]
    assert [(b.low, b.people) for b in dashboard.bins] == [(70, 1), (80, 0), (90, 9)]
    # A width that is not a whole number of points within 1–50 falls back to the default.
    for bad in ("0", "-5", "x", "2.5", "500"):
        assert region_page(client, cast["org"], period=late.pk, bin=bad).context["dashboard"].bin_width == 5


def test_a_total_on_a_boundary_opens_the_next_bin_and_incomplete_sheets_are_left_out(quarter, cast, staff):
    sheets = [p.score_sheets.get(period=quarter) for p in staff]
    fill_sheet(sheets[0], cast["office"], common=D("51"), monthly=D("97.5"))  # 51 + 39 = 90.00 exactly
    fill_sheet(sheets[1], cast["office"], common=D("50.99"), monthly=D("97.5"))  # 89.99
    type(sheets[2]).objects.filter(pk=sheets[2].pk).update(is_complete=False)
    bins = {b.low: b.people for b in dashboards.score_bins(period=quarter, bin_width=5)}
    assert bins[90] == 6  # 90.00, and the 94 … 90 of the others
    assert bins[95] == 1  # 95; the 96 is incomplete
    assert bins[85] == 1
    assert sum(bins.values()) == 9


def test_units_behind_their_deadline_are_listed_with_the_step_and_days_late(late, cast, client):
    response = region_page(client, cast["org"], period=late.pk)
    behind = response.context["dashboard"].behind
    # The outsider's unit never started the quarter: late for the summaries (31 March); the main unit has
    # decided everything but not reported it (due 10 April).
    assert [(row.unit.code, row.deadline.step, str(row.deadline.due), row.deadline.days_late) for row in behind] == [
        ("U-OUT", "", "2026-03-31", 15),
        ("U-MAIN", "decided", "2026-04-10", 5),
    ]
    body = response.content.decode()
    table = body.split('id="behind"')[1].split("</table>")[0]
    assert "2026-04-10" in table
    assert ">5<" in table
    assert ">15<" in table


def test_nobody_is_behind_before_the_deadlines(decided, cast, client):
    # Today is 20 March (during the quarter): every step is still on time.
    response = region_page(client, cast["org"], period=decided.pk)
    assert response.context["dashboard"].behind == []
    assert 'id="behind"' not in response.content.decode()


def test_the_latest_open_period_is_shown_unless_another_is_chosen(decided, cast, region, client):
    later = factories.assessment_period(region, year=2026, quarter=2, status="draft")
    response = region_page(client, cast["org"])
    assert response.context["period"] == decided
    assert response.context["dashboard"].period == decided
    response = region_page(client, cast["org"], period=later.pk)
    assert response.context["dashboard"].units[0].people == 0
    assert response.context["dashboard"].behind == []  # a draft makes nobody late


def test_outsiders_are_refused_the_region_dashboard(late, cast, staff, unit, client):
    other_org = factories.user_with_role("org", region=factories.RegionFactory(), username="org2")
    for user in (other_org, staff[0].user, cast["office"], cast["committee"], cast["head"]):
        response = region_page(client, user, period=late.pk)
        assert response.status_code == 404, user.username
        assert unit.name not in response.content.decode()
    # Another region's organisation department sees its own region, with nothing of this one.
    response = region_page(client, other_org)
    assert response.status_code == 200
    assert unit.name not in response.content.decode()
    assert response.context["dashboard"] is None
    # Anonymous visitors are sent to log in.
    client.logout()
    assert client.get(reverse("quarter:region_dashboard")).status_code == 302


def test_the_region_dashboard_queries_do_not_grow_with_units_or_people(
    quarter, cast, region, client, during_quarter, django_assert_max_num_queries
):
    client.force_login(cast["org"])
    url = reverse("quarter:region_dashboard")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"period": quarter.pk})
        assert response.status_code == 200
        return len(queries)

    count()  # the first request fills the caches of content types and permissions
    few = count()
    for n in range(3):
        more = factories.UnitFactory(region=region, code=f"U-MORE{n}")
        section = factories.SectionFactory(unit=more)
        for _ in range(6):
            factories.PersonFactory(unit=more, section=section)
        services.unit_start(period=quarter, unit=more, by=factories.user_with_role("office", unit=more))
    with django_assert_max_num_queries(few):
        response = client.get(url, {"period": quarter.pk})
    assert len(response.context["dashboard"].units) == 5
    assert response.context["dashboard"].people == 28


# The office's dashboard: the unit's quarter board -----------------------------------------------------------


def test_the_office_dashboard_shows_each_sections_progress_deadline_and_places(
    late, cast, unit, section, other_section, client
):
    client.force_login(cast["office"])
    response = client.get(reverse("quarter:board", args=[late.pk, unit.code]))
    assert response.status_code == 200
    board = response.context["board"]
    first, second = board.rows
    assert (first.section, second.section) == (section, other_section)
    # Seven people in the first section; one wrote the summary, the others' were skipped.
    assert (first.total, first.written, first.complete, first.proposed, first.approved, first.decided) == (
        7,
        1,
        7,
        7,
        7,
        7,
    )
    assert (second.total, second.written, second.decided) == (3, 0, 3)
    assert (first.deadline.step, first.deadline.due, first.deadline.days_late) == (
        "decided",
        datetime.date(2026, 4, 10),
        5,
    )
    # Places: 40% of 7 is 2.8 → 2, both nominated (the rejected one too); 40% of 3 → 1, untouched (the
    # committee's pick counts against the unit only); the unit: 4 places, 2 given.
    assert (first.places.places, first.places.used, first.places.left, first.quota.cumulative_places) == (2, 2, 0, 2)
    assert (second.places.places, second.places.used, second.places.left) == (1, 0, 1)
    assert (board.unit.places.places, board.unit.places.used, board.unit.places.left) == (4, 2, 2)
    assert board.unit.quota.participants == 10
    body = response.content.decode()
    for name in ("scoring:unit_sheets", "scoring:events"):
        assert reverse(name, args=[late.pk, unit.code]) in body
    assert reverse("scoring:monthly", args=[late.pk]) in body
    assert reverse("quarter:publish", args=[late.pk, unit.code]) in body  # every result decided
    assert 'id="progress"' in body
    assert 'id="places"' in body
    assert 'id="unit-deadline"' in body
    assert "alert-danger" in body


def test_the_office_dashboard_link_opens_the_units_current_quarter(quarter, cast, unit, client):
    client.force_login(cast["office"])
    response = client.get(reverse("quarter:office_dashboard"))
    assert response.url == reverse("quarter:board", args=[quarter.pk, unit.code])
    # Those who run no period are refused; the organisation department has its own.
    for user in (cast["head"], cast["org"], cast["leader"]):
        client.force_login(user)
        assert client.get(reverse("quarter:office_dashboard")).status_code == 404


def test_the_navigation_and_home_page_offer_each_role_its_dashboard(quarter, cast, client):
    client.force_login(cast["org"])
    home = client.get(reverse("home")).content.decode()
    assert reverse("quarter:region_dashboard") in home
    assert reverse("quarter:office_dashboard") not in home
    client.force_login(cast["office"])
    home = client.get(reverse("home")).content.decode()
    assert reverse("quarter:office_dashboard") in home
    assert reverse("quarter:region_dashboard") not in home
    client.force_login(cast["head"])
    home = client.get(reverse("home")).content.decode()
    assert reverse("quarter:office_dashboard") not in home
    assert reverse("quarter:region_dashboard") not in home


def test_the_office_dashboard_queries_do_not_grow_with_sections(quarter, cast, unit, client, during_quarter):
    client.force_login(cast["office"])
    url = reverse("quarter:board", args=[quarter.pk, unit.code])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    count()  # the first request fills the caches of content types and permissions
    few = count()
    for n in range(3):
        section = factories.SectionFactory(unit=unit, name=f"新股{n}")
        for _ in range(4):
            factories.PersonFactory(unit=unit, section=section)
    services.unit_start(period=quarter, unit=unit, by=cast["office"])
    assert count() == few
    assert len(client.get(url).context["board"].rows) == 5
