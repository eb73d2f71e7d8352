import base64
import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from common.workbooks import NOT_XLSX, ImportRefused
from tests import factories
from units.models import Person, Placement, RosterImport
from units.roster import (
    HEADERS,
    INITIAL_PASSWORD_ITERATIONS,
    away_kinds,
    parse_roster,
    roster_import,
    roster_template,
)

User = get_user_model()
START = datetime.date(2024, 1, 1)


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(**cells):
    """A row in the template's column order; ``cells`` by header, e.g. row(姓名="张三")."""
    return [cells.get(h) for h in HEADERS]


def new_person(unit, serial, section=None, sex="M", birth=datetime.date(1990, 3, 4), **cells):
    defaults = {
        "单位代码": unit.code,
        "股室": section.name if section else None,
        "姓名": f"新人{serial}",
        "身份证号": factories.make_id_number(birth, sex, 400 + serial),
        "调入日期": START,
    }
    return row(**{**defaults, **cells})


def counts():
    return (Person.objects.count(), Placement.objects.count(), User.objects.count(), RosterImport.objects.count())


def refused(content, by, **kwargs):
    before = counts()
    with pytest.raises(ImportRefused) as caught:
        roster_import(content=content, file_name="bad.xlsx", by=by, **kwargs)
    assert counts() == before
    return caught.value.errors


