import datetime

from tests import factories
from units.models import Placement
from units.permissions import Action, can_on_person, can_on_unit, grant_view, revoke_view, scope_for
from units.selectors import assessing_placement, people_visible_to, sections_visible_to, units_visible_to


def test_a_region_role_covers_every_unit_and_section_below_it(org_user, unit, other_unit, section):
    assert set(units_visible_to(user=org_user)) == {unit, other_unit}
    assert section in sections_visible_to(user=org_user)
    assert can_on_unit(org_user, Action.CONFIRM, unit)


def test_a_region_role_does_not_reach_another_region(org_user):
    foreign = factories.UnitFactory(region=factories.RegionFactory(code="888888", name="外区"))
    assert foreign not in units_visible_to(user=org_user)


def test_a_unit_role_covers_its_sections_and_no_other_unit(officer, unit, other_unit, section, other_section):
    assert list(units_visible_to(user=officer)) == [unit]
    assert set(sections_visible_to(user=officer)) == {section, other_section}


def test_a_section_role_covers_nested_sections_but_not_siblings(unit):
    brigade = factories.SectionFactory(unit=unit, name="大队")
    squad = factories.SectionFactory(unit=unit, name="一中队", parent=brigade)
    sub_squad = factories.SectionFactory(unit=unit, name="一组", parent=squad)
    sibling = factories.SectionFactory(unit=unit, name="二中队")
    head = factories.user_with_role("section_head", section=brigade)
    visible = set(sections_visible_to(user=head))
    assert visible == {brigade, squad, sub_squad}
    assert sibling not in visible
    # A section role reaches into the unit page but not the whole unit.
    assert list(units_visible_to(user=head)) == [unit]
    assert not scope_for(head, Action.VIEW).covers_unit(unit)


def test_actions_follow_the_role(officer, leader, section_head, unit, person):
    assert can_on_person(officer, Action.ENTER_SCORES, person)
    assert not can_on_person(leader, Action.ENTER_SCORES, person)
    assert can_on_person(leader, Action.REVIEW, person)
    assert can_on_person(section_head, Action.PROPOSE, person)
    assert not can_on_person(section_head, Action.DECIDE, person)


def test_a_section_head_does_not_see_people_of_another_section(section_head, other_section):
    stranger = factories.PersonFactory(unit=other_section.unit, section=other_section)
    assert not can_on_person(section_head, Action.VIEW, stranger)
    assert stranger not in people_visible_to(user=section_head)


def test_the_outsider_sees_nothing_of_the_unit(outsider, unit, person):
    assert unit not in units_visible_to(user=outsider)
    assert person not in people_visible_to(user=outsider)
    assert not can_on_person(outsider, Action.VIEW, person)


def test_a_member_of_staff_sees_only_their_own_record(member, person):
    own = member.person
    assert list(people_visible_to(user=member)) == [own]
    assert can_on_person(member, Action.VIEW, own)
    assert not can_on_person(member, Action.VIEW, person)
    assert not can_on_person(member, Action.ENTER_SCORES, own)
    assert not units_visible_to(user=member).exists()


def test_a_receiving_unit_sees_a_person_seconded_to_it(outsider, other_unit, person):
    Placement.objects.create(person=person, kind="seconded", unit=other_unit, start_date=datetime.date(2026, 1, 1))
    assert person in people_visible_to(user=outsider)
    assert can_on_person(outsider, Action.ENTER_SCORES, person)


def test_an_explicit_guardian_grant_adds_one_unit_to_what_a_user_sees(unit, other_unit, person):
    inspector = factories.UserFactory(username="inspector")
    assert not units_visible_to(user=inspector).exists()
    grant_view(user=inspector, obj=unit)
    assert list(units_visible_to(user=inspector)) == [unit]
    assert person in people_visible_to(user=inspector)
    # A view grant is not a grant to act.
    assert not can_on_person(inspector, Action.ENTER_SCORES, person)
    revoke_view(user=inspector, obj=unit)
    assert not units_visible_to(user=inspector).exists()


def test_an_explicit_grant_on_a_section_shows_that_section_only(unit, section, other_section, person):
    inspector = factories.UserFactory(username="inspector2")
    grant_view(user=inspector, obj=other_section)
    assert list(sections_visible_to(user=inspector)) == [other_section]
    assert person not in people_visible_to(user=inspector)


