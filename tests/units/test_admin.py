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


def test_the_admin_can_search_a_person_by_full_id_number(admin_client_, person):
    response = admin_client_.get(reverse("admin:units_person_changelist"), {"q": person.id_number})
    assert list(response.context["cl"].result_list) == [person]


def test_role_holders_without_staff_status_are_refused_the_admin(client, officer, outsider):
    for user in (officer, outsider):
        client.login(username=user.username, password=PASSWORD)
        response = client.get(reverse("admin:units_person_changelist"))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
