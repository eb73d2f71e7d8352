from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from scoring import services
from scoring.models import Event, EventStandard
from tests import factories


@pytest.fixture
def standards(db):
    return {s.code: s for s in EventStandard.objects.all()}


def test_a_declared_bonus_counts_only_once_the_section_checks_and_the_office_approves(
    sheet, member, section_head, officer, period, standards, unit, section
):
    own_sheet_person = member.person
    services.sheets_open(period=period, unit=unit, by=officer)
    own = own_sheet_person.score_sheets.get()
    event = services.event_declare(
        period=period,
        matter="市级先进个人",
        standard=standards["city_commendation"],
        evidence="市委表彰文件〔2026〕3号",
        by=member,
    )
    own.refresh_from_db()
    assert event.status == Event.Status.DECLARED
    assert own.bonus_points == D("0")
    services.event_check(event=event, by=section_head, note="属实")
    own.refresh_from_db()
    assert own.bonus_points == D("0")
    services.event_approve(event=event, by=officer)
    own.refresh_from_db()
    assert own.bonus_points == D("2.00")


def test_a_bonus_without_evidence_is_refused(member, period, standards):
    with pytest.raises(ValidationError) as caught:
        services.event_declare(
            period=period, matter="表彰", standard=standards["city_commendation"], evidence="  ", by=member
        )
    assert "evidence" in caught.value.message_dict
    assert not Event.objects.exists()


def test_a_person_declares_bonuses_only(member, period, standards):
    with pytest.raises(ValidationError):
        services.event_declare(
            period=period, matter="x", standard=standards["circulated_criticism"], evidence="y", by=member
        )


def test_an_event_for_a_person_outside_the_officers_unit_is_refused(officer, period, standards, unit, other_unit):
    stranger = factories.PersonFactory(unit=other_unit)
    with pytest.raises(PermissionError):
        services.event_record(
            period=period,
            unit=unit,
            matter="m",
            standard=standards["city_commendation"],
            evidence="e",
            shares=[(stranger, D("2"))],
            by=officer,
        )
    assert not Event.objects.exists()


def test_an_outsider_cannot_approve_or_reject(member, outsider, period, standards):
    event = services.event_declare(
        period=period, matter="m", standard=standards["city_commendation"], evidence="e", by=member
    )
    with pytest.raises(PermissionError):
        services.event_approve(event=event, by=outsider)
    with pytest.raises(PermissionError):
        services.event_reject(event=event, by=outsider, note="no")
    event.refresh_from_db()
    assert event.status == Event.Status.DECLARED


def test_a_rejection_needs_a_reason_and_an_event_is_decided_once(member, section_head, officer, period, standards):
    event = services.event_declare(
        period=period, matter="m", standard=standards["city_commendation"], evidence="e", by=member
    )
    services.event_check(event=event, by=section_head)
    with pytest.raises(ValidationError):
        services.event_reject(event=event, by=officer, note="")
    services.event_reject(event=event, by=officer, note="证明材料不足")
    with pytest.raises(ValidationError) as caught:
        services.event_approve(event=event, by=officer)
    assert "already" in caught.value.messages[0] or "已" in caught.value.messages[0]


def test_shares_are_set_explicitly_and_checked(officer, period, standards, unit, section, sheet, person):
    colleague = factories.PersonFactory(unit=unit, section=section)
    services.sheets_open(period=period, unit=unit, by=officer)
    with pytest.raises(ValidationError):
        services.event_record(
            period=period,
            unit=unit,
            matter="联合办案",
            standard=standards["city_commendation"],
            evidence="e",
            shares=[(person, D("2")), (colleague, D("-1"))],
            by=officer,
        )
    services.event_record(
        period=period,
        unit=unit,
        matter="联合办案",
        standard=standards["city_commendation"],
        evidence="e",
        shares=[(person, D("2")), (colleague, D("1"))],
        by=officer,
    )
    assert [s.bonus_points for s in (person.score_sheets.get(), colleague.score_sheets.get())] == [D("2.00"), D("1.00")]


def test_points_may_not_exceed_the_standard(officer, period, standards, unit, person):
    with pytest.raises(ValidationError):
        services.event_record(
            period=period,
            unit=unit,
            matter="m",
            standard=standards["city_commendation"],
            evidence="e",
            shares=[(person, D("3"))],
            by=officer,
            points=D("3"),
        )


def test_one_matter_counts_once_at_the_higher_value_across_events(officer, period, standards, unit, sheet, person):
    for code in ("city_commendation", "provincial_commendation"):
        standard = standards[code]
        services.event_record(
            period=period,
            unit=unit,
            matter=" 抗洪抢险  表现突出",
            standard=standard,
            evidence="e",
            shares=[(person, standard.points)],
            by=officer,
        )
    sheet.refresh_from_db()
    assert sheet.bonus_points == D("3.00")


def test_a_veto_item_bars_good_whatever_the_score(officer, period, standards, unit, sheet, person, items):
    from tests.scoring.test_sheets import fill_all, monthly

    monthly(person, period, "100", "100", "100")
    sheet = fill_all(sheet, items, officer, D("60"))
    assert sheet.eligible_grade == "好"
    services.event_record(
        period=period,
        unit=unit,
        matter="重大责任事故",
        standard=standards["major_accident"],
        evidence="事故调查报告",
        shares=[(person, D("0"))],
        by=officer,
    )
    sheet.refresh_from_db()
    assert sheet.vetoed
    assert sheet.total == D("100.00")
    assert sheet.eligible_grade == "较好"


def test_nobody_approves_their_own_declaration(unit, section, period, standards):
    officer = factories.user_with_role("office", unit=unit)
    factories.PersonFactory(unit=unit, section=section, user=officer)
    event = services.event_declare(
        period=period, matter="m", standard=standards["city_commendation"], evidence="e", by=officer
    )
    with pytest.raises(PermissionError):
        services.event_approve(event=event, by=officer)
