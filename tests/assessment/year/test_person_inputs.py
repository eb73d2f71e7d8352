"""The office enters and corrects one person's annual inputs and records their sanctions in the browser,
through the same services as the workbook import; outsiders, staff and forged ids get a (logged) 404, bad
values are refused beside the form in Chinese and save nothing."""

import logging
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from assessment.models import AnnualInput, AnnualResult, Sanction, SanctionType
from assessment.quarter import services
from audit.models import AuditEntry


@pytest.fixture
def year(region, cast):
    return services.year_create(region=region, year=2025, by=cast["org"])


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def page(year, person_pk):
    return reverse("annual:person_inputs", args=[year.pk, person_pk])


def inputs(**values):
    data = {
        "act": "inputs",
        "special_score": "90",
        "review_score": "88.5",
        "leave_days": "3",
        "probation": "on",
        "note": "借调半年",
    }
    return {**data, **values}


def sanction(**values):
    data = {
        "act": "sanction",
        "kind": SanctionType.objects.get(name="警告").pk,
        "starts_on": "2025-03-01",
        "ends_on": "2025-08-31",
        "reason": "区纪委〔2025〕3号",
    }
    return {**data, **values}


def saved_nothing() -> bool:
    return (
        not AnnualInput.objects.exists()
        and not Sanction.objects.exists()
        and not AuditEntry.objects.filter(action__in=("annual_input_set", "sanction_record")).exists()
    )


def test_the_office_enters_then_corrects_a_persons_inputs_each_change_audited(cast, staff, year, as_user):
    client = as_user(cast["office"])
    assert client.get(page(year, staff[1].pk)).status_code == 200

    response = client.post(page(year, staff[1].pk), inputs())
    assert response.status_code == 302
    stored = AnnualInput.objects.get(person=staff[1], assessment_year=year)
    assert (stored.special_score, stored.review_score, stored.leave_days) == (D("90"), D("88.5"), 3)
    assert (stored.probation, stored.under_investigation, stored.note) == (True, False, "借调半年")
    assert stored.updated_by == cast["office"]

    client.post(page(year, staff[1].pk), inputs(special_score="85.5", probation=""))
    stored.refresh_from_db()
    assert (stored.special_score, stored.probation) == (D("85.5"), False)
    assert AnnualInput.objects.count() == 1
    last = AuditEntry.objects.filter(action="annual_input_set").order_by("pk").last()
    assert last.actor == cast["office"]
    assert last.comment == staff[1].name
    assert set(last.changes) == {"special_score", "probation"}
    assert last.changes["probation"] == [True, False]

    shown = client.get(page(year, staff[1].pk)).content.decode()
    assert 'value="85.50"' in shown
    assert "借调半年" in shown


def test_the_office_records_a_sanction_and_sees_it_listed(cast, staff, year, as_user):
    client = as_user(cast["office"])
    body = client.get(page(year, staff[2].pk)).content.decode()
    assert "data-confirm=" in body
    assert 'name="act" value="sanction"' in body

    assert client.post(page(year, staff[2].pk), sanction()).status_code == 302
    recorded = Sanction.objects.get(person=staff[2])
    assert (recorded.kind.name, str(recorded.starts_on), str(recorded.ends_on)) == ("警告", "2025-03-01", "2025-08-31")
    assert recorded.recorded_by == cast["office"]
    assert AuditEntry.objects.filter(action="sanction_record", assessment_year=year).count() == 1
    assert "区纪委〔2025〕3号" in client.get(page(year, staff[2].pk)).content.decode()


@pytest.mark.parametrize("who", ["outsider", "leader"])
def test_an_outsider_or_a_role_that_does_not_run_the_unit_gets_a_logged_404(cast, staff, year, as_user, caplog, who):
    client = as_user(cast[who])
    with caplog.at_level(logging.WARNING, logger="kaohe.security"):
        assert client.get(page(year, staff[1].pk)).status_code == 404
        assert client.post(page(year, staff[1].pk), inputs()).status_code == 404
        assert client.post(page(year, staff[1].pk), sanction()).status_code == 404
    assert "annual_person_inputs" in caplog.text
    assert saved_nothing()