def test_a_good_file_creates_people_placements_and_accounts_that_must_change_their_password(
    officer, unit, section, other_section, other_unit, client
):
    content = workbook(
        [
            new_person(unit, 1, section, 性别="男", 出生日期="1990-03-04", 政治面貌="中共党员", 职务="科长"),
            new_person(
                unit,
                2,
                other_section,
                sex="F",
                职级="一级主任科员",
                职务排序=5,
                人员类别="参公",
                登录账号="lisi",
                借调类型="借调",
                考核单位代码=other_unit.code,
                开始日期="2025-02-01",
                结束日期=datetime.date(2025, 12, 31),
                批准文件="区委组〔2025〕1号",
            ),
            [None] * len(HEADERS),  # blank line: skipped
            new_person(unit, 3, 任现职时间="2020-07-01"),
        ]
    )
    outcome = roster_import(content=content, file_name="名册.xlsx", by=officer)

    record = outcome.record
    assert (record.rows, record.created, record.updated, record.moved, record.placements) == (3, 3, 0, 0, 1)
    assert (record.accounts_created, record.unit, record.imported_by) == (3, unit, officer)
    first, second, third = Person.objects.filter(name__startswith="新人").order_by("name")
    assert (first.section, first.sex, first.birth_date, first.political_status, first.post) == (
        section,
        "M",
        datetime.date(1990, 3, 4),
        "cpc",
        "科长",
    )
    assert (second.section, second.sex, second.rank, second.post_order, second.staffing_type) == (
        other_section,
        "F",
        "一级主任科员",
        5,
        "reference",
    )
    assert (third.section, third.took_post_on, third.post_order) == (None, datetime.date(2020, 7, 1), 1000)
    home = first.placements.get()
    assert (home.kind, home.unit, home.section, home.start_date, home.end_date) == ("home", unit, section, START, None)
    away = second.placements.get(kind="borrowed")
    assert (away.unit, away.start_date, away.end_date, away.note) == (
        other_unit,
        datetime.date(2025, 2, 1),
        datetime.date(2025, 12, 31),
        "区委组〔2025〕1号",
    )
    assert second.user.username == "lisi"
    assert first.user.username == f"p{first.pk:06d}"
    assert all(p.user.must_change_password and p.user.full_name == p.name for p in (first, second, third))
    assert [c.username for c in outcome.credentials] == [first.user.username, "lisi", third.user.username]

    # The first login with the initial password is sent to the password change.
    credential = outcome.credentials[1]
    assert client.login(username="lisi", password=credential.password)
    response = client.get(reverse("unit_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")


def test_a_reimport_of_the_same_file_changes_nothing_and_duplicates_nobody(officer, unit, section, other_unit):
    content = workbook(
        [
            new_person(unit, 1, section),
            new_person(unit, 2, 借调类型="挂职", 考核单位代码=other_unit.code, 开始日期="2025-03-01"),
        ]
    )
    roster_import(content=content, file_name="v1.xlsx", by=officer)
    before = counts()
    users = {p.pk: (p.user_id, p.user.password) for p in Person.objects.select_related("user")}

    outcome = roster_import(content=content, file_name="v2.xlsx", by=officer)

    record = outcome.record
    assert (record.created, record.updated, record.moved, record.placements, record.accounts_created) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert outcome.credentials == []
    assert counts()[:3] == before[:3]
    assert {p.pk: (p.user_id, p.user.password) for p in Person.objects.select_related("user")} == users


def test_a_reimport_updates_fields_by_id_number_and_a_new_section_moves_the_person(
    officer, unit, section, other_section
):
    roster_import(content=workbook([new_person(unit, 1, section, 职务="科员")]), file_name="v1.xlsx", by=officer)
    person = Person.objects.get(name="新人1")
    moved = new_person(unit, 1, other_section, 职务="副科长", 调入日期="2025-07-01")
    moved[HEADERS.index("身份证号")] = person.id_number.lower()  # matched after normalising

    record = roster_import(content=workbook([moved]), file_name="v2.xlsx", by=officer).record

    assert (record.created, record.updated, record.moved) == (0, 1, 1)
    person.refresh_from_db()
    assert (person.section, person.post) == (other_section, "副科长")
    old, new = person.placements.order_by("start_date")
    assert (old.section, old.start_date, old.end_date) == (section, START, datetime.date(2025, 6, 30))
    assert (new.section, new.start_date, new.end_date) == (other_section, datetime.date(2025, 7, 1), None)
    assert Person.objects.count() == 1


def test_an_away_placement_is_brought_up_to_date_rather_than_added_twice(officer, unit, other_unit):
    cells = {"借调类型": "派驻", "考核单位代码": other_unit.code, "开始日期": "2025-01-01"}
    roster_import(content=workbook([new_person(unit, 1, **cells)]), file_name="v1.xlsx", by=officer)
    record = roster_import(
        content=workbook([new_person(unit, 1, **cells, 结束日期="2025-06-30")]), file_name="v2.xlsx", by=officer
    ).record
    assert record.placements == 1
    away = Placement.objects.get(kind="stationed")
    assert away.end_date == datetime.date(2025, 6, 30)


def test_a_bad_file_names_every_bad_row_with_its_column_and_reason_and_saves_nothing(
    officer, unit, section, other_unit, person
):
    good = new_person(unit, 1, section)
    bad_checksum = new_person(unit, 2)
    bad_checksum[HEADERS.index("身份证号")] = bad_checksum[HEADERS.index("身份证号")][:17] + (
        "0" if bad_checksum[HEADERS.index("身份证号")][17] != "0" else "1"
    )
    duplicate = new_person(unit, 1)  # same ID number as row 2
    content = workbook(
        [
            good,  # row 2
            bad_checksum,  # row 3
            new_person(unit, 4, sex="F", 性别="男"),  # row 4: sex against the ID
            new_person(unit, 5, 出生日期="1991-01-01"),  # row 5: birth date against the ID
            duplicate,  # row 6
            new_person(unit, 7, 股室="不存在股"),  # row 7: no such section
            row(单位代码="NOPE", 姓名="某人", 身份证号=factories.make_id_number(START, "M", 7)),  # row 8
            new_person(unit, 9, 职务排序="第一"),  # row 9
            new_person(unit, 10, 出生日期="昨天"),  # row 10
            new_person(unit, 11, 借调类型="借调", 开始日期="2025-01-01"),  # row 11: no assessing unit
            new_person(unit, 12, 借调类型="借调", 考核单位代码="NOPE", 开始日期="2025-01-01"),  # row 12
            new_person(
                unit, 13, 借调类型="借调", 考核单位代码=other_unit.code, 开始日期="2025-06-01", 结束日期="2025-01-01"
            ),  # row 13
            new_person(unit, 14, 政治面貌="党外"),  # row 14
            new_person(unit, 15, 借调类型="出差", 考核单位代码=other_unit.code, 开始日期="2025-01-01"),  # row 15
            new_person(unit, 16, 登录账号="bad name!"),  # row 16
            new_person(unit, 17, 考核股室="某股", 考核单位代码=other_unit.code, 开始日期="2025-01-01"),  # row 17
        ]
    )
    person.user = factories.UserFactory(username="taken")
    person.save()
    content2 = workbook(
        [
            new_person(unit, 20, 登录账号="taken"),
            new_person(unit, 21, 登录账号="p1"),
            new_person(unit, 22, 登录账号="p1"),
        ]
    )

    errors = refused(content, officer)
    assert [(e.row, e.column) for e in errors] == [
        (3, "D（身份证号）"),
        (4, "E（性别）"),
        (5, "F（出生日期）"),
        (6, "D（身份证号）"),
        (7, "B（股室）"),
        (8, "A（单位代码）"),
        (9, "J（职务排序）"),
        (10, "F（出生日期）"),
        (11, "P（考核单位代码）"),
        (12, "P（考核单位代码）"),
        (13, "S（结束日期）"),
        (14, "G（政治面貌）"),
        (15, "O（借调类型）"),
        (16, "N（登录账号）"),
        (17, "O（借调类型）"),
        (17, "Q（考核股室）"),
    ]
    by_row = {e.row: e.message for e in errors}
    assert by_row[3] == _("The ID number's check digit is wrong; please check the number.")
    assert by_row[4] == _("The sex does not match the ID number.")
    assert by_row[5] == _("The birth date does not match the ID number.")
    assert by_row[6] == _("duplicate of row %(row)s (same ID number)") % {"row": 2}
    assert "不存在股" in by_row[7]
    assert unit.name in by_row[7]
    assert "NOPE" in by_row[8]
    assert "第一" in by_row[9]
    assert "昨天" in by_row[10]
    assert by_row[11] == _("an away placement needs its kind, assessing unit and start date")
    assert by_row[13] == _("The end date is before the start date.")
    assert "党外" in by_row[14]
    assert "中共党员" in by_row[14]
    assert "群众" in by_row[14]
    assert "出差" in by_row[15]
    assert all(word in by_row[15] for word in ("借用", "派驻"))

    errors = refused(content2, officer)
    assert [(e.row, e.column, e.message) for e in errors] == [
        (2, "N（登录账号）", _("the account %(account)s belongs to another person") % {"account": "taken"}),
        (4, "N（登录账号）", _("duplicate of row %(row)s (same login account)") % {"row": 3}),
    ]


def test_every_away_kind_but_home_has_a_chinese_word():
    words = away_kinds()
    assert set(words.values()) == set(Placement.Kind.values) - {"home"}
    assert words["借调"] == "borrowed"
    assert words["挂职"] == "seconded"
    assert words["培训"] == "training"


def test_an_id_number_stored_as_a_number_is_refused_with_the_reason(officer, unit):
    bad = new_person(unit, 1)
    bad[HEADERS.index("身份证号")] = int(bad[HEADERS.index("身份证号")][:17] + "0")
    [error] = refused(workbook([bad]), officer)
    assert (error.row, error.column) == (2, "D（身份证号）")
    assert "text" in error.message or "文本" in error.message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", _("The file is empty.")),
        (b"this is not a workbook", _(NOT_XLSX)),
        (
            b"x" * (10 * 1024 * 1024 + 1),  # IMPORT_MAX_BYTES is 10 MB
            _("The file is %(size)s, more than the %(limit)s an import reads.")
            % {"size": filesizeformat(10 * 1024 * 1024 + 1), "limit": filesizeformat(10 * 1024 * 1024)},
        ),
        (
            workbook([["U-MAIN", "张三"]], headers=("单位", "姓名")),
            _("Missing columns: %(columns)s. Use the downloaded template.") % {"columns": "单位代码、身份证号"},
        ),
        (workbook([[None] * len(HEADERS)]), _("The file holds no people.")),
    ],
)
def test_files_that_are_not_rosters_are_refused_with_a_reason(officer, unit, content, message):
    errors = refused(content, officer)
    assert str(errors[0]).endswith(message)


