"""Every page of the year costs a fixed number of queries, however many people or units it shows.

Each page is opened once to warm the per-process caches (content types, permissions), measured, then the
year grows (three times the people, or three times the units, with their reviews, appeals, ratios and
history) and the page is measured again: the count must not change, and stays under the page's bound. The
rows are written directly (the chain's services are tested elsewhere): what is measured is the page's reads.
BOUNDS is the table of the pages' costs; a change that adds a query to a page shows here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import AnnualAppeal, AnnualLedger, AnnualResult, Sanction, SanctionType
from assessment.quarter import services
from assessment.year import services as svc
from periods.models import AssessmentYear
from tests import factories
from units.models import RoleAssignment

Status = AnnualResult.Status

# Page → the most queries it may take (measured on SQLite; the same at every size).
BOUNDS = {
    "propose": 14,  # 3 of them rank the candidates for 优秀 against the places
    "decide": 16,
    "reviews": 10,
    "unit_results": 15,
    "person_inputs": 13,
    "inputs": 8,
    "mine": 10,
    "publicity": 10,
    "year_list": 9,
    "ratios": 12,
    "confirm_queue": 13,
    "appeals": 12,
    "dashboard": 15,
    "consequences": 11,
}


@pytest.fixture
def year(region, cast):
    return services.year_create(region=region, year=2025, by=cast["org"])


@dataclass
class Grown:
    """Adds people with annual results (and what hangs on them) to a unit, numbering them on."""

    year: AssessmentYear
    made: int = 0

    def people(self, unit, n: int, *, status: str, grade: str = "称职", section=None, **fields):
        made = []
        for _ in range(n):
            self.made += 1
            person = factories.PersonFactory(unit=unit, section=section, name=f"{unit.code}-{self.made}")
            made.append(
                AnnualResult.objects.create(
                    person=person,
                    assessment_year=self.year,
                    unit=unit,
                    section=section,
                    status=status,
                    quarter_grades={"1": "好", "2": "较好", "3": "好", "4": "较好"},
                    quarters=4,
                    goods=2,
                    average_quarterly=Decimal("88.5"),
                    annual_score=Decimal("90.1"),
                    suggested_grade="称职",
                    ceiling="优秀",
                    excellent_eligible=True,
                    proposed_grade="" if status == Status.PROPOSAL else grade,
                    appraisal="" if status == Status.PROPOSAL else "政治坚定",
                    final_grade=grade if status not in (Status.PROPOSAL, Status.COMMITTEE) else "",
                    publicity_ends=datetime.date(2026, 1, 12) if status != Status.PROPOSAL else None,
                    notice="通知" if status == Status.FINAL else "",
                    notified_on=datetime.date(2026, 1, 25) if status == Status.FINAL else None,
                    **fields,
                )
            )
        AnnualLedger.objects.update_or_create(
            unit=unit, assessment_year=self.year, defaults={"ratio": Decimal("0.2"), "places": 5, "graded": 10}
        )
        return made

    def appeals(self, results, kind: str, *, answered: bool = False, by=None):
        for r in results:
            AnnualAppeal.objects.create(
                result=r,
                kind=kind,
                reason="请求复核",
                requested_on=datetime.date(2026, 2, 1),
                answer_due=datetime.date(2026, 3, 1),
                answer="维持" if answered else "",
                outcome=AnnualAppeal.Outcome.UPHELD if answered else "",
                grade_before=r.final_grade,
                grade_after=r.final_grade if answered else "",
                answered_on=datetime.date(2026, 2, 10) if answered else None,
                answered_by=by if answered else None,
            )


def measured(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def unit_url(name: str):
    return lambda year, unit, me: reverse(f"annual:{name}", args=[year.pk, unit.code])


def year_url(name: str):
    return lambda year, unit, me: reverse(f"annual:{name}", args=[year.pk])


# Each page: who opens it, how to reach it, and how the year grows (called with the size: 1, then 3).


def chain_queue(status: str):
    def grow(grown, unit, section, other_section, size, cast, me):
        grown.people(unit, 3 * size, status=status, section=section)
        return grown.people(unit, size, status=status, section=other_section)[-1].person.name

    return grow


def grow_reviews(grown, unit, section, other_section, size, cast, me):
    finals = grown.people(unit, 4 * size, status=Status.FINAL, section=section)
    grown.appeals(finals[: 2 * size], AnnualAppeal.Kind.REVIEW)
    grown.appeals(finals[2 * size :], AnnualAppeal.Kind.REVIEW, answered=True, by=cast["committee"])
    return finals[-1].person.name


def grow_unit(grown, unit, section, other_section, size, cast, me):
    for status in (Status.PROPOSAL, Status.COMMITTEE, Status.DECIDED, Status.FINAL):
        last = grown.people(unit, size, status=status, section=section)[-1]
    return last.person.name


def grow_unit_unlisted(grown, unit, section, other_section, size, cast, me):
    """For the import page, which lists nobody: the people grow, the page does not."""
    grow_unit(grown, unit, section, other_section, size, cast, me)
    return str(grown.year.year)


def grow_sanctions(grown, unit, section, other_section, size, cast, me):
    if not grown.made:
        grown.people(unit, 1, status=Status.PROPOSAL, section=section)
    person = AnnualResult.objects.get(person__name=f"{unit.code}-1").person
    kinds = list(SanctionType.objects.all())
    for n in range(2 * size):
        Sanction.objects.create(
            person=person,
            kind=kinds[n % len(kinds)],
            starts_on=datetime.date(2025, 1 + n, 1),
            ends_on=datetime.date(2025, 1 + n, 20),
            reason=f"决定{n}",
            recorded_by=cast["office"],
        )
    return f"决定{2 * size - 1}"


def grow_own_years(grown, unit, section, other_section, size, cast, me):
    """The person's own final results, one a year back from 2025, each with a review and an appeal."""
    person = me.person
    for back in range(AnnualResult.objects.filter(person=person).count(), 2 * size):
        year, _made = AssessmentYear.objects.get_or_create(region=unit.region, year=2025 - back)
        result = AnnualResult.objects.create(
            person=person,
            assessment_year=year,
            unit=unit,
            section=section,
            status=Status.FINAL,
            final_grade="称职",
            quarter_grades={"1": "好", "2": "较好"},
            notice="通知",
        )
        grown.appeals([result], AnnualAppeal.Kind.REVIEW, answered=True)
        grown.appeals([result], AnnualAppeal.Kind.APPEAL)
    grown.people(unit, 2 * size, status=Status.PUBLICITY, section=section, grade="优秀")
    return f"{2025 - (2 * size - 1)} · {unit.name}"


