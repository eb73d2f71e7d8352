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


def test_person_create_records_the_home_placement(section, officer, admin):
    person = services.person_create(
        by=admin, unit=section.unit, section=section, start_date=datetime.date(2026, 1, 1), **person_fields(1)
    )
    placement = person.placements.get()
    assert placement.kind == Placement.Kind.HOME
    assert (placement.unit, placement.section) == (section.unit, section)


def test_a_duplicate_id_number_is_refused_and_nothing_is_saved(section, admin):
    fields = person_fields(2)
    services.person_create(by=admin, unit=section.unit, section=section, start_date=datetime.date(2026, 1, 1), **fields)
    with pytest.raises(ValidationError) as caught:
        services.person_create(
            by=admin,
            unit=section.unit,
            section=section,
            start_date=datetime.date(2026, 1, 1),
            **{**fields, "name": "李娜"},
        )
    assert "id_number" in caught.value.message_dict
    assert Person.objects.count() == 1
    assert Placement.objects.count() == 1


def test_an_id_number_that_disagrees_with_birth_date_or_sex_is_refused(section, admin):
    fields = person_fields(3)
    fields["birth_date"] = datetime.date(1985, 3, 5)
    fields["sex"] = "M"
    with pytest.raises(ValidationError) as caught:
        services.person_create(
            by=admin, unit=section.unit, section=section, start_date=datetime.date(2026, 1, 1), **fields
        )
    assert set(caught.value.message_dict) >= {"birth_date", "sex"}
    assert not Person.objects.exists()


def test_a_person_cannot_sit_in_a_section_of_another_unit(section, other_unit, admin):
    with pytest.raises(ValidationError) as caught:
        services.person_create(
            by=admin, unit=other_unit, section=section, start_date=datetime.date(2026, 1, 1), **person_fields(4)
        )
    assert "section" in caught.value.message_dict
    assert not Person.objects.exists()


def test_a_section_cannot_be_placed_under_a_section_of_another_unit(section, region, admin):
    foreign_region = factories.RegionFactory(code="999999", name="外区")
    foreign_unit = factories.UnitFactory(region=foreign_region)
    with pytest.raises(ValidationError) as caught:
        services.section_create(by=admin, unit=foreign_unit, name="下设股", parent=section)
    assert "parent" in caught.value.message_dict
    assert not Section.objects.filter(name="下设股").exists()


def test_a_section_cannot_be_moved_under_its_own_sub_section(unit, admin):
    top = services.section_create(by=admin, unit=unit, name="大队")
    child = services.section_create(by=admin, unit=unit, name="中队", parent=top)
    top.parent = child
    with pytest.raises(ValidationError):
        top.full_clean()


def test_a_role_granted_on_nothing_is_refused(db, admin):
    user = factories.UserFactory()
    with pytest.raises(ValidationError) as caught:
        services.role_grant(by=admin, user=user, role="office")
    assert "no_node" in error_codes(caught.value)
    assert "区县、单位或股室" in caught.value.messages[0]
    assert not RoleAssignment.objects.exists()


def test_a_role_on_the_wrong_kind_of_node_is_refused(unit, section, region, admin):
    user = factories.UserFactory()
    with pytest.raises(ValidationError):
        services.role_grant(by=admin, user=user, role="section_head", unit=unit)
    with pytest.raises(ValidationError):
        services.role_grant(by=admin, user=user, role="org", unit=unit)
    with pytest.raises(ValidationError):
        services.role_grant(by=admin, user=user, role="office", unit=unit, section=section)
    assert not RoleAssignment.objects.exists()


def test_the_database_itself_refuses_a_role_on_two_nodes(unit, region):
    user = factories.UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role="office", unit=unit, region=region)


def test_an_unknown_role_is_refused(unit, admin):
    with pytest.raises(ValidationError) as caught:
        services.role_grant(by=admin, user=factories.UserFactory(), role="king", unit=unit)
    assert error_codes(caught.value) == {"unknown_role"}


