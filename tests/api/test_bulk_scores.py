"""Bulk score entry for a section: checked as a whole, saved in one transaction, or not at all."""

from decimal import Decimal as D

import pytest

from scoring.models import ScoreChange, ScoreEntry
from units.models import RoleAssignment


def url(period, section):
    return f"/api/v1/periods/{period.pk}/sections/{section.pk}/scores/"


def rows_for(period, people):
    rows = []
    for person in people:
        sheet = person.score_sheets.get(period=period)
        items = sheet.template.items.filter(kind__in=("common", "distinctive"))
        entries = {str(item.pk): str(item.max_points - 1) for item in items}
        rows.append({"sheet": sheet.pk, "version": sheet.version, "entries": entries})
    return rows


def snapshot(period):
    return sorted(ScoreEntry.objects.filter(sheet__period=period).values_list("sheet_id", "item_id", "points"))


def test_the_office_enters_a_whole_section_at_once(api, cast, quarter, staff, section):
    rows = rows_for(quarter, staff[1:7])
    response = api(cast["office"]).post(url(quarter, section), rows, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["saved"] == 6
    saved = {sheet["id"]: sheet for sheet in body["sheets"]}
    for row in rows:
        sheet = saved[row["sheet"]]
        assert sheet["version"] == row["version"] + 1
        entered = {str(e["item"]): D(e["points"]) for e in sheet["entries"]}
        assert entered == {k: D(v) for k, v in row["entries"].items()}


def test_the_section_head_enters_their_own_section(api, cast, quarter, staff, section):
    response = api(cast["head"]).post(url(quarter, section), rows_for(quarter, staff[1:3]), format="json")
    assert response.status_code == 200


def test_one_bad_row_refuses_all_and_names_row_entries_and_item(api, cast, quarter, staff, section):
    rows = rows_for(quarter, staff[1:4])
    bad_item = next(iter(rows[1]["entries"]))
    rows[1]["entries"][bad_item] = "999"
    before, changes = snapshot(quarter), ScoreChange.objects.count()
    response = api(cast["office"]).post(url(quarter, section), rows, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [f"[1].entries.{bad_item}"]
    assert snapshot(quarter) == before
    assert ScoreChange.objects.count() == changes


def test_a_stale_version_is_named_and_nothing_saved(api, cast, quarter, staff, section):
    rows = rows_for(quarter, staff[1:3])
    rows[0]["version"] -= 1
    before = snapshot(quarter)
    response = api(cast["office"]).post(url(quarter, section), rows, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["[0].version"]
    assert snapshot(quarter) == before


def test_a_sheet_of_another_section_is_refused(api, cast, quarter, staff, section):
    rows = rows_for(quarter, [staff[1], staff[8]])  # staff[8] sits in the other section
    response = api(cast["office"]).post(url(quarter, section), rows, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["[1].sheet"]


def test_a_sheet_given_twice_is_refused(api, cast, quarter, staff, section):
    rows = rows_for(quarter, [staff[1], staff[1]])
    response = api(cast["office"]).post(url(quarter, section), rows, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["[1].sheet"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"sheet": 1, "version": 0, "entries": {"1": "abc"}}], "[0].entries.1"),
        ([{"sheet": "x", "version": 0, "entries": {"1": "1"}}], "[0].sheet"),
        ([{"sheet": 1, "entries": {"1": "1"}}], "[0].version"),
        ([{"sheet": 1, "version": 0, "entries": {"x": "1"}}], "[0].entries.x"),
        ([{"sheet": 1, "version": 0, "entries": {"1": "1"}, "surplus": 1}], "[0].surplus"),
        ([{"sheet": 1, "version": 0, "entries": {"1": "1.234"}}], "[0].entries.1"),
        ([{"sheet": 1, "version": -1, "entries": {"1": "1"}}], "[0].version"),
        ([], "non_field_errors"),
        ({"sheet": 1}, "non_field_errors"),
    ],
)
def test_malformed_rows_are_400_naming_the_field(api, cast, quarter, section, body, field):
    before = snapshot(quarter)
    response = api(cast["office"]).post(url(quarter, section), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert snapshot(quarter) == before


def test_malformed_json_is_400(api, cast, quarter, section):
    response = api(cast["office"]).post(url(quarter, section), "[{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_scores_after_the_section_proposed_are_refused(api, cast, decided, staff, section):
    response = api(cast["office"]).post(url(decided, section), rows_for(decided, staff[1:2]), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["[0].sheet"]


def test_own_sheet_is_refused_with_403_and_nothing_saved(api, cast, quarter, staff, section):
    own = staff[0].user
    RoleAssignment.objects.create(user=own, role="section_head", section=section)
    before = snapshot(quarter)
    response = api(own).post(url(quarter, section), rows_for(quarter, [*staff[1:3], staff[0]]), format="json")
    assert response.status_code == 403
    assert snapshot(quarter) == before


def test_a_leader_who_sees_but_does_not_score_gets_403(api, cast, quarter, staff, section):
    response = api(cast["leader"]).post(url(quarter, section), rows_for(quarter, staff[1:2]), format="json")
    assert response.status_code == 403


def test_the_office_of_another_unit_gets_404_and_nothing_saved(api, cast, quarter, staff, section, caplog):
    before = snapshot(quarter)
    response = api(cast["outsider"]).post(url(quarter, section), rows_for(quarter, staff[1:2]), format="json")
    assert response.status_code == 404
    assert snapshot(quarter) == before
    assert "refused user=outsider" in caplog.text


def test_an_unknown_period_or_section_is_404(api, cast, quarter, section):
    client = api(cast["office"])
    assert client.post(f"/api/v1/periods/999999/sections/{section.pk}/scores/", [], format="json").status_code == 404
    assert client.post(f"/api/v1/periods/{quarter.pk}/sections/999999/scores/", [], format="json").status_code == 404