def grow_publicity(grown, unit, section, other_section, size, cast, me):
    if not AnnualResult.objects.filter(person=me.person).exists():
        AnnualResult.objects.create(
            person=me.person, assessment_year=grown.year, unit=unit, section=section, status=Status.PUBLICITY
        )
    grown.people(unit, 3 * size, status=Status.PUBLICITY, section=section, grade="优秀")
    return grown.people(unit, size, status=Status.PUBLICITY, section=other_section, grade="优秀")[-1].person.name


def grow_region(grown, unit, section, other_section, size, cast, me):
    """Two units per size step, each with reported results, an open and an answered appeal, a ratio set
    twice (its history), and one unit still before confirmation."""
    for _ in range(2 * size):
        n = grown.made
        more = factories.UnitFactory(region=unit.region, code=f"X{n:03d}", name=f"区单位{n}")
        for performance in ("average", "excellent"):
            svc.excellent_ratio_set(
                unit=more, assessment_year=grown.year, performance=performance, reason="考核", by=cast["org"]
            )
        reported = grown.people(more, 3, status=Status.CONFIRMATION, grade="称职")
        grown.people(more, 1, status=Status.CONFIRMATION, grade="优秀")
        if n % 2:
            grown.people(more, 2, status=Status.FINAL, grade="称职")
        grown.appeals(reported[:1], AnnualAppeal.Kind.APPEAL)
        grown.appeals(reported[1:2], AnnualAppeal.Kind.APPEAL, answered=True, by=cast["org"])
        grown.appeals(reported[2:3], AnnualAppeal.Kind.REVIEW)
    grown.people(unit, 2, status=Status.COMMITTEE, section=section)
    return more.name


def grow_consequences(grown, unit, section, other_section, size, cast, me):
    """Final grades that call for each consequence, with the history behind them (优秀 three years running,
    不称职 two)."""
    earlier = [AssessmentYear.objects.get_or_create(region=unit.region, year=y)[0] for y in (2023, 2024)]
    for grade in ("称职", "不称职", "基本称职", "优秀"):
        for result in grown.people(unit, size, status=Status.FINAL, grade=grade, section=section):
            for before in earlier:
                AnnualResult.objects.create(
                    person=result.person,
                    assessment_year=before,
                    unit=unit,
                    status=Status.FINAL,
                    final_grade=grade,
                )
    return result.person.name