def test_the_outsider_is_refused_the_page_the_template_and_the_import(outsider, unit, person, login):
    client = login(outsider)
    query = f"?unit={unit.code}"
    assert client.get(reverse("roster_import") + query).status_code == 404
    assert client.get(reverse("roster_template") + query).status_code == 404
    upload = io.BytesIO(workbook([new_person(unit, 1)]))
    upload.name = "x.xlsx"
    assert client.post(reverse("roster_import") + query, {"file": upload}).status_code == 404
    before = counts()
    with pytest.raises(PermissionError):
        roster_import(content=workbook([new_person(unit, 1)]), file_name="x.xlsx", by=outsider, unit=unit)
    assert counts() == before


def test_the_outsider_cannot_update_another_units_person_by_putting_their_id_in_the_file(outsider, other_unit, person):
    content = workbook([row(单位代码=other_unit.code, 姓名="改名", 身份证号=person.id_number, 职务="局长")])
    [error] = refused(content, outsider)
    assert (error.row, error.column) == (2, "D（身份证号）")
    stored = (person.name, person.unit_id, person.post)
    person.refresh_from_db()
    assert (person.name, person.unit_id, person.post) == stored
    assert person.placements.count() == 1
    # Nor by naming the other unit as the home unit.
    [error] = refused(workbook([new_person(person.unit, 1)]), outsider)
    assert error.column == "A（单位代码）"


