"""The score-entry grid of a section: the page, the row endpoint (autosave) and "save all"."""

import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from scoring import services
from scoring.models import ScoreEntry, ScoreSheet
from tests import factories
from tests.scoring.test_sheets import monthly


@pytest.fixture
def people(section, person):
    """Three people in the section, ``person`` first by post order."""
    person.post_order = 1
    person.save(update_fields=["post_order"])
    return [person] + [factories.PersonFactory(unit=section.unit, section=section, post_order=n) for n in (2, 3)]


@pytest.fixture
def sheets(people, period, templates, officer, unit):
    services.sheets_open(period=period, unit=unit, by=officer)
    return [p.score_sheets.get(period=period) for p in people]


@pytest.fixture
def entered(sheets):
    """The items the sheets score by hand, in their order."""
    return list(sheets[0].template.items.filter(kind__in=("common", "distinctive")).order_by("order", "id"))


def grid_url(period, section):
    return reverse("scoring:grid", args=[period.pk, section.pk])


def row_url(sheet):
    return reverse("scoring:grid_row", args=[sheet.pk])


def row_data(sheet, values, *, version=None, seen=""):
    """What the grid posts for one row: ``values`` is ``{item: text}``."""
    data = {f"s{sheet.pk}-{item.pk}": value for item, value in values.items()}
    data[f"s{sheet.pk}-version"] = sheet.version if version is None else version
    data[f"s{sheet.pk}-seen"] = seen
    return data


def test_the_section_head_gets_a_row_per_person_in_post_order_and_a_column_per_entered_item(
    login, section_head, sheets, entered, period, section
):
    response = login(section_head).get(grid_url(period, section))
    assert response.status_code == 200
    (table,) = response.context["tables"]
    assert [row["sheet"] for row in table.rows] == sheets
    assert table.items == entered
    html = response.content.decode()
    for sheet in sheets:
        for item in entered:
            assert f'name="s{sheet.pk}-{item.pk}"' in html
    assert "js/grid.js" in html


def test_the_outsider_is_refused_the_grid_and_its_rows(login, outsider, sheets, entered, period, section, caplog):
    client = login(outsider)
    with caplog.at_level("WARNING", logger="kaohe.security"):
        assert client.get(grid_url(period, section)).status_code == 404
        assert client.post(grid_url(period, section), row_data(sheets[0], {entered[0]: "5"})).status_code == 404
        assert client.get(row_url(sheets[0])).status_code == 404
        assert client.post(row_url(sheets[0]), row_data(sheets[0], {entered[0]: "5"})).status_code == 404
    assert "refused user=outsider" in caplog.text
    assert not ScoreEntry.objects.exists()


def test_a_leader_sees_the_grid_read_only_and_cannot_post(login, leader, sheets, entered, period, section, caplog):
    client = login(leader)
    response = client.get(grid_url(period, section))
    assert response.status_code == 200
    assert "grid-input" not in response.content.decode()
    with caplog.at_level("WARNING", logger="kaohe.security"):
        refused = client.post(row_url(sheets[0]), row_data(sheets[0], {entered[0]: "5"}))
        assert refused.status_code == 403
        assert _("Your roles do not allow this action.") in refused.content.decode()
        assert client.post(grid_url(period, section), row_data(sheets[0], {entered[0]: "5"})).status_code == 403
    assert "refused user=leader action=grid_row_save" in caplog.text
    assert "refused user=leader action=grid_save_all" in caplog.text
    assert not ScoreEntry.objects.exists()


def test_a_closed_period_is_read_only_and_refuses_posts(login, officer, sheets, entered, period, section):
    period.status = "closed"
    period.save(update_fields=["status"])
    client = login(officer)
    response = client.get(grid_url(period, section))
    assert "grid-input" not in response.content.decode()
    assert client.post(row_url(sheets[0]), row_data(sheets[0], {entered[0]: "5"})).status_code == 403
    assert client.post(grid_url(period, section), row_data(sheets[0], {entered[0]: "5"})).status_code == 403
    assert not ScoreEntry.objects.exists()


def test_an_out_of_range_value_is_refused_with_the_reason_and_nothing_of_the_row_is_saved(
    login, section_head, sheets, entered
):
    sheet = sheets[0]
    good, bad = entered[:2]
    response = login(section_head).post(row_url(sheet), row_data(sheet, {good: "5", bad: str(bad.max_points + 1)}))
    assert response.status_code == 422
    html = response.content.decode()
    assert "is-invalid" in html
    assert (
        _("%(item)s: %(points)s is outside 0–%(max)s.")
        % {
            "item": bad.name,
            "points": bad.max_points + 1,
            "max": bad.max_points,
        }
        in html
    )
    assert f'value="{bad.max_points + 1}"' in html  # the typed value stays in the row
    assert not ScoreEntry.objects.exists()
    sheet.refresh_from_db()
    assert sheet.version == sheets[0].version


