"""seed_demo only fills an empty database or its own demo county."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from units.demo import DEMO_REGION_CODE, DemoRefused, build_county, load_demo
from units.models import Person, Unit


def test_it_refuses_a_database_with_people_it_did_not_create(db):
    real = factories.PersonFactory()
    with pytest.raises(CommandError, match="outside the demo region"):
        call_command("seed_demo")
    assert list(Person.objects.all()) == [real]
    assert not Unit.objects.filter(region__code=DEMO_REGION_CODE).exists()


def test_it_refuses_a_hand_added_person_in_its_own_region(db):
    load_demo(2026)
    unit = Unit.objects.filter(region__code=DEMO_REGION_CODE).first()
    factories.PersonFactory(unit=unit, name="手工添加")
    with pytest.raises(DemoRefused, match="did not create"):
        load_demo(2026)


def test_it_does_not_take_over_an_existing_account(db):
    factories.UserFactory(username="office")
    with pytest.raises(DemoRefused, match="office"):
        load_demo(2026)
    assert not Person.objects.exists()


def test_it_refuses_where_demo_data_is_not_allowed(db, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("seed_demo")
    assert not Person.objects.exists()


def test_the_people_do_not_depend_on_the_year():
    a, b = build_county(2026), build_county(2031)
    assert [p.id_number for p in a.people] == [p.id_number for p in b.people]
    assert {p.start_date.year for p in b.placements if p.kind != "home"} == {2031}
    assert datetime.date(2031, 1, 1) >= min(p.start_date for p in b.placements)