@pytest.mark.parametrize("who", ["member", "leader", "section_head"])
def test_people_who_manage_nobody_get_a_404(request, login, who):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("roster_import")).status_code == 404
    assert client.get(reverse("roster_template")).status_code == 404
    assert client.post(reverse("roster_import"), {"file": io.BytesIO(b"x")}).status_code == 404


def test_the_organisation_department_imports_for_the_units_of_its_region(org_user, unit, other_unit, section):
    content = workbook([new_person(unit, 1, section), new_person(other_unit, 2)])
    record = roster_import(content=content, file_name="区.xlsx", by=org_user).record
    assert (record.created, record.unit, record.region) == (2, None, unit.region)
    assert set(Person.objects.values_list("unit", flat=True)) == {unit.pk, other_unit.pk}
    stranger = factories.UnitFactory()  # another region
    [error] = refused(workbook([new_person(stranger, 3)]), org_user)
    assert error.column == "A（单位代码）"


def test_the_page_shows_the_new_accounts_once_and_stores_their_passwords_nowhere(officer, unit, section, login):
    client = login(officer)
    assert client.get(reverse("unit_list")).content.decode().count(reverse("roster_import")) == 1
    upload = io.BytesIO(workbook([new_person(unit, 1, section), new_person(unit, 2)]))
    upload.name = "名册.xlsx"
    response = client.post(reverse("roster_import"), {"file": upload})
    assert response.status_code == 200
    usernames = list(Person.objects.order_by("name").values_list("user__username", flat=True))
    page = response.content.decode()
    assert all(name in page for name in usernames)
    # The download is carried inside the page: a workbook of the accounts and their passwords.
    encoded = re.search(r'href="data:application/vnd[^;]*;base64,([^"]+)"', page).group(1)
    rows = list(load_workbook(io.BytesIO(base64.b64decode(encoded))).active.iter_rows(values_only=True))
    assert rows[0] == ("单位", "股室", "姓名", "登录账号", "初始密码")
    assert [r[3] for r in rows[1:]] == usernames
    password = rows[1][4]
    assert password in page
    # Stored nowhere: not in any session, not in the database, not on the next page.
    assert not any(password in s.session_data or password in str(s.get_decoded()) for s in Session.objects.all())
    assert not User.objects.filter(password__contains=password).exists()
    later = client.get(reverse("roster_import")).content.decode()
    assert password not in later
    assert "名册.xlsx" in later  # the list of earlier imports names this one
    client.logout()
    assert client.login(username=usernames[0], password=password)


