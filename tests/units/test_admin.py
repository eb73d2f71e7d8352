import pytest
from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD


@pytest.fixture
def admin_client_(client, db):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.login(username=admin.username, password=PASSWORD)
    return client


def test_the_admin_lists_people_with_masked_id_numbers(admin_client_, person):
    html = admin_client_.get(reverse("admin:units_person_changelist")).content.decode()
    assert person.masked_id_number in html
    assert person.id_number not in html


def test_the_admin_change_form_never_shows_the_full_id_number(admin_client_, person):
    response = admin_client_.get(reverse("admin:units_person_change", args=[person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert person.id_number not in html
    assert person.masked_id_number in html


def test_the_admin_is_in_chinese(admin_client_, person):
    html = admin_client_.get(reverse("admin:index")).content.decode()
    assert "公务员考核管理系统" in html
    assert "人员" in html


def test_a_system_administrator_finds_a_person_by_full_id_number(admin_client_, person):
    response = admin_client_.get(reverse("admin:units_person_changelist"), {"q": person.id_number})
    assert list(response.context["cl"].result_list) == [person]


def test_role_holders_without_staff_status_are_refused_the_admin(client, officer, outsider):
    for user in (officer, outsider):
        client.login(username=user.username, password=PASSWORD)
        response = client.get(reverse("admin:units_person_changelist"))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_a_staff_account_that_is_not_a_system_administrator_is_refused(client, person):
    from django.contrib.auth.models import Permission

    clerk = factories.UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.login(username="clerk", password=PASSWORD)
    for url in (
        reverse("admin:units_person_changelist") + f"?q={person.id_number}",
        reverse("admin:autocomplete")
        + f"?app_label=units&model_name=placement&field_name=person&term={person.id_number}",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert person.name not in response.content.decode()


def test_placements_added_together_may_not_overlap(person, other_unit):
    from units.admin import PlacementFormSet
    from units.models import Person, Placement

    FormSet = __import__("django.forms", fromlist=["inlineformset_factory"]).inlineformset_factory(
        Person,
        Placement,
        formset=PlacementFormSet,
        fields=["kind", "unit", "section", "start_date", "end_date", "note"],
        extra=2,
    )
    data = {
        "placements-TOTAL_FORMS": "3",
        "placements-INITIAL_FORMS": "1",
        "placements-MIN_NUM_FORMS": "0",
        "placements-MAX_NUM_FORMS": "1000",
    }
    home = person.placements.get()
    data |= {
        "placements-0-id": str(home.pk),
        "placements-0-person": str(person.pk),
        "placements-0-kind": "home",
        "placements-0-unit": str(home.unit_id),
        "placements-0-start_date": str(home.start_date),
    }
    for n, (kind, start, end) in enumerate(
        [("seconded", "2026-04-01", "2026-09-30"), ("borrowed", "2026-05-01", "2026-06-30")], 1
    ):
        data |= {
            f"placements-{n}-kind": kind,
            f"placements-{n}-unit": str(other_unit.pk),
            f"placements-{n}-start_date": start,
            f"placements-{n}-end_date": end,
            f"placements-{n}-person": str(person.pk),
        }
    formset = FormSet(data, instance=person, prefix="placements")
    assert not formset.is_valid()
    assert "2026-04-01" in " ".join(formset.non_form_errors())


def test_a_person_added_in_the_admin_gets_a_home_placement(admin_client_, unit, section):
    import datetime

    from tests.factories import make_id_number

    birth = datetime.date(1990, 1, 2)
    response = admin_client_.post(
        reverse("admin:units_person_add"),
        {
            "id_number": make_id_number(birth, "M", 321),
            "name": "新人",
            "sex": "M",
            "birth_date": "1990-01-02",
            "political_status": "masses",
            "post_order": "1000",
            "staffing_type": "civil_servant",
            "managed_by": "unit",
            "unit": str(unit.pk),
            "section": str(section.pk),
            "is_active": "on",
            "placements-TOTAL_FORMS": "0",
            "placements-INITIAL_FORMS": "0",
            "placements-MIN_NUM_FORMS": "0",
            "placements-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from units.models import Person

    person = Person.objects.get(name="新人")
    assert person.placements.get().kind == "home"


def test_the_holiday_calendar_is_kept_in_the_admin_and_results_are_read_only(admin_client_):
    assert admin_client_.get(reverse("admin:periods_calendarday_add")).status_code == 200
    assert admin_client_.get(reverse("admin:assessment_quarterlyresult_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:assessment_quarterlyresult_add")).status_code == 403
    assert admin_client_.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
