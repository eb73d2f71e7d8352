import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from tests import factories
from tests.helpers import error_codes
from units import services
from units.models import Person, Placement, RoleAssignment, Section


def person_fields(serial: int, **overrides):
    birth = overrides.pop("birth_date", datetime.date(1985, 3, 4))
    sex = overrides.pop("sex", "F")
    fields = {
        "name": "王芳",
        "sex": sex,
        "birth_date": birth,
        "id_number": factories.make_id_number(birth, sex, serial),
        "post": "科员",
        "rank": "一级科员",
    }
    fields.update(overrides)
    return fields


def test_person_create_records_the_home_placement(section):
    person = services.person_create(
        unit=section.unit, section=section, start_date=datetime.date(2026, 1, 1), **person_fields(1)
    )
    placement = person.placements.get()
    assert placement.kind == Placement.Kind.HOME
    assert (placement.unit, placement.section) == (section.unit, section)


def test_a_duplicate_id_number_is_refused_and_nothing_is_saved(section):
    fields = person_fields(2)
    services.person_create(unit=section.unit, section=section, start_date=datetime.date(2026, 1, 1), **fields)
    with pytest.raises(ValidationError) as caught:
        services.person_create(
            unit=section.unit, section=section, start_date=datetime.date(2026, 1, 1), **{**fields, "name": "李娜"}
        )
    assert "id_number" in caught.value.message_dict
    assert Person.objects.count() == 1
    assert Placement.objects.count() == 1


def test_an_id_number_that_disagrees_with_birth_date_or_sex_is_refused(section):
    fields = person_fields(3)
    fields["birth_date"] = datetime.date(1985, 3, 5)
    fields["sex"] = "M"
    with pytest.raises(ValidationError) as caught:
        services.person_create(unit=section.unit, section=section, start_date=datetime.date(2026, 1, 1), **fields)
    assert set(caught.value.message_dict) >= {"birth_date", "sex"}
    assert not Person.objects.exists()


def test_a_person_cannot_sit_in_a_section_of_another_unit(section, other_unit):
    with pytest.raises(ValidationError) as caught:
        services.person_create(
            unit=other_unit, section=section, start_date=datetime.date(2026, 1, 1), **person_fields(4)
        )
    assert "section" in caught.value.message_dict
    assert not Person.objects.exists()


def test_a_section_cannot_be_placed_under_a_section_of_another_unit(section, region):
    foreign_region = factories.RegionFactory(code="999999", name="外区")
    foreign_unit = factories.UnitFactory(region=foreign_region)
    with pytest.raises(ValidationError) as caught:
        services.section_create(unit=foreign_unit, name="下设股", parent=section)
    assert "parent" in caught.value.message_dict
    assert not Section.objects.filter(name="下设股").exists()


def test_a_section_cannot_be_moved_under_its_own_sub_section(unit):
    top = services.section_create(unit=unit, name="大队")
    child = services.section_create(unit=unit, name="中队", parent=top)
    top.parent = child
    with pytest.raises(ValidationError):
        top.full_clean()


def test_a_role_granted_on_nothing_is_refused(db):
    user = factories.UserFactory()
    with pytest.raises(ValidationError) as caught:
        services.role_grant(user=user, role="office")
    assert "no_node" in error_codes(caught.value)
    assert "区县、单位或股室" in caught.value.messages[0]
    assert not RoleAssignment.objects.exists()


def test_a_role_on_the_wrong_kind_of_node_is_refused(unit, section, region):
    user = factories.UserFactory()
    with pytest.raises(ValidationError):
        services.role_grant(user=user, role="section_head", unit=unit)
    with pytest.raises(ValidationError):
        services.role_grant(user=user, role="org", unit=unit)
    with pytest.raises(ValidationError):
        services.role_grant(user=user, role="office", unit=unit, section=section)
    assert not RoleAssignment.objects.exists()


def test_the_database_itself_refuses_a_role_on_two_nodes(unit, region):
    user = factories.UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role="office", unit=unit, region=region)


def test_an_unknown_role_is_refused(unit):
    with pytest.raises(ValidationError) as caught:
        services.role_grant(user=factories.UserFactory(), role="king", unit=unit)
    assert error_codes(caught.value) == {"unknown_role"}


def test_the_same_role_on_the_same_node_is_granted_once(unit):
    user = factories.UserFactory()
    services.role_grant(user=user, role="office", unit=unit)
    with pytest.raises(ValidationError):
        services.role_grant(user=user, role="office", unit=unit)


def test_an_officer_records_a_secondment_and_overlaps_are_refused(officer, person, other_unit):
    target = factories.SectionFactory(unit=other_unit)
    services.placement_create(
        person=person,
        kind="seconded",
        unit=other_unit,
        section=target,
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2026, 9, 30),
        by=officer,
    )
    with pytest.raises(ValidationError) as caught:
        services.placement_create(
            person=person,
            kind="borrowed",
            unit=other_unit,
            section=target,
            start_date=datetime.date(2026, 9, 1),
            by=officer,
        )
    assert error_codes(caught.value) == {"overlap"}
    assert "时间重叠" in caught.value.messages[0]
    assert person.placements.exclude(kind="home").count() == 1


def test_a_placement_whose_section_is_in_another_unit_is_refused(officer, person, other_unit, section):
    with pytest.raises(ValidationError) as caught:
        services.placement_create(
            person=person,
            kind="seconded",
            unit=other_unit,
            section=section,
            start_date=datetime.date(2026, 4, 1),
            by=officer,
        )
    assert "section" in caught.value.message_dict


def test_an_outsider_cannot_record_a_placement(outsider, person, other_unit):
    with pytest.raises(PermissionError):
        services.placement_create(
            person=person,
            kind="seconded",
            unit=other_unit,
            section=None,
            start_date=datetime.date(2026, 4, 1),
            by=outsider,
        )
    assert person.placements.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_racing_to_place_one_person_cannot_both_succeed(region):
    """Both check for overlaps before either has written; the row lock on the person serialises them."""
    unit = factories.UnitFactory(region=region)
    other = factories.UnitFactory(region=region)
    person = factories.PersonFactory(unit=unit)
    officers = [factories.user_with_role("office", unit=unit) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def place(officer):
        try:
            barrier.wait()
            services.placement_create(
                person=person,
                kind="seconded",
                unit=other,
                section=None,
                start_date=datetime.date(2026, 4, 1),
                by=officer,
            )
            outcomes.append("saved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=place, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "saved"]
    assert Placement.objects.filter(person=person, kind="seconded").count() == 1
