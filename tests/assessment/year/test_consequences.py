"""What the year's final grades call for (嘉奖, 三等功, 诫勉谈话, 辞退审查): worked out in the database, so the
organisation department's list is paged, searched and filtered by kind and unit, and the dashboard counts it
per unit; the pure rule (annual.consequences) stays the reference."""

import random

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import annual
from assessment.models import AnnualResult, GradeHistory
from assessment.quarter import services
from assessment.year.selectors import consequence_conditions, consequences_for, consequences_of
from periods.models import AssessmentYear
from tests import factories

Status = AnnualResult.Status
YEARS = range(2016, 2026)


@pytest.fixture
def year(region, cast):
    return services.year_create(region=region, year=2025, by=cast["org"])


@pytest.fixture
def years(year, region):
    found = {y: AssessmentYear.objects.get_or_create(region=region, year=y)[0] for y in YEARS if y != year.year}
    return found | {year.year: year}


def give(person, years, history: dict[int, str], unit, *, status=Status.FINAL, imported=(), by=None):
    """The history as final annual results; the years in ``imported`` as grades imported from before the
    system (GradeHistory) instead."""
    for y, grade in history.items():
        if y in imported:
            GradeHistory.objects.create(
                person=person,
                year=y,
                grade=grade,
                file_name="历史等次.xlsx",
                imported_by=by,
                imported_at=timezone.now(),
            )
            continue
        AnnualResult.objects.create(
            person=person, assessment_year=years[y], unit=unit, status=status, final_grade=grade
        )


def listed(year, user) -> dict[int, tuple[str, ...]]:
    return {
        c.result.person_id: c.kinds for c in consequences_of(consequences_for(user=user, assessment_year=year), year)
    }


def test_the_database_agrees_with_the_rule_over_many_histories(year, years, unit, cast):
    """Random histories with gaps, runs of every length and changes of grade: the consequences worked out in
    the database are those of the pure rule over the whole history, for the default rules and others."""
    chance = random.Random(16)
    histories = {}
    for n in range(60):
        person = factories.PersonFactory(unit=unit, name=f"历史{n}")
        history = {}
        for y in YEARS:
            roll = chance.random()
            if roll < 0.1 and y != year.year:
                continue  # a year not assessed breaks the run
            history[y] = chance.choice(
                [annual.EXCELLENT] * 3 + [annual.COMPETENT, annual.BASIC, annual.INCOMPETENT] * 1
            )
        histories[person.pk] = history
        # Some people's earlier years came in by the history import: the runs read both sources alike.
        imported = {y for y in history if y < year.year and chance.random() < 0.4} if n % 2 else set()
        give(person, years, history, unit, imported=imported, by=cast["org"])
    # Runs the draw may miss: 优秀 four and six years running, 不称职 twice and three times.
    for n, history in enumerate(
        [
            dict.fromkeys(range(2022, 2026), annual.EXCELLENT),
            dict.fromkeys(range(2020, 2026), annual.EXCELLENT),
            {2024: annual.INCOMPETENT, 2025: annual.INCOMPETENT},
            {2023: annual.INCOMPETENT, 2024: annual.INCOMPETENT, 2025: annual.INCOMPETENT},
            {2023: annual.EXCELLENT, 2025: annual.EXCELLENT},
        ]
    ):
        person = factories.PersonFactory(unit=unit, name=f"连续{n}")
        histories[person.pk] = history
        give(person, years, history, unit)
    for merit, dismissal in ((3, 2), (2, 3), (1, 1)):
        AssessmentYear.objects.filter(pk=year.pk).update(merit_years=merit, dismissal_years=dismissal)
        year.refresh_from_db()
        rules = annual.ConsequenceRules(merit_after=merit, dismissal_after=dismissal)
        expected = {
            pk: tuple(kinds)
            for pk, history in histories.items()
            if (kinds := annual.consequences(history, 2025, rules=rules))
        }
        every = {kind for kinds in expected.values() for kind in kinds}
        assert every == {annual.COMMENDATION, annual.MERIT, annual.ADMONITION, annual.DISMISSAL_REVIEW}
        assert listed(year, cast["org"]) == expected, (merit, dismissal)
        for kind, condition in consequence_conditions(year).items():
            chosen = set(
                consequences_for(user=cast["org"], assessment_year=year)
                .filter(condition)
                .values_list("person_id", flat=True)
            )
            assert chosen == {pk for pk, kinds in expected.items() if kind in kinds}, (merit, dismissal, kind)


