import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from scoring.models import Event, EventStandard, MonthlyScore, ScoreEntry
from tests import factories
from tests.scoring.test_monthly_import import row, workbook


def test_the_officer_sees_the_units_sheets(login, officer, sheet, period, unit):
    response = login(officer).get(reverse("scoring:unit_sheets", args=[period.pk, unit.code]))
    assert response.status_code == 200
    assert list(response.context["sheets"]) == [sheet]


def test_the_outsider_is_refused_the_units_sheets(login, outsider, sheet, period, unit):
    client = login(outsider)
    assert client.get(reverse("scoring:unit_sheets", args=[period.pk, unit.code])).status_code == 404
    assert client.get(reverse("scoring:sheet_detail", args=[sheet.pk])).status_code == 404
    assert client.post(reverse("scoring:sheet_detail", args=[sheet.pk]), {"version": 0}).status_code == 404
    assert client.get(reverse("scoring:events", args=[period.pk, unit.code])).status_code == 404


def test_the_outsider_cannot_download_the_units_template(login, outsider, sheet, period, unit):
    url = reverse("scoring:monthly_template", args=[period.pk]) + f"?unit={unit.code}"
    assert login(outsider).get(url).status_code == 404
    # without a unit the outsider's own template lists none of the unit's people
    content = login(outsider).get(reverse("scoring:monthly_template", args=[period.pk])).content
    names = [r[1] for r in load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True)]
    assert sheet.person.name not in names


def test_the_officer_fills_a_sheet_in_the_browser(login, officer, sheet, items):
    client = login(officer)
    data = {"version": sheet.version, **{f"item-{item.pk}": "5" for item in items.values()}}
    response = client.post(reverse("scoring:sheet_detail", args=[sheet.pk]), data)
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.common_points == 5 * len(items)
    html = client.get(reverse("scoring:sheet_detail", args=[sheet.pk])).content.decode()
    assert str(sheet.total) in html


def test_a_bad_value_in_the_browser_saves_nothing_and_marks_the_entry(login, officer, sheet, items):
    client = login(officer)
    good, bad = list(items.values())[:2]
    data = {"version": sheet.version, f"item-{good.pk}": "5", f"item-{bad.pk}": "999"}
    response = client.post(reverse("scoring:sheet_detail", args=[sheet.pk]), data)
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not ScoreEntry.objects.exists()


@pytest.mark.parametrize("value", ["1e308", "1E+400", "²", "１２", "NaN"])
def test_a_hostile_number_in_the_browser_is_marked_on_its_entry_not_a_server_error(login, officer, sheet, items, value):
    # Before: 1e308 and 1E+400 raised decimal.InvalidOperation out of parse_points, a 500.
    item = next(iter(items.values()))
    data = {"version": sheet.version, f"item-{item.pk}": value}
    response = login(officer).post(reverse("scoring:sheet_detail", args=[sheet.pk]), data)
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not ScoreEntry.objects.exists()


def test_a_leader_sees_the_sheet_but_cannot_post_scores(login, leader, sheet, items):
    client = login(leader)
    assert client.get(reverse("scoring:sheet_detail", args=[sheet.pk])).status_code == 200
    item = next(iter(items.values()))
    response = client.post(
        reverse("scoring:sheet_detail", args=[sheet.pk]), {"version": sheet.version, f"item-{item.pk}": "5"}
    )
    assert response.status_code == 403
    assert not ScoreEntry.objects.exists()


def test_a_member_of_staff_cannot_open_their_sheet_before_publication(login, member, officer, period, unit, templates):
    from scoring import services

    services.sheets_open(period=period, unit=unit, by=officer)
    own = member.person.score_sheets.get()
    assert login(member).get(reverse("scoring:sheet_detail", args=[own.pk])).status_code == 404


def test_the_monthly_page_imports_a_file_and_lists_every_bad_row(login, officer, sheet, period, person):
    client = login(officer)
    url = reverse("scoring:monthly", args=[period.pk])
    bad = workbook([row(person, 1, 80), row(person, 7, 80), row(person, 2, "x")])
    response = client.post(url, {"file": io.BytesIO(bad)}, format="multipart")
    assert response.status_code == 200
    assert len(response.context["errors"]) == 2
    assert not MonthlyScore.objects.exists()
    upload = io.BytesIO(workbook([row(person, 1, 80)]))
    upload.name = "一月.xlsx"
    response = client.post(url, {"file": upload})
    assert response.status_code == 302
    assert MonthlyScore.objects.get().score == 80


def test_the_monthly_page_is_refused_to_people_without_the_right(login, member, leader, period, sheet):
    for user in (member, leader):
        assert login(user).get(reverse("scoring:monthly", args=[period.pk])).status_code == 404


def test_the_office_approves_a_declared_bonus_in_the_browser(
    login, member, section_head, officer, period, unit, client
):
    standard = EventStandard.objects.get(code="city_commendation")
    login(member)
    response = client.post(
        reverse("scoring:declare", args=[period.pk]),
        {"standard": standard.pk, "matter": "市级先进", "evidence": "文件"},
    )
    assert response.status_code == 302
    event = Event.objects.get()
    login(section_head)
    response = client.post(reverse("scoring:event_checks", args=[period.pk]), {"event": event.pk, "decision": "check"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == "checked"
    login(officer)
    response = client.post(
        reverse("scoring:events", args=[period.pk, unit.code]), {"event": event.pk, "decision": "approve"}
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == "approved"


def test_the_outsider_cannot_decide_events(login, member, outsider, period, unit):
    from scoring import services

    event = services.event_declare(
        period=period, matter="m", standard=EventStandard.objects.get(code="city_commendation"), evidence="e", by=member
    )
    response = login(outsider).post(
        reverse("scoring:events", args=[period.pk, unit.code]), {"event": event.pk, "decision": "approve"}
    )
    assert response.status_code == 404
    event.refresh_from_db()
    assert event.status == "declared"


def test_a_person_of_another_region_cannot_declare_in_this_period(login, period):
    foreign_unit = factories.UnitFactory(region=factories.RegionFactory(code="777777", name="外区"))
    user = factories.UserFactory(username="foreigner")
    factories.PersonFactory(unit=foreign_unit, user=user)
    assert login(user).get(reverse("scoring:declare", args=[period.pk])).status_code == 404


def test_the_sheet_list_query_count_does_not_grow_with_sheets(login, officer, period, templates, unit, section):
    from scoring import services

    client = login(officer)
    url = reverse("scoring:unit_sheets", args=[period.pk, unit.code])
    factories.PersonFactory(unit=unit, section=section)
    services.sheets_open(period=period, unit=unit, by=officer)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(20):
        factories.PersonFactory(unit=unit, section=section)
    services.sheets_open(period=period, unit=unit, by=officer)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["sheets"]) == 21
    assert len(many.captured_queries) == len(few.captured_queries)
