import datetime
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests import factories
from units.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_REGION_CODE
from units.models import Person, Placement, RoleAssignment, Section, Unit
from units.permissions import Action, scope_for
from units.selectors import people_visible_to, units_visible_to


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _snapshot():
    return {
        model.__name__: sorted(model.objects.values_list(*fields))
        for model, fields in (
            (Unit, ("code", "name", "category_id", "order")),
            (Section, ("unit_id", "name", "parent_id", "order")),
            (Person, ("id_number", "name", "unit_id", "section_id", "post", "user_id")),
            (Placement, ("person_id", "kind", "unit_id", "section_id", "start_date", "end_date")),
            (RoleAssignment, ("user_id", "role", "region_id", "unit_id", "section_id")),
        )
    }


def test_the_demo_county_has_the_size_of_a_district(demo):
    assert Unit.objects.count() == 40
    assert 140 <= Section.objects.count() <= 160
    assert Person.objects.count() == 1300
    assert set(Unit.objects.values_list("category__code", flat=True)) == {"comprehensive", "law", "mass", "window"}
    assert Section.objects.filter(parent__isnull=False).exists(), "some sections nest"
    kinds = Counter(Placement.objects.values_list("kind", flat=True))
    assert kinds["home"] == 1300
    for kind in ("seconded", "borrowed", "stationed", "training"):
        assert kinds[kind] >= 24, kind


def test_every_demo_person_passes_the_same_validation_as_a_typed_entry(demo):
    people = list(Person.objects.select_related("unit", "section"))
    for person in people:
        person.full_clean()
    assert len({p.sex for p in people}) == 2
    assert Counter(p.staffing_type for p in people)["borrowed_career"] > 0
    ages = [2026 - p.birth_date.year for p in people]
    assert min(ages) >= 22
    assert max(ages) <= 60


def test_every_demo_placement_passes_validation(demo):
    for placement in Placement.objects.select_related("person", "unit", "section").exclude(kind="home"):
        placement.full_clean()


def test_a_second_run_changes_nothing(demo):
    before = _snapshot()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _snapshot() == before


def test_it_refuses_a_database_with_people_it_did_not_create(db):
    real = factories.PersonFactory()
    with pytest.raises(CommandError, match="outside the demo region"):
        call_command("seed_demo")
    assert list(Person.objects.all()) == [real]
    assert not Unit.objects.filter(region__code=DEMO_REGION_CODE).exists()


@pytest.mark.parametrize("username", sorted(DEMO_ACCOUNTS))
def test_every_demo_account_logs_in_with_the_demo_password(demo, username):
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    assert client.get("/").status_code == 200


def test_the_demo_accounts_hold_the_roles_the_readme_promises(demo):
    from accounts.models import User

    users = {u.username: u for u in User.objects.all()}
    org, office, office2 = users["org"], users["office"], users["office2"]
    assert units_visible_to(user=org).count() == 40
    office_unit = units_visible_to(user=office).get()
    assert office_unit.name == "区公安分局"
    other_unit = units_visible_to(user=office2).get()
    assert other_unit != office_unit
    assert not people_visible_to(user=office2).filter(unit=office_unit).exists()
    assert scope_for(users["committee"], Action.DECIDE).covers_unit(office_unit)
    assert scope_for(users["leader"], Action.REVIEW).covers_unit(office_unit)
    head_scope = scope_for(users["section"], Action.PROPOSE)
    assert len(head_scope.section_ids) == 3, "the brigade and its two squads"
    staff = users["staff"]
    assert list(people_visible_to(user=staff)) == [staff.person]
    assert staff.person.section_id in head_scope.section_ids


def test_the_demo_year_follows_the_calendar(db):
    from units.demo import build_county

    county = build_county(datetime.date(2031, 3, 1))
    assert {p.start_date.year for p in county.placements if p.kind != "home"} == {2031}