PAGES = {
    "propose": ("leader", unit_url("propose"), chain_queue(Status.PROPOSAL)),
    "decide": ("committee", unit_url("decide"), chain_queue(Status.COMMITTEE)),
    "reviews": ("committee", unit_url("reviews"), grow_reviews),
    "unit_results": ("office", unit_url("unit_results"), grow_unit),
    "person_inputs": (
        "office",
        lambda year, unit, me: reverse(
            "annual:person_inputs",
            args=[year.pk, AnnualResult.objects.get(person__name=f"{unit.code}-1").person_id],
        ),
        grow_sanctions,
    ),
    "inputs": ("office", year_url("inputs"), grow_unit_unlisted),
    "mine": ("me", lambda year, unit, me: reverse("annual:mine"), grow_own_years),
    "publicity": ("me", year_url("publicity"), grow_publicity),
    "year_list": ("org", lambda year, unit, me: reverse("annual:year_list"), grow_region),
    "ratios": ("org", year_url("ratios"), grow_region),
    "confirm_queue": ("org", year_url("confirm_queue"), grow_region),
    "appeals": ("org", year_url("appeals"), grow_region),
    "dashboard": ("org", year_url("dashboard"), grow_region),
    "consequences": ("org", year_url("consequences"), grow_consequences),
}


@pytest.mark.parametrize("name", PAGES)
def test_the_page_costs_the_same_queries_at_every_size(name, year, region, unit, section, other_section, cast, client):
    who, url_of, grow = PAGES[name]
    me = factories.UserFactory(username="me")
    factories.PersonFactory(unit=unit, section=section, user=me, name="本人")
    client.force_login(me if who == "me" else cast[who])
    grown = Grown(year=year)
    grow(grown, unit, section, other_section, 1, cast, me)
    url = url_of(year, unit, me)
    measured(client, url)  # warm the caches of content types and permissions
    few = measured(client, url)
    shown = grow(grown, unit, section, other_section, 3, cast, me)
    many = measured(client, url)
    assert shown in client.get(url).content.decode(), f"{name}: the larger year is not on the page"
    assert many == few, f"{name}: {few} queries, then {many} for a larger year"
    assert few <= BOUNDS[name], f"{name}: {few} queries, more than its bound {BOUNDS[name]}"


# The acts on a whole unit (the office's publish and report, the organisation department's confirmation) are
# not pages but posts; they too cost the same for a unit of three and of twelve.

ACTS = {
    "publish": ("office", Status.DECIDED, lambda year, unit: reverse("annual:publish", args=[year.pk, unit.code])),
    "report": ("office", Status.PUBLICITY, lambda year, unit: reverse("annual:report", args=[year.pk, unit.code])),
    "confirm": ("org", Status.CONFIRMATION, lambda year, unit: reverse("annual:confirm_queue", args=[year.pk])),
}
ACT_BOUNDS = {"publish": 18, "report": 12, "confirm": 22}


@pytest.mark.parametrize("name", ACTS)
def test_an_act_on_a_unit_costs_the_same_queries_for_more_people(name, year, region, cast, client, monkeypatch):
    monkeypatch.setattr("assessment.year.services.today", lambda: datetime.date(2026, 2, 1))
    who, status, url_of = ACTS[name]
    office = factories.UserFactory(username="offices")
    grown = Grown(year=year)
    counts = []
    for size in (3, 3, 12):  # the first warms the caches
        unit = factories.UnitFactory(region=region, code=f"A{grown.made:03d}")
        RoleAssignment.objects.create(user=office, role="office", unit=unit)
        grown.people(unit, size, status=status)
        client.force_login(office if who == "office" else cast[who])
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url_of(year, unit), {"unit": [unit.pk], "act": "confirm"})
        assert response.status_code == 302, response.content.decode()[:2000]
        assert set(AnnualResult.objects.filter(unit=unit).values_list("status", flat=True)) != {status}
        counts.append(len(queries))
    few, many = counts[1:]
    assert many == few, f"{name}: {few} queries, then {many} for a larger unit"
    assert few <= ACT_BOUNDS[name], f"{name}: {few} queries, more than its bound {ACT_BOUNDS[name]}"