def test_a_refused_upload_lists_the_errors_on_the_page(officer, unit, login):
    client = login(officer)
    upload = io.BytesIO(workbook([new_person(unit, 1, 股室="无此股")]))
    upload.name = "x.xlsx"
    response = client.post(reverse("roster_import"), {"file": upload})
    assert response.status_code == 200
    assert "B（股室）" in response.content.decode()
    assert not Person.objects.exists()


def test_the_template_round_trips_unchanged(officer, unit, section, other_unit, login):
    roster_import(
        content=workbook(
            [
                new_person(unit, 1, section, 政治面貌="共青团员", 任现职时间="2021-05-06"),
                new_person(unit, 2, sex="F", 借调类型="培训", 考核单位代码=other_unit.code, 开始日期="2025-01-01"),
            ]
        ),
        file_name="v1.xlsx",
        by=officer,
    )
    Person.objects.filter(name="新人1").update(duties="=1+2")  # typed in the admin, say
    client = login(officer)
    response = client.get(reverse("roster_template") + f"?unit={unit.code}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert [r[2] for r in rows[1:]] == ["新人1", "新人2"]
    assert sheet["D2"].data_type == "s"
    assert sheet["D2"].number_format == "@"
    assert rows[2][HEADERS.index("借调类型")] == "外出培训/专项工作"
    # Typed text that looks like a formula comes back as the text it was, never evaluated.
    duties = sheet.cell(row=2, column=HEADERS.index("从事或分管工作") + 1)
    assert (duties.value, duties.data_type, duties.quotePrefix) == ("=1+2", "s", True)

    record = roster_import(content=response.content, file_name="template.xlsx", by=officer).record
    assert (record.rows, record.created, record.updated, record.moved, record.placements) == (2, 0, 0, 0, 0)
    assert record.accounts_created == 0


def test_the_template_of_an_office_with_nobody_holds_the_headers_only(outsider):
    rows = list(load_workbook(io.BytesIO(roster_template(by=outsider))).active.iter_rows(values_only=True))
    assert rows == [HEADERS]


def test_an_existing_free_account_is_linked_and_keeps_its_password(officer, unit):
    account = factories.UserFactory(username="wangwu")
    password = account.password
    outcome = roster_import(content=workbook([new_person(unit, 1, 登录账号="wangwu")]), file_name="x", by=officer)
    assert (outcome.record.accounts_created, outcome.record.accounts_linked) == (0, 1)
    account.refresh_from_db()
    assert (account.person.name, account.password, account.must_change_password) == ("新人1", password, False)


def test_an_account_with_roles_elsewhere_or_admin_rights_is_not_linked(officer, unit, section, other_unit):
    factories.user_with_role("office", unit=other_unit, username="their-office")
    factories.UserFactory(username="staffer", is_staff=True)
    own_head = factories.user_with_role("section_head", section=section, username="own-head")
    errors = refused(
        workbook([new_person(unit, 1, 登录账号="their-office"), new_person(unit, 2, 登录账号="staffer")]), officer
    )
    assert [(e.row, e.column) for e in errors] == [(2, "N（登录账号）"), (3, "N（登录账号）")]
    assert "their-office" in errors[0].message
    # A role inside the unit is the importer's own business: the section head becomes a person.
    outcome = roster_import(
        content=workbook([new_person(unit, 3, section, 登录账号="own-head")]), file_name="x", by=officer
    )
    assert outcome.record.accounts_linked == 1
    own_head.refresh_from_db()
    assert own_head.person.name == "新人3"


def test_a_generated_username_taken_by_someone_gets_a_suffix(officer, unit):
    # The next person's number, as the database will give it (PostgreSQL's sequence ignores rolled-back rows).
    probe = factories.PersonFactory(unit=unit)
    next_pk = probe.pk + 1
    probe.delete()
    factories.UserFactory(username=f"p{next_pk:06d}")
    outcome = roster_import(content=workbook([new_person(unit, 1)]), file_name="x", by=officer)
    assert outcome.credentials[0].username == f"p{next_pk:06d}-2"


def test_a_move_dated_before_the_current_placement_is_refused_in_its_column(officer, unit, section, other_section):
    roster_import(content=workbook([new_person(unit, 1, section)]), file_name="v1", by=officer)
    [error] = refused(workbook([new_person(unit, 1, other_section, 调入日期="2023-01-01")]), officer)
    assert (error.row, error.column) == (2, "M（调入日期）")


def test_parse_checks_without_saving(officer, unit):
    rows = parse_roster(content=workbook([new_person(unit, 1)]), by=officer)
    assert [r.is_new for r in rows] == [True]
    assert not Person.objects.exists()


def _queries_for(n: int, by, unit, offset: int) -> int:
    content = workbook([new_person(unit, offset + i) for i in range(n)])
    with CaptureQueriesContext(connection) as ctx:
        roster_import(content=content, file_name="x", by=by)
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_rows(officer, unit):
    """Bulk inserts and updates: 5 and 30 new people (each with a home placement and an account) take the
    same number of queries. (Batches of 500 rows, fewer on SQLite's variable limit, add one per batch.)"""
    _queries_for(1, officer, unit, 0)  # the officer's roles are loaded once and cached on the user
    small = _queries_for(5, officer, unit, 10)
    large = _queries_for(30, officer, unit, 100)
    assert small == large
    assert large <= 20


def test_initial_passwords_are_hashed_with_fewer_rounds_and_upgraded_at_the_first_login(officer, unit, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    outcome = roster_import(content=workbook([new_person(unit, 1)]), file_name="x", by=officer)
    [credential] = outcome.credentials
    account = User.objects.get(username=credential.username)
    algorithm, iterations, *_rest = account.password.split("$")
    assert (algorithm, int(iterations)) == ("pbkdf2_sha256", INITIAL_PASSWORD_ITERATIONS)
    assert credential.password not in account.password
    assert account.check_password(credential.password)
    account.refresh_from_db()
    assert int(account.password.split("$")[1]) > INITIAL_PASSWORD_ITERATIONS


def test_the_admin_lists_roster_imports_read_only(officer, unit, admin, login):
    roster_import(content=workbook([new_person(unit, 1)]), file_name="名册.xlsx", by=officer)
    client = login(admin)
    response = client.get(reverse("admin:units_rosterimport_changelist"))
    assert response.status_code == 200
    assert "名册.xlsx" in response.content.decode()
    assert client.get(reverse("admin:units_rosterimport_add")).status_code == 403


def test_a_refused_roster_lists_its_first_problems_and_how_many_more(officer, unit, login, settings):
    # The roster is imported within the request whatever its size: the accounts it creates are shown once, in
    # the answer, and kept nowhere (not even for a background task); its problems are capped all the same.
    settings.IMPORT_ERRORS_SHOWN = 1
    settings.IMPORT_BACKGROUND_BYTES = 0
    upload = io.BytesIO(workbook([new_person(unit, n, 股室="无此股") for n in (1, 2, 3)]))
    upload.name = "x.xlsx"
    response = login(officer).post(reverse("roster_import"), {"file": upload})
    assert response.status_code == 200
    errors = response.context["errors"]
    assert (len(errors), errors.total, errors.hidden) == (1, 3, 2)
    assert "另有 2 条错误未显示" in response.content.decode()
    assert not Person.objects.exists()
