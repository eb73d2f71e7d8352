"""The grid in a real browser (static/js/grid.js): checks as you type, keyboard moves, autosave on leaving
a row, a stale row."""

import pytest
from django.urls import reverse

from scoring import services
from scoring.models import ScoreEntry, ScoreSheet
from tests import factories
from tests.scoring.test_sheets import monthly

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(page, log_in, officer):
    """The browser page of tests/e2e/conftest.py, logged in as the office."""
    log_in(page, officer)
    return page


def test_typing_moving_and_leaving_a_row_saves_it_and_updates_the_total(
    page, live_server, officer, unit, section, period, templates
):
    first = factories.PersonFactory(unit=unit, section=section, post_order=1)
    second = factories.PersonFactory(unit=unit, section=section, post_order=2)
    services.sheets_open(period=period, unit=unit, by=officer)
    monthly(first, period, "90", "90", "90")
    sheet = first.score_sheets.get()
    items = list(sheet.template.items.filter(kind__in=("common", "distinctive")).order_by("order", "id"))
    page.goto(live_server.url + reverse("scoring:grid", args=[period.pk, section.pk]))

    cell = page.locator(f'input[name="s{sheet.pk}-{items[0].pk}"]')
    cell.click()
    page.keyboard.type(str(items[0].max_points + 1))
    assert "is-invalid" in cell.get_attribute("class")  # marked at once, before any save
    cell.fill("")
    page.keyboard.type("9.5")
    assert "is-invalid" not in cell.get_attribute("class")

    page.keyboard.press("Enter")  # down the column to the next person: leaving the row saves it
    below = second.score_sheets.get()
    assert page.evaluate("document.activeElement.name") == f"s{below.pk}-{items[0].pk}"
    row = page.locator(f"#s{sheet.pk}")
    row.locator(".grid-status .text-bg-success").wait_for()
    assert ScoreEntry.objects.get(sheet=sheet, item=items[0]).points == 9.5
    saved = ScoreSheet.objects.get(pk=sheet.pk)
    assert row.locator("[data-total]").inner_text() == str(saved.total)

    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.name") == f"s{sheet.pk}-{items[0].pk}"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == f"s{sheet.pk}-{items[1].pk}"


def test_a_row_saved_by_someone_else_first_keeps_the_typed_value_shows_their_change_and_reloads(
    page, live_server, officer, section_head, unit, section, period, templates
):
    person = factories.PersonFactory(unit=unit, section=section)
    services.sheets_open(period=period, unit=unit, by=officer)
    sheet = person.score_sheets.get()
    item = sheet.template.items.filter(kind="common").order_by("order", "id").first()
    page.goto(live_server.url + reverse("scoring:grid", args=[period.pk, section.pk]))
    services.sheet_enter(sheet=sheet, values={item.pk: "7"}, by=section_head)  # after the page was loaded

    cell = page.locator(f'input[name="s{sheet.pk}-{item.pk}"]')
    cell.click()
    page.keyboard.type("9")
    page.keyboard.press("Tab")  # still in the row: nothing is sent yet
    page.locator("#grid-reason").click()  # leaving the row sends it
    row = page.locator(f"#s{sheet.pk}")
    row.locator(".grid-status .text-bg-warning").wait_for()
    assert cell.input_value() == "9"
    assert section_head.display_name() in row.inner_text()
    assert ScoreEntry.objects.get(sheet=sheet, item=item).points == 7

    row.locator("a[data-reload]").click()
    page.locator(f'#s{sheet.pk} input[name="s{sheet.pk}-{item.pk}"][value="7.00"]').wait_for()
    cell = page.locator(f'input[name="s{sheet.pk}-{item.pk}"]')
    cell.fill("9")
    page.locator("#grid-reason").click()
    page.locator(f"#s{sheet.pk} .grid-status .text-bg-success").wait_for()
    assert ScoreEntry.objects.get(sheet=sheet, item=item).points == 9