def test_a_staff_member_gets_404_even_for_their_own_record(staff, year, as_user):
    client = as_user(staff[0].user)
    assert client.get(page(year, staff[0].pk)).status_code == 404
    assert client.post(page(year, staff[0].pk), inputs()).status_code == 404
    assert saved_nothing()


@pytest.mark.parametrize("forged", ["²", "abc", "-1", "99999999999999999999", "999999"])
def test_a_forged_person_id_is_404_not_500(cast, staff, year, as_user, forged):
    client = as_user(cast["office"])
    assert client.get(page(year, forged)).status_code == 404
    assert client.post(page(year, forged), inputs()).status_code == 404
    assert saved_nothing()


def test_another_regions_year_is_404(cast, staff, as_user):
    client = as_user(cast["office"])
    assert client.get(reverse("annual:person_inputs", args=[999999, staff[1].pk])).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((inputs, {"special_score": "120"}), lambda: _("A score lies between 0 and 100.")),
        ((inputs, {"review_score": "-5"}), lambda: _("A score lies between 0 and 100.")),
        ((inputs, {"leave_days": "-1"}), lambda: _("Days of leave lie between 0 and %(days)s.") % {"days": 365}),
        ((inputs, {"leave_days": "366"}), lambda: _("Days of leave lie between 0 and %(days)s.") % {"days": 365}),
        ((sanction, {"ends_on": "2025-02-01"}), lambda: _("The sanction ends before it starts.")),
        ((sanction, {"reason": "   "}), lambda: _("Record the decision and the reason.")),
    ],
)
def test_bad_values_are_refused_beside_the_form_in_chinese_and_save_nothing(cast, staff, year, as_user, data, message):
    form, values = data
    response = as_user(cast["office"]).post(page(year, staff[1].pk), form(**values))
    assert response.status_code == 400
    text = message()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)  # shown in Chinese
    assert text in response.content.decode()
    assert saved_nothing()


def test_a_malformed_value_is_refused_by_the_form_and_saves_nothing(cast, staff, year, as_user):
    client = as_user(cast["office"])
    assert client.post(page(year, staff[1].pk), inputs(special_score="九十")).status_code == 400
    assert client.post(page(year, staff[1].pk), sanction(starts_on="昨天")).status_code == 400
    assert client.post(page(year, staff[1].pk), {"act": "other"}).status_code == 400
    assert saved_nothing()


def test_a_final_result_refuses_the_inputs(cast, staff, unit, year, as_user):
    AnnualResult.objects.create(
        person=staff[1], assessment_year=year, unit=unit, status=AnnualResult.Status.FINAL, final_grade="称职"
    )
    client = as_user(cast["office"])
    assert "alert-warning" in client.get(page(year, staff[1].pk)).content.decode()
    response = client.post(page(year, staff[1].pk), inputs())
    assert response.status_code == 400
    message = _("The annual result of %(name)s is final; ask for a review instead.") % {"name": staff[1].name}
    assert message in response.content.decode()
    assert saved_nothing()


def test_the_units_annual_page_links_each_person_for_those_who_run_the_unit(cast, staff, unit, year, as_user):
    AnnualResult.objects.create(person=staff[1], assessment_year=year, unit=unit)
    link = page(year, staff[1].pk)
    unit_page = reverse("annual:unit_results", args=[year.pk, unit.code])
    assert link in as_user(cast["office"]).get(unit_page).content.decode()
    assert link not in as_user(cast["committee"]).get(unit_page).content.decode()


def test_the_page_and_its_acts_take_a_bounded_number_of_queries(
    cast, staff, year, as_user, django_assert_max_num_queries
):
    client = as_user(cast["office"])
    client.post(page(year, staff[1].pk), sanction())
    with django_assert_max_num_queries(15):
        assert client.get(page(year, staff[1].pk)).status_code == 200
    with django_assert_max_num_queries(21):
        assert client.post(page(year, staff[1].pk), inputs()).status_code == 302
    with django_assert_max_num_queries(21):
        assert (
            client.post(page(year, staff[1].pk), sanction(starts_on="2025-09-01", ends_on="2025-12-31")).status_code
            == 302
        )


