import io
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import ExcellentRatio
from assessment.quarter import services
from audit.models import AuditEntry
from periods.models import AssessmentYear


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def test_the_organisation_department_finds_the_rotating_section_from_its_home_page(closed_year, cast, login, section):
    client = login(cast["org"])
    home = client.get(reverse("home")).content.decode()
    assert reverse("analytics:index") in home
    page = client.get(reverse("analytics:index"), follow=True)
    assert page.redirect_chain[-1][0] == reverse("analytics:year", args=[closed_year.pk])
    body = page.content.decode()
    suspected = body[body.index('id="suspected"') :]
    assert reverse("analytics:section", args=[closed_year.pk, section.pk]) in suspected[: suspected.index("</table>")]
    detail = client.get(reverse("analytics:section", args=[closed_year.pk, section.pk])).content.decode()
    assert "甲3 (91.00) graded 好, 甲0 (96.00) not" in detail or "甲3（91.00）评为“好”，甲0（96.00）未评" in detail


def test_the_office_sees_its_own_units_rows_and_the_regions_yardstick(closed_year, cast, login, other_unit):
    client = login(cast["office"])
    assert reverse("analytics:index") in client.get(reverse("home")).content.decode()
    body = client.get(reverse("analytics:year", args=[closed_year.pk])).content.decode()
    assert "区测试局" in body
    assert other_unit.name not in body
    assert 'id="weights"' not in body  # the weights are the organisation department's


@pytest.mark.parametrize("who", ["head", "staff", "outsider"])
def test_nobody_else_reads_the_units_analytics(closed_year, cast, login, who, section, unit):
    client = login(cast[who])
    pages = [
        reverse("analytics:section", args=[closed_year.pk, section.pk]),
        reverse("analytics:unit", args=[closed_year.pk, unit.code]),
        reverse("analytics:reviewer", args=[closed_year.pk, unit.code, cast["head"].pk]),
    ]
    if who != "outsider":
        pages += [
            reverse("analytics:year", args=[closed_year.pk]),
            reverse("analytics:download", args=[closed_year.pk]),
        ]
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("analytics:adopt", args=[closed_year.pk, unit.code])).status_code == 404


def test_the_outsiders_year_page_holds_only_its_own_unit(closed_year, cast, login, unit):
    body = login(cast["outsider"]).get(reverse("analytics:year", args=[closed_year.pk])).content.decode()
    assert unit.name not in body
    assert "甲" not in body


def test_the_reviewer_page_lists_the_sheets_they_scored(closed_year, cast, login, unit):
    client = login(cast["office"])
    body = client.get(reverse("analytics:reviewer", args=[closed_year.pk, unit.code, cast["head"].pk])).content
    body = body.decode()
    assert body.count("<tr>") == 1 + 16
    assert "乙0" not in body


def test_the_unit_page_opens_the_rows_behind_each_measure(closed_year, cast, login, unit):
    body = login(cast["org"]).get(reverse("analytics:unit", args=[closed_year.pk, unit.code])).content.decode()
    for anchor in ("deadlines", "summaries", "records", "sent_back", "reviews", "rotation", "leniency", "silence"):
        assert f'id="{anchor}"' in body
        assert f'href="#{anchor}"' in body