def test_a_fourth_year_of_excellent_is_a_commendation_not_another_merit(year, years, unit, cast):
    """The run is counted whole, not within a window of the last three years."""
    person = factories.PersonFactory(unit=unit)
    give(person, years, dict.fromkeys(range(2022, 2026), annual.EXCELLENT), unit)
    assert listed(year, cast["org"]) == {person.pk: (annual.COMMENDATION,)}


def test_only_final_graded_results_of_the_year_are_listed(year, years, unit, cast):
    open_one = factories.PersonFactory(unit=unit)
    give(open_one, years, {2025: annual.EXCELLENT}, unit, status=Status.PUBLICITY)
    earlier = factories.PersonFactory(unit=unit)
    give(earlier, years, {2024: annual.BASIC}, unit)
    not_graded = factories.PersonFactory(unit=unit)
    AnnualResult.objects.create(
        person=not_graded, assessment_year=year, unit=unit, status=Status.FINAL, case="no_grade", final_grade=""
    )
    assert listed(year, cast["org"]) == {}


# The page ------------------------------------------------------------------------------------------------


@pytest.fixture
def many(year, years, region, unit, other_unit):
    """55 people of the main unit with 优秀 (three of them the third year running), three 基本称职 in the other."""
    people = []
    for n in range(55):
        person = factories.PersonFactory(unit=unit, name=f"优秀{n:02d}")
        give(person, years, {2025: annual.EXCELLENT} | ({2023: "优秀", 2024: "优秀"} if n < 3 else {}), unit)
        people.append(person)
    for n in range(3):
        person = factories.PersonFactory(unit=other_unit, name=f"基本{n}")
        give(person, years, {2025: annual.BASIC}, other_unit)
    return people


def page(client, year, **params):
    response = client.get(reverse("annual:consequences", args=[year.pk]), params)
    assert response.status_code == 200, params
    return response.content.decode()


def test_the_list_is_paged_searched_and_filtered_by_kind_and_unit(year, many, unit, other_unit, cast, client):
    client.force_login(cast["org"])
    first = page(client, year)
    assert "58" in first  # found
    assert first.count("<tr><td>") == 50
    assert "page=2" in first
    assert page(client, year, page=2).count("<tr><td>") == 8
    merit = page(client, year, kind="merit")
    assert merit.count("<tr><td>") == 3
    assert "三等功" in merit
    assert page(client, year, kind="admonition").count("<tr><td>") == 3
    assert page(client, year, kind="dismissal_review").count("<tr><td>") == 0
    by_unit = page(client, year, unit=other_unit.pk)
    assert by_unit.count("<tr><td>") == 3
    assert "诫勉谈话" in by_unit
    found = page(client, year, q="优秀07")
    assert found.count("<tr><td>") == 1
    tail = many[9].id_number[-4:]
    assert "优秀09" in page(client, year, q=tail)


def test_bad_parameters_are_ignored_and_outsiders_refused(year, many, cast, client):
    client.force_login(cast["org"])
    for params in ({"kind": "²"}, {"unit": "x"}, {"page": "999"}, {"sort": "-nothing"}, {"q": "x" * 500}):
        page(client, year, **params)
    for user in (cast["office"], cast["outsider"], factories.user_with_role("org", region=factories.RegionFactory())):
        client.force_login(user)
        response = client.get(reverse("annual:consequences", args=[year.pk]))
        assert response.status_code == 404
        assert "优秀01" not in response.content.decode()


def test_the_dashboard_counts_each_units_consequences_and_leads_to_them(year, many, unit, other_unit, cast, client):
    client.force_login(cast["org"])
    response = client.get(reverse("annual:dashboard", args=[year.pk]))
    rows = {row.unit.pk: row.consequences for row in response.context["board"].rows}
    assert (rows[unit.pk], rows[other_unit.pk]) == (55, 3)
    assert response.context["board"].consequences == 58
    link = f"{reverse('annual:consequences', args=[year.pk])}?unit={other_unit.pk}"
    assert link in response.content.decode()