# A sanction recorded in error is withdrawn ----------------------------------------------------------------


def withdraw(sanction_pk, reason="录入错误，应为他人"):
    return {"act": "withdraw", "sanction": sanction_pk, "reason": reason}


def test_the_office_withdraws_a_sanction_recorded_in_error_with_the_reason(cast, staff, year, as_user):
    client = as_user(cast["office"])
    client.post(page(year, staff[2].pk), sanction())
    wrong = Sanction.objects.get(person=staff[2])
    body = client.get(page(year, staff[2].pk)).content.decode()
    assert 'name="act" value="withdraw"' in body
    assert "撤销（误录）" in body
    # No reason: refused beside the row, in Chinese; the sanction stays.
    response = client.post(page(year, staff[2].pk), withdraw(wrong.pk, reason=" "))
    assert response.status_code == 400
    assert _("Say why the sanction is withdrawn.") in response.content.decode()
    assert Sanction.objects.filter(pk=wrong.pk).exists()
    response = client.post(page(year, staff[2].pk), withdraw(wrong.pk))
    assert response.status_code == 302
    assert not Sanction.objects.filter(pk=wrong.pk).exists()
    entry = AuditEntry.objects.get(action="sanction_withdraw")
    assert entry.actor == cast["office"]
    assert "录入错误，应为他人" in entry.comment
    assert "区纪委〔2025〕3号" in entry.comment
    shown = client.get(page(year, staff[2].pk)).content.decode()
    assert "已撤销" in shown
    assert "区纪委〔2025〕3号" not in shown


def test_a_sanction_behind_a_final_result_is_not_withdrawn(cast, staff, unit, year, as_user):
    client = as_user(cast["office"])
    client.post(page(year, staff[1].pk), sanction())
    recorded = Sanction.objects.get(person=staff[1])
    AnnualResult.objects.create(
        person=staff[1], assessment_year=year, unit=unit, status=AnnualResult.Status.FINAL, final_grade="称职"
    )
    body = client.get(page(year, staff[1].pk)).content.decode()
    assert 'name="act" value="withdraw"' not in body
    assert "2025年度考核结果已确定" in body
    response = client.post(page(year, staff[1].pk), withdraw(recorded.pk))
    assert response.status_code == 400
    assert "已确定" in response.content.decode()
    assert Sanction.objects.filter(pk=recorded.pk).exists()
    assert not AuditEntry.objects.filter(action="sanction_withdraw").exists()


@pytest.mark.parametrize("who", ["outsider", "leader", "committee", "member"])
def test_nobody_but_the_office_withdraws_a_sanction(cast, staff, year, as_user, caplog, who):
    as_user(cast["office"]).post(page(year, staff[1].pk), sanction())
    recorded = Sanction.objects.get(person=staff[1])
    client = as_user(staff[0].user if who == "member" else cast[who])
    with caplog.at_level(logging.WARNING, logger="kaohe.security"):
        assert client.post(page(year, staff[1].pk), withdraw(recorded.pk)).status_code == 404
    assert "refused" in caplog.text
    assert Sanction.objects.filter(pk=recorded.pk).exists()


@pytest.mark.parametrize("forged", ["²", "abc", "", "99999999999999999999", "other"])
def test_a_forged_or_another_persons_sanction_is_404_not_500(cast, staff, year, as_user, caplog, forged):
    client = as_user(cast["office"])
    client.post(page(year, staff[1].pk), sanction())
    client.post(page(year, staff[2].pk), sanction())
    others = Sanction.objects.get(person=staff[2])
    value = others.pk if forged == "other" else forged
    with caplog.at_level(logging.WARNING, logger="kaohe.security"):
        assert client.post(page(year, staff[1].pk), withdraw(value)).status_code == 404
    assert "sanction_withdraw" in caplog.text
    assert Sanction.objects.count() == 2
