"""A person's profile (画像): only for those whose roles cover the person, never the full ID number."""

from django.urls import reverse


def test_the_outsider_is_refused_a_person_of_the_unit(login, outsider, person):
    assert login(outsider).get(reverse("person_detail", args=[person.pk])).status_code == 404


def test_the_person_page_never_shows_the_full_id_number(login, officer, person):
    html = login(officer).get(reverse("person_detail", args=[person.pk])).content.decode()
    assert person.masked_id_number in html
    assert person.id_number not in html