def test_the_export_has_a_sheet_per_analysis(closed_year, cast, login):
    response = login(cast["org"]).get(reverse("analytics:download", args=[closed_year.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(workbook.sheetnames) == 5
    rotation = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(rotation) == 3 + 2  # title, subtitle, header, two sections
    assert rotation[3][1] == "综合股"


def test_the_organisation_department_sets_the_weights_and_the_trail_keeps_them(closed_year, cast, login):
    client = login(cast["org"])
    posted = {f"weight-{name}": "1" for name in closed_year.rating_weights} | {"weight-rotation": "3.5"}
    client.post(reverse("analytics:weights", args=[closed_year.pk]), posted)
    closed_year.refresh_from_db()
    assert closed_year.rating_weights["rotation"] == "3.5"
    entry = AuditEntry.objects.get(action="rating_weights_set")
    assert entry.actor == cast["org"]
    assert entry.changes["rating_weights"][1]["rotation"] == "3.5"


@pytest.mark.parametrize("bad", ["-1", "101", "1e308", "NaN", "²", "abc", "0.001"])
def test_a_bad_weight_is_refused_and_nothing_changes(closed_year, cast, login, bad):
    client = login(cast["org"])
    before = dict(closed_year.rating_weights)
    posted = {f"weight-{name}": "1" for name in closed_year.rating_weights} | {"weight-rotation": bad}
    page = client.post(reverse("analytics:weights", args=[closed_year.pk]), posted, follow=True)
    assert page.status_code == 200
    assert "0 到 100" in page.content.decode()
    closed_year.refresh_from_db()
    assert closed_year.rating_weights == before


def test_the_office_cannot_set_the_weights(closed_year, cast, login):
    before = dict(closed_year.rating_weights)
    posted = {f"weight-{name}": "1" for name in closed_year.rating_weights}
    login(cast["office"]).post(reverse("analytics:weights", args=[closed_year.pk]), posted)
    closed_year.refresh_from_db()
    assert closed_year.rating_weights == before


def test_the_organisation_department_adopts_the_suggested_ratio_for_next_year(closed_year, cast, login, unit, region):
    client = login(cast["org"])
    url = reverse("analytics:adopt", args=[closed_year.pk, unit.code])
    refused = client.post(url, {"performance": "excellent"}, follow=True).content.decode()
    assert "2026" in refused
    assert not ExcellentRatio.objects.exists()
    services.year_create(region=region, year=2026, by=cast["org"])
    client.post(url, {"performance": "excellent"})
    setting = ExcellentRatio.objects.get(unit=unit)
    assert setting.assessment_year == AssessmentYear.objects.get(region=region, year=2026)
    assert closed_year.excellent_ratio_min <= setting.ratio <= closed_year.excellent_ratio_max
    assert "2025" in setting.reason
    assert AuditEntry.objects.filter(action="excellent_ratio_set", unit=unit).count() == 1


def test_the_office_cannot_adopt_a_ratio(closed_year, cast, login, unit, region):
    services.year_create(region=region, year=2026, by=cast["org"])
    login(cast["office"]).post(
        reverse("analytics:adopt", args=[closed_year.pk, unit.code]), {"performance": "excellent"}
    )
    assert not ExcellentRatio.objects.exists()


def test_a_year_without_a_closed_quarter_says_there_is_not_enough_to_judge(region, cast, login):
    year = services.year_create(region=region, year=2027, by=cast["org"])
    body = login(cast["org"]).get(reverse("analytics:year", args=[year.pk])).content.decode()
    assert 'id="not-enough"' in body


def test_the_year_page_takes_a_bounded_number_of_queries(closed_year, cast, login, django_assert_max_num_queries):
    client = login(cast["org"])
    url = reverse("analytics:year", args=[closed_year.pk])
    client.get(url)
    cache.clear()
    with django_assert_max_num_queries(24):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as cached:
        client.get(url)
    assert len(cached.captured_queries) <= 14


def test_the_weights_page_refuses_a_get(closed_year, cast, login):
    assert login(cast["org"]).get(reverse("analytics:weights", args=[closed_year.pk])).status_code == 405


def test_points_are_exact(closed_year):
    assert isinstance(closed_year.leniency_limit, D)


def test_a_section_of_one_person_has_no_pair_to_compare(closed_year, cast, login, unit, region):
    from periods.models import Period
    from tests import factories

    lone = factories.SectionFactory(unit=unit, name="独人股")
    factories.PersonFactory(unit=unit, section=lone, name="独一")
    Period.objects.filter(assessment_year=closed_year).update(status=Period.Status.OPEN)
    for period in closed_year.periods.all():
        services.unit_start(period=period, unit=unit, by=cast["office"])
    Period.objects.filter(assessment_year=closed_year).update(status=Period.Status.CLOSED)
    body = login(cast["org"]).get(reverse("analytics:section", args=[closed_year.pk, lone.pk])).content.decode()
    assert body.count("无可比较的人员组合") == 4
    assert "评出“好”的季度数不足，暂不评判" in body