def test_an_inactive_user_has_no_scope(officer, unit):
    officer.is_active = False
    assert scope_for(officer, Action.VIEW).is_empty


def test_the_superuser_sees_everything(unit, other_unit):
    admin = factories.UserFactory(username="root", is_superuser=True)
    assert set(units_visible_to(user=admin)) == {unit, other_unit}


def test_an_away_placement_outranks_the_home_one_while_it_lasts(person, other_unit):
    away = Placement.objects.create(
        person=person,
        kind="seconded",
        unit=other_unit,
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2026, 6, 30),
    )
    placements = list(person.placements.all())
    assert assessing_placement(placements, datetime.date(2026, 5, 1)) == away
    assert assessing_placement(placements, datetime.date(2026, 7, 1)).kind == "home"
    assert assessing_placement(placements, datetime.date(2019, 1, 1)) is None


def test_the_placement_deciding_most_days_of_a_span_assesses(person, other_unit):
    from units.selectors import placement_for_span

    q_start, q_end = datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)
    home = person.placements.get()
    short = Placement.objects.create(
        person=person,
        kind="borrowed",
        unit=other_unit,
        start_date=datetime.date(2026, 1, 10),
        end_date=datetime.date(2026, 2, 10),
    )
    assert placement_for_span(list(person.placements.all()), q_start, q_end) == home
    short.end_date = datetime.date(2026, 3, 31)
    short.save()
    assert placement_for_span(list(person.placements.all()), q_start, q_end) == short
    # 45 days each way (Jan 1–Feb 14 home, Feb 15–Mar 31 away, in 2026 Feb has 28 days): the later wins
    short.start_date = datetime.date(2026, 2, 15)
    short.save()
    assert placement_for_span(list(person.placements.all()), q_start, q_end) == short
    assert placement_for_span([], q_start, q_end) is None


def test_a_placement_that_has_not_begun_gives_no_sight(outsider, other_unit, person):
    Placement.objects.create(person=person, kind="seconded", unit=other_unit, start_date=datetime.date(2099, 1, 1))
    assert person not in people_visible_to(user=outsider)
    assert not can_on_person(outsider, Action.VIEW, person)


def test_a_placement_that_ended_long_ago_gives_no_rights(outsider, other_unit, person):
    Placement.objects.create(
        person=person,
        kind="seconded",
        unit=other_unit,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2020, 3, 31),
    )
    assert person not in people_visible_to(user=outsider)
    assert not can_on_person(outsider, Action.ENTER_SCORES, person)


def test_a_receiving_unit_finishes_the_quarter_after_a_placement_ends(outsider, other_unit, person, settings):
    from django.utils import timezone

    ended = timezone.localdate() - datetime.timedelta(days=20)
    Placement.objects.create(
        person=person,
        kind="seconded",
        unit=other_unit,
        start_date=ended.replace(day=1) - datetime.timedelta(days=60),
        end_date=ended,
    )
    assert can_on_person(outsider, Action.ENTER_SCORES, person)
    settings.PLACEMENT_GRACE_DAYS = 10
    assert not can_on_person(outsider, Action.ENTER_SCORES, person)


def test_a_receiving_unit_assesses_but_does_not_manage_the_person(outsider, other_unit, person):
    Placement.objects.create(person=person, kind="seconded", unit=other_unit, start_date=datetime.date(2026, 1, 1))
    assert can_on_person(outsider, Action.ENTER_SCORES, person)
    assert not can_on_person(outsider, Action.MANAGE_PEOPLE, person)
    assert person not in people_visible_to(user=outsider, action=Action.MANAGE_PEOPLE)


def test_a_grant_shows_up_at_once_on_the_request_user(unit, person, rf):
    from django.utils.functional import SimpleLazyObject

    inspector = factories.UserFactory(username="lazy")
    lazy = SimpleLazyObject(lambda: inspector)
    assert not units_visible_to(user=lazy).exists()
    grant_view(user=lazy, obj=unit)
    assert list(units_visible_to(user=lazy)) == [unit]
    assert person in people_visible_to(user=lazy)


def test_a_section_grant_shows_the_people_of_that_section(unit, section, person):
    inspector = factories.UserFactory(username="inspector3")
    grant_view(user=inspector, obj=section)
    assert list(people_visible_to(user=inspector)) == [person]