def test_the_same_role_on_the_same_node_is_granted_once(unit, admin):
    user = factories.UserFactory()
    services.role_grant(by=admin, user=user, role="office", unit=unit)
    with pytest.raises(ValidationError):
        services.role_grant(by=admin, user=user, role="office", unit=unit)


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


# Who may write --------------------------------------------------------------------------------------------


def test_services_refuse_callers_outside_their_scope(outsider, officer, unit, section, region):
    with pytest.raises(PermissionError):
        services.section_create(by=outsider, unit=unit, name="外来股")
    with pytest.raises(PermissionError):
        services.person_create(
            by=outsider, unit=unit, section=section, start_date=datetime.date(2026, 1, 1), **person_fields(10)
        )
    with pytest.raises(PermissionError):
        services.unit_create(by=officer, region=region, category=unit.category, code="NEW", name="新局")
    with pytest.raises(PermissionError):
        services.region_create(by=officer, code="123456", name="新区")
    assert not Section.objects.filter(name="外来股").exists()
    assert not Person.objects.exists()


def test_the_office_creates_sections_and_people_of_its_own_unit(officer, unit):
    squad = services.section_create(by=officer, unit=unit, name="新股")
    person = services.person_create(
        by=officer, unit=unit, section=squad, start_date=datetime.date(2026, 1, 1), **person_fields(11)
    )
    assert person.placements.get().section == squad


def test_nobody_grants_a_role_above_their_own(officer, org_user, unit, section, region):
    user = factories.UserFactory()
    with pytest.raises(PermissionError):
        services.role_grant(by=officer, user=officer, role="org", region=region)
    with pytest.raises(PermissionError):
        services.role_grant(by=officer, user=user, role="committee", unit=unit)
    with pytest.raises(PermissionError):
        services.role_grant(by=org_user, user=user, role="org", region=region)
    services.role_grant(by=officer, user=user, role="section_head", section=section)
    services.role_grant(by=org_user, user=user, role="committee", unit=unit)
    assert set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == {"section_head", "committee"}


def test_the_outsider_cannot_revoke_a_role_of_the_unit(outsider, officer, admin):
    assignment = officer.role_assignments.get()
    with pytest.raises(PermissionError):
        services.role_revoke(assignment=assignment, by=outsider)
    services.role_revoke(assignment=assignment, by=admin)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_a_receiving_unit_cannot_place_a_person_lent_to_it(officer, outsider, person, other_unit, admin):
    services.placement_create(
        person=person,
        kind="seconded",
        unit=other_unit,
        section=None,
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2026, 12, 31),
        by=officer,
    )
    third = factories.UnitFactory(region=other_unit.region)
    with pytest.raises(PermissionError):
        services.placement_create(
            person=person, kind="borrowed", unit=third, section=None, start_date=datetime.date(2027, 1, 1), by=outsider
        )
    assert person.placements.count() == 2


def test_moving_a_person_ends_the_old_home_and_the_old_units_rights(
    officer, person, unit, other_unit, region, org_user
):
    target = factories.SectionFactory(unit=other_unit)
    with pytest.raises(PermissionError):
        services.person_move(person=person, unit=other_unit, section=target, on=datetime.date(2026, 7, 1), by=officer)
    moved = services.person_move(
        person=person, unit=other_unit, section=target, on=datetime.date(2026, 7, 1), by=org_user
    )
    homes = list(moved.placements.filter(kind="home").order_by("start_date").values_list("unit_id", "end_date"))
    assert homes == [(unit.pk, datetime.date(2026, 6, 30)), (other_unit.pk, None)]
    from units.permissions import Action, can_on_person, forget

    forget(officer)
    assert not can_on_person(officer, Action.MANAGE_PEOPLE, moved)


def test_a_section_stays_in_its_unit(unit, other_unit, admin):
    brigade = services.section_create(by=admin, unit=unit, name="大队")
    services.section_create(by=admin, unit=unit, name="中队", parent=brigade)
    brigade.unit = other_unit
    with pytest.raises(ValidationError) as caught:
        brigade.full_clean()
    assert "unit" in caught.value.message_dict
