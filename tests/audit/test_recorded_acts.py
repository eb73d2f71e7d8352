"""Every change of a person's data, account, role, placement, score, event, work record, import, export, token
and password lands in the audit trail with who, when, what and the before and after; so do logins, failed
logins and lockouts, with the address they came from."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from knox.models import AuthToken
from knox.settings import CONSTANTS
from openpyxl import Workbook

from assessment.quarter import services as quarter
from assessment.registers.export import Request
from assessment.registers.services import register_export_request
from audit.models import AuditEntry
from scoring import services as scoring
from scoring.models import EventStandard
from tests import factories
from tests.factories import PASSWORD
from units import services as units
from units.roster import HEADERS, roster_import

LOGIN = "/accounts/login/"


def only(action: str, **where) -> AuditEntry:
    return AuditEntry.objects.get(action=action, **where)


@pytest.fixture
def period(region):
    return factories.assessment_period(region, year=2026, quarter=1)


def test_a_score_entry_is_recorded_with_each_items_before_and_after(period, unit, section, person, officer):
    scoring.templates_install_defaults(year=2026)
    scoring.sheets_open(period=period, unit=unit, by=officer)
    sheet = person.score_sheets.get(period=period)
    item = sheet.template.items.filter(kind="common").order_by("pk").first()
    scoring.sheet_enter(sheet=sheet, values={item.pk: D("3")}, by=officer)
    scoring.sheet_enter(sheet=sheet.__class__.objects.get(pk=sheet.pk), values={item.pk: D("2.5")}, by=officer)

    first, second = AuditEntry.objects.filter(action="score_enter").order_by("pk")
    assert (second.actor, second.person, second.unit, second.period) == (officer, person, unit, period)
    assert first.changes == {item.name: [None, "3"]}  # as entered; then as stored
    assert second.changes == {item.name: ["3.00", "2.5"]}
    assert (second.object_type, second.object_id) == ("scoresheet", str(sheet.pk))


def test_a_declared_event_and_its_check_are_recorded(period, unit, member, section_head):
    standard = EventStandard.objects.get(code="city_commendation")
    event = scoring.event_declare(period=period, matter="市级先进", standard=standard, evidence="文件", by=member)
    scoring.event_check(event=event, by=section_head, note="属实")

    declared, checked = only("event_declare"), only("event_check")
    assert (declared.actor, declared.person, declared.unit) == (member, member.person, unit)
    assert declared.changes["matter"] == [None, "市级先进"]
    assert declared.changes["status"] == [None, "declared"]
    assert checked.actor == section_head
    assert checked.changes["status"] == ["declared", "checked"]
    assert checked.changes["check_note"] == ["", "属实"]


def test_a_work_record_is_recorded(period, member):
    record = quarter.work_record_add(period=period, on=datetime.date(2026, 2, 3), content="专项整治", by=member)
    entry = only("work_record_add")
    assert (entry.actor, entry.person, entry.period, entry.object_id) == (member, member.person, period, str(record.pk))
    assert entry.changes == {"on": [None, "2026-02-03"], "content": [None, "专项整治"]}


def _roster(rows) -> bytes:
    wb = Workbook()
    wb.active.append(list(HEADERS))
    for cells in rows:
        wb.active.append([cells.get(h) for h in HEADERS])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_roster_import_records_the_file_and_each_person_it_creates_or_changes(unit, section, officer):
    number = factories.make_id_number(datetime.date(1990, 3, 4), "M", 901)
    first = {"单位代码": unit.code, "股室": section.name, "姓名": "新人", "身份证号": number, "职务": "科员"}
    roster_import(content=_roster([first]), file_name="v1.xlsx", by=officer)
    roster_import(content=_roster([{**first, "职务": "副科长"}]), file_name="v2.xlsx", by=officer)

    created, changed = only("person_create"), only("person_change")
    assert (created.actor, created.unit, created.person.name) == (officer, unit, "新人")
    assert created.changes["name"] == [None, "新人"]
    assert created.changes["id_number"] == [None, number[:4] + "*" * 10 + number[-4:]]  # masked, as every page
    assert "account" in created.changes
    assert changed.changes == {"post": ["科员", "副科长"]}
    assert "v2.xlsx" in changed.comment
    files = AuditEntry.objects.filter(action="roster_import").order_by("pk")
    assert [e.comment for e in files] == ["v1.xlsx", "v2.xlsx"]
    assert files[1].changes["updated"] == [None, 1]


def test_a_person_added_a_move_and_a_placement_are_recorded(unit, section, other_section, officer):
    person = units.person_create(
        unit=unit,
        section=section,
        start_date=datetime.date(2026, 1, 1),
        by=officer,
        name="甲",
        sex="M",
        birth_date=datetime.date(1990, 1, 1),
        id_number=factories.make_id_number(datetime.date(1990, 1, 1), "M", 77),
    )
    units.person_move(person=person, unit=unit, section=other_section, on=datetime.date(2026, 3, 1), by=officer)
    units.placement_create(
        person=person, kind="training", unit=unit, section=None, start_date=datetime.date(2026, 4, 1), by=officer
    )
    assert only("person_create").changes["name"] == [None, "甲"]
    moved = only("person_move")
    assert moved.changes["section"] == [section.pk, other_section.pk]
    assert moved.changes["home_from"] == [None, "2026-03-01"]
    placed = only("placement_create")
    assert (placed.actor, placed.person) == (officer, person)
    assert placed.changes["kind"] == [None, "training"]


def test_a_role_granted_and_revoked_is_recorded(unit, org_user, member):
    assignment = units.role_grant(user=member, role="office", unit=unit, by=org_user)
    units.role_revoke(assignment=assignment, by=org_user)
    granted, revoked = only("role_grant"), only("role_revoke")
    assert (granted.actor, granted.unit, granted.person) == (org_user, unit, member.person)
    assert granted.changes["role"] == [None, "office"]
    assert revoked.changes["role"] == ["office", None]
    assert revoked.object_id == granted.object_id != ""


def test_a_person_changed_in_the_administration_is_recorded_without_the_id_number(client, admin, person):
    client.force_login(admin)
    page = client.get(reverse("admin:units_person_change", args=[person.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name not in ("unit", "section")}
    data |= {"post": "副科长", "new_id_number": factories.make_id_number(datetime.date(1988, 5, 17), "M", 999)}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    data |= {"is_active": "on", "placements-TOTAL_FORMS": "0", "placements-INITIAL_FORMS": "0"}
    response = client.post(reverse("admin:units_person_change", args=[person.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]

    entry = only("person_change")
    assert (entry.actor, entry.person, entry.unit, entry.comment) == (admin, person, person.unit, "admin")
    assert entry.changes["post"] == ["科员", "副科长"]
    assert entry.changes["new_id_number"] == ["(hidden)", "(hidden)"]
    assert person.id_number not in str(entry.changes)


def test_a_register_export_is_recorded(region, org_user, settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path
    year = quarter.year_create(region=region, year=2026, by=org_user)
    job = register_export_request(request=Request(kind="year-summary", assessment_year=year), by=org_user)
    entry = only("register_export")
    assert (entry.actor, entry.region, entry.assessment_year, entry.object_id) == (org_user, region, year, str(job.pk))
    assert entry.changes["kind"] == [None, "year-summary"]


def test_a_password_change_is_recorded_without_the_password(client, member):
    client.force_login(member)
    new = "Fresh-Start-2026"
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    entry = only("password_change")
    assert (entry.actor, entry.person) == (member, member.person)
    assert new not in str(entry.changes)
    assert "md5" not in str(entry.changes)


def test_an_api_token_issued_and_revoked_is_recorded_without_the_token(db):
    user = factories.UserFactory(username="robot")
    out = io.StringIO()
    call_command("api_token", "robot", stdout=out)
    token = out.getvalue().strip()
    call_command("api_token", "robot", "--revoke", stdout=io.StringIO())
    issued, revoked = only("token_issue"), only("token_revoke")
    assert issued.changes["user"] == [None, "robot"]
    assert issued.object_id == revoked.object_id == token[: CONSTANTS.TOKEN_KEY_LENGTH]
    assert token not in str(issued.changes) + str(revoked.changes)
    assert not AuthToken.objects.filter(user=user).exists()


def test_a_login_and_a_failed_login_are_recorded_with_the_address(client, member):
    client.post(LOGIN, {"username": "member", "password": "wrong-password"}, REMOTE_ADDR="10.3.3.3")
    client.post(LOGIN, {"username": "member", "password": PASSWORD}, REMOTE_ADDR="10.3.3.4")
    failed, ok = only("login_failed"), only("login")
    assert (failed.actor, failed.person, failed.address) == (None, member.person, "10.3.3.3")
    assert failed.changes == {"username": [None, "member"]}
    assert (ok.actor, ok.person, ok.address) == (member, member.person, "10.3.3.4")


def test_a_failed_login_under_an_unknown_name_is_recorded_for_nobody_but_the_administrator(client, db):
    client.post(LOGIN, {"username": "nobody-here", "password": "x"}, REMOTE_ADDR="10.4.4.4")
    entry = only("login_failed")
    assert (entry.person, entry.unit, entry.region, entry.address) == (None, None, None, "10.4.4.4")
    assert entry.changes == {"username": [None, "nobody-here"]}


def test_a_lockout_is_recorded(client, member):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT + 1):
        client.post(LOGIN, {"username": "member", "password": "wrong-password"}, REMOTE_ADDR="10.5.5.5")
    assert AuditEntry.objects.filter(action="login_failed").count() == settings.LOGIN_FAILURES_PER_ACCOUNT - 1
    locked = AuditEntry.objects.filter(action="login_locked", person=member.person, address="10.5.5.5")
    assert locked.count() == 2  # the failure that locked, and the attempt refused while locked
