"""The home page says who you are and what your roles let you do."""

from django.urls import reverse


def test_the_home_page_says_who_you_are_and_what_you_can_do(login, officer, unit):
    officer.full_name = "张考核"
    officer.save()
    html = login(officer).get(reverse("home")).content.decode()
    assert "张考核" in html
    assert "考核办" in html
    assert unit.name in html
    assert "录入和更正分数" in html


def test_a_member_of_staff_is_told_what_a_civil_servant_can_do(login, member):
    html = login(member).get(reverse("home")).content.decode()
    assert "撰写个人小结" in html