def test_a_saved_row_answers_with_the_new_total_grade_and_version(login, section_head, sheets, entered, period, person):
    monthly(person, period, "95", "95", "95")
    sheet = ScoreSheet.objects.get(pk=sheets[0].pk)
    response = login(section_head).post(row_url(sheet), row_data(sheet, {item: item.max_points for item in entered}))
    assert response.status_code == 200
    saved = ScoreSheet.objects.get(pk=sheet.pk)
    assert saved.total == D("98.00")  # 60 by hand + 95 × 0.40
    assert saved.eligible_grade == "好"
    assert saved.version > sheet.version
    html = response.content.decode()
    assert "98.00" in html
    assert "好" in html
    assert f'name="s{sheet.pk}-version" value="{saved.version}"' in html
    assert _("saved") in html


def test_a_stale_row_is_refused_keeps_the_typed_values_and_shows_the_other_change(
    login, officer, section_head, sheets, entered, period, section
):
    sheet = sheets[0]
    item = entered[0]
    page = login(officer).get(grid_url(period, section))
    (row,) = [r for r in page.context["tables"][0].rows if r["sheet"] == sheet]
    loaded_version, seen = row["version"], row["seen"]
    # the section head saves first
    services.sheet_enter(sheet=sheet, values={item.pk: "7"}, by=section_head)
    response = login(officer).post(
        row_url(sheet), row_data(sheet, {item: "9"}, version=loaded_version, seen=seen or "")
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert f'name="s{sheet.pk}-{item.pk}" value="9"' in html  # the officer's value is kept
    assert f'name="s{sheet.pk}-version" value="{loaded_version}"' in html  # and stays refused until reloaded
    assert _("changed by someone else") in html
    assert section_head.display_name() in html
    assert re.search(rf"{re.escape(item.name)} — → 7\.00", html)
    assert _("Reload the row") in html
    assert ScoreEntry.objects.get(sheet=sheet, item=item).points == D("7")
    # reloading the row shows what is stored now, with the version to save against
    fresh = login(officer).get(row_url(sheet)).content.decode()
    current = ScoreSheet.objects.get(pk=sheet.pk).version
    assert f'name="s{sheet.pk}-{item.pk}" value="7.00"' in fresh
    assert f'name="s{sheet.pk}-version" value="{current}"' in fresh


def test_nobody_enters_their_own_sheet_in_the_grid(login, section_head, section, period, templates, officer, unit):
    own_person = factories.PersonFactory(unit=unit, section=section, user=section_head)
    services.sheets_open(period=period, unit=unit, by=officer)
    own = own_person.score_sheets.get(period=period)
    item = own.template.items.filter(kind="common").first()
    client = login(section_head)
    page = client.get(grid_url(period, section)).content.decode()
    assert f'name="s{own.pk}-{item.pk}"' not in page
    assert client.post(row_url(own), row_data(own, {item: "5"})).status_code == 403
    # a forged field of the own row in "save all" is ignored, never saved
    assert client.post(grid_url(period, section), row_data(own, {item: "5"})).status_code == 302
    assert not ScoreEntry.objects.filter(sheet=own).exists()


def test_save_all_saves_every_changed_row_with_the_reason(login, officer, sheets, entered, period, section):
    data = {"reason": "季度复核"}
    for sheet in sheets:
        data |= row_data(sheet, dict.fromkeys(entered, "4"))
    response = login(officer).post(grid_url(period, section), data)
    assert response.status_code == 302
    for sheet in sheets:
        assert ScoreSheet.objects.get(pk=sheet.pk).common_points == 4 * len(entered)
        assert set(sheet.changes.values_list("reason", flat=True)) == {"季度复核"}


def test_save_all_is_all_or_nothing_and_marks_the_bad_cell(login, officer, sheets, entered, period, section):
    good_row = row_data(sheets[0], dict.fromkeys(entered, "4"))
    bad_item = entered[1]
    bad_row = row_data(sheets[1], {entered[0]: "4", bad_item: "4.555"})
    response = login(officer).post(grid_url(period, section), good_row | bad_row)
    assert response.status_code == 422
    assert not ScoreEntry.objects.exists()
    rows = {row["sheet"].pk: row for row in response.context["tables"][0].rows}
    assert rows[sheets[1].pk]["status"] == "error"
    (bad_cell,) = [c for c in rows[sheets[1].pk]["cells"] if c["item"] == bad_item]
    assert bad_cell["errors"]
    assert bad_cell["value"] == "4.555"
    assert rows[sheets[0].pk]["status"] == "unsaved"
    assert rows[sheets[0].pk]["cells"][0]["value"] == "4"  # what was typed is kept


def test_save_all_refuses_a_row_someone_else_saved_first_but_not_rows_left_alone(
    login, officer, section_head, sheets, entered, period, section
):
    item = entered[0]
    loaded = {sheet.pk: sheet.version for sheet in sheets}
    services.sheet_enter(sheet=sheets[0], values={item.pk: "7"}, by=section_head)
    services.sheet_enter(sheet=sheets[1], values={item.pk: "6"}, by=section_head)
    # the officer's form: sheet 0 changed by the officer too, sheet 1 left as loaded (empty), sheet 2 changed
    data = row_data(sheets[0], {item: "9"}, version=loaded[sheets[0].pk])
    data |= row_data(sheets[2], {item: "3"}, version=loaded[sheets[2].pk])
    response = login(officer).post(grid_url(period, section), data)
    assert response.status_code == 422
    rows = {row["sheet"].pk: row for row in response.context["tables"][0].rows}
    assert rows[sheets[0].pk]["status"] == "stale"
    assert [(c.old, c.new) for c in rows[sheets[0].pk]["changes"] if c.field == item.name] == [(None, D("7"))]
    assert not ScoreEntry.objects.filter(sheet=sheets[2]).exists()
    # without the conflicting row the rest goes through, and the untouched row is not in the way
    data = row_data(sheets[1], {item: "6.00"}, version=loaded[sheets[1].pk])
    data |= row_data(sheets[2], {item: "3"}, version=loaded[sheets[2].pk])
    assert login(officer).post(grid_url(period, section), data).status_code == 302
    assert ScoreEntry.objects.get(sheet=sheets[2]).points == D("3")


def test_a_section_with_sheets_on_two_templates_gets_a_table_per_template(login, officer, sheets, period, section):
    other = services.template_new_version(template=sheets[0].template)
    ScoreSheet.objects.filter(pk=sheets[2].pk).update(template=other)
    tables = login(officer).get(grid_url(period, section)).context["tables"]
    assert [(t.template, [r["sheet"].pk for r in t.rows]) for t in tables] == [
        (sheets[0].template, [sheets[0].pk, sheets[1].pk]),
        (other, [sheets[2].pk]),
    ]


def test_the_grid_makes_the_same_number_of_queries_for_a_bigger_section(
    login, officer, period, templates, unit, section, other_section, django_assert_max_num_queries
):
    factories.PersonFactory(unit=unit, section=other_section)
    for _n in range(25):
        factories.PersonFactory(unit=unit, section=section)
    services.sheets_open(period=period, unit=unit, by=officer)
    client = login(officer)
    with CaptureQueriesContext(connection) as few:
        assert client.get(grid_url(period, other_section)).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(grid_url(period, section))
    assert len(response.context["tables"][0].rows) == 25


def test_the_unit_sheets_page_links_to_each_sections_grid(login, officer, sheets, period, unit, section):
    html = login(officer).get(reverse("scoring:unit_sheets", args=[period.pk, unit.code])).content.decode()
    assert grid_url(period, section) in html


def test_a_result_past_scoring_is_read_only_in_the_grid_and_its_row_refused(
    login, officer, sheets, entered, period, unit, section
):
    from assessment.models import QuarterlyResult
    from assessment.quarter import services as assessment_services

    period.status = "open"
    period.save(update_fields=["status"])
    assessment_services.unit_start(period=period, unit=unit, by=officer)
    QuarterlyResult.objects.filter(person=sheets[0].person, period=period).update(status="leader_review")
    client = login(officer)
    html = client.get(grid_url(period, section)).content.decode()
    assert f'name="s{sheets[0].pk}-{entered[0].pk}"' not in html
    assert f'name="s{sheets[1].pk}-{entered[0].pk}"' in html
    response = client.post(row_url(sheets[0]), row_data(sheets[0], {entered[0]: "5"}))
    assert response.status_code == 422
    assert not ScoreEntry.objects.exists()


def test_the_head_of_another_section_gets_404_for_this_sections_grid_and_rows(
    login, other_section, sheets, entered, period, section
):
    other_head = factories.user_with_role("section_head", section=other_section, username="otherhead")
    client = login(other_head)
    assert client.get(grid_url(period, section)).status_code == 404
    assert client.post(row_url(sheets[0]), row_data(sheets[0], {entered[0]: "5"})).status_code == 404
    assert client.get(grid_url(period, other_section)).status_code == 200  # their own section, empty
    assert not ScoreEntry.objects.exists()
