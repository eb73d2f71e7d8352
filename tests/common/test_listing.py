"""Lists that scale (common.listing): search by name or ID tail, filters, sort and pages, in the database;
anything not offered in the query string is ignored, never an error."""

from django.test import RequestFactory
from django.urls import reverse

from common.listing import Filter, listing
from tests.assessment.conftest import results
from units.models import Person


def page_of(query: dict, **options):
    request = RequestFactory().get("/", query)
    return listing(
        request,
        Person.objects.all(),
        search=("name",),
        id_field="id_number",
        filters=(Filter("section", "section_id", "section", options.pop("choices", [])),),
        sorts={"name": ("name",), "order": ("-post_order",)},
        default_sort=("pk",),
        **options,
    )


def test_search_matches_a_name_or_the_tail_of_an_id_number(staff):
    assert [p.name for p in page_of({"q": "人员3"}).rows] == ["人员3"]
    tail = staff[5].id_number[-4:]
    assert staff[5] in page_of({"q": tail}).rows
    assert page_of({"q": "无此人"}).count == 0
    # Only the four the pages show: a longer tail would unmask the number a digit at a time.
    for longer in (staff[5].id_number[-5:], staff[5].id_number[-10:], staff[5].id_number):
        assert page_of({"q": longer}).count == 0, longer


def test_filters_take_only_the_values_offered_and_none_means_an_empty_field(staff, section, other_section):
    choices = [(str(section.pk), "一"), (str(other_section.pk), "二"), ("none", "无")]
    assert page_of({"section": other_section.pk}, choices=choices).count == 3
    assert page_of({"section": "none"}, choices=choices).count == 0
    unknown = page_of({"section": "9999"}, choices=choices)
    assert unknown.count == 10
    assert unknown.params == {}


def test_sorting_both_ways_and_pages_that_keep_the_query(staff):
    up = page_of({"sort": "name", "q": "人员"}, per_page=4)
    assert [p.name for p in up.rows] == ["人员0", "人员1", "人员2", "人员3"]
    assert up.page.paginator.num_pages == 3
    assert up.sort_links["name"]["arrow"] == " ▲"
    assert "sort=-name" in up.sort_links["name"]["url"]
    assert up.query(page=2) == "?q=%E4%BA%BA%E5%91%98&sort=name&page=2"
    down = page_of({"sort": "-name", "page": "3"}, per_page=4)
    assert [p.name for p in down.rows] == ["人员1", "人员0"]
    # A column not offered, or a page out of range, falls back rather than failing.
    assert page_of({"sort": "id_number", "page": "x"}).sort == ""


def test_the_unit_sheets_page_is_searched_filtered_and_sorted(quarter, cast, unit, other_section, client):
    client.force_login(cast["office"])
    url = reverse("scoring:unit_sheets", args=[quarter.pk, unit.code])
    assert len(client.get(url).context["sheets"]) == 10
    assert [s.person.name for s in client.get(url, {"q": "人员7"}).context["sheets"]] == ["人员7"]
    section = client.get(url, {"section": other_section.pk}).context["sheets"]
    assert {s.person.name for s in section} == {r.person.name for r in results(quarter, other_section)}
    totals = [s.total for s in client.get(url, {"sort": "total"}).context["sheets"]]
    assert totals == sorted(totals, reverse=True)
    assert [s.eligible_grade for s in client.get(url, {"grade": "一般"}).context["sheets"]] == ["一般"]
    assert client.get(url, {"section": "junk", "sort": "nonsense", "page": "999"}).status_code == 200
