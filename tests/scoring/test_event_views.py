"""Events in the browser: the office records deductions, veto items and bonuses with each person's share; a
person declares a bonus with evidence files; the head of the person's section checks or returns it; the office
approves or rejects what was checked; evidence goes only to the person and to those whose roles cover them.
Outsiders are refused (404, logged), nobody acts on their own declaration, bad input saves nothing."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scoring import selectors, services
from scoring.evidence import check_file
from scoring.models import Event, EventEvidence, EventShare, EventStandard
from tests import factories

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 32


def office_zip(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}document.xml", "<x/>")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def standards(db):
    return {s.code: s for s in EventStandard.objects.all()}


@pytest.fixture
def colleague(section, unit):
    return factories.PersonFactory(unit=unit, section=section, name="同事甲")


@pytest.fixture
def declared(member, period, standards, sheet):
    """The member's declared bonus, with a PDF, waiting for the section's check."""
    return services.event_declare(
        period=period,
        matter="市级先进个人",
        standard=standards["city_commendation"],
        evidence="市委表彰文件",
        files=[upload("表彰文件.pdf", PDF)],
        by=member,
    )


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def record_body(standard, rows, **extra):
    body = {
        "standard": standard.pk,
        "matter": "联合办案",
        "points": "",
        "evidence": "区委通报〔2026〕1号",
        "share-TOTAL_FORMS": str(len(rows)),
        "share-INITIAL_FORMS": "0",
        "share-MIN_NUM_FORMS": "0",
        "share-MAX_NUM_FORMS": "50",
    }
    for index, (person, points) in enumerate(rows):
        body[f"share-{index}-person"] = "" if person is None else str(person.pk)
        body[f"share-{index}-points"] = points
    body.update(extra)
    return body


# The office records ---------------------------------------------------------------------------------------


def test_the_office_records_a_matter_of_several_people_each_with_a_share(
    login, officer, period, unit, sheet, person, colleague, standards
):
    services.sheets_open(period=period, unit=unit, by=officer)
    client = login(officer)
    page = client.get(reverse("scoring:events", args=[period.pk, unit.code])).content.decode()
    assert colleague.name in page
    assert "data-confirm=" in page
    body = record_body(standards["city_commendation"], [(person, "2"), (colleague, "1.5"), (None, "")])
    body["files"] = upload("通报.pdf", PDF)
    response = client.post(reverse("scoring:event_record", args=[period.pk, unit.code]), body)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get()
    assert (event.status, event.points, event.declared_by) == ("approved", D("2.00"), officer)
    assert dict(event.shares.values_list("person_id", "points")) == {person.pk: D("2.00"), colleague.pk: D("1.50")}
    assert [s.bonus_points for s in (person.score_sheets.get(), colleague.score_sheets.get())] == [D("2"), D("1.5")]
    assert event.files.get().content_type == "application/pdf"


def test_a_veto_item_is_recorded_and_shown_as_one(login, officer, period, unit, sheet, person, standards):
    client = login(officer)
    body = record_body(standards["major_accident"], [(person, "0")], matter="重大责任事故")
    assert client.post(reverse("scoring:event_record", args=[period.pk, unit.code]), body).status_code == 302
    sheet.refresh_from_db()
    assert sheet.vetoed
    page = client.get(reverse("scoring:events", args=[period.pk, unit.code])).content.decode()
    assert "一票否优" in page
    assert "table-danger" in page


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("person", "-1")], "正负一致"),  # a bonus share with a deduction's sign: the service's message
        ([("person", "3")], "不超过"),  # a share larger than the event's points
        ([("person", "2"), ("person", "1")], "重复"),  # the same person twice
        ([("person", "")], None),  # a person without a share
        ([], None),  # nobody
    ],
)
def test_bad_shares_are_refused_beside_the_form_and_save_nothing(
    login, officer, period, unit, sheet, person, standards, rows, message
):
    rows = [(person if who == "person" else None, points) for who, points in rows]
    body = record_body(standards["city_commendation"], rows)
    response = login(officer).post(reverse("scoring:event_record", args=[period.pk, unit.code]), body)
    assert response.status_code == 400
    page = response.content.decode()
    assert "alert-danger" in page or "text-danger" in page
    if message:
        assert message in page, page[:3000]
    assert (Event.objects.count(), EventShare.objects.count()) == (0, 0)


def test_a_person_outside_the_list_is_refused(login, officer, period, unit, other_unit, standards):
    stranger = factories.PersonFactory(unit=other_unit)
    body = record_body(standards["city_commendation"], [(stranger, "2")])
    response = login(officer).post(reverse("scoring:event_record", args=[period.pk, unit.code]), body)
    assert response.status_code == 400
    assert "有效选项" in response.content.decode() or "选择" in response.content.decode()
    assert not Event.objects.exists()


def test_the_officer_is_not_offered_their_own_record_and_cannot_record_on_it(
    login, officer, period, unit, section, standards
):
    own = factories.PersonFactory(unit=unit, section=section, user=officer, name="办公室本人")
    client = login(officer)
    page = client.get(reverse("scoring:events", args=[period.pk, unit.code])).content.decode()
    assert own.name not in page
    body = record_body(standards["circulated_criticism"], [(own, "-1")])
    assert client.post(reverse("scoring:event_record", args=[period.pk, unit.code]), body).status_code == 400
    assert not Event.objects.exists()


def test_the_outsider_neither_sees_nor_records_the_units_events(
    login, outsider, period, unit, person, standards, caplog
):
    client = login(outsider)
    assert client.get(reverse("scoring:events", args=[period.pk, unit.code])).status_code == 404
    body = record_body(standards["city_commendation"], [(person, "2")])
    assert client.post(reverse("scoring:event_record", args=[period.pk, unit.code]), body).status_code == 404
    assert not Event.objects.exists()
    assert "refused user=outsider" in caplog.text


def test_a_section_head_may_not_record(login, section_head, period, unit, person, standards):
    body = record_body(standards["city_commendation"], [(person, "2")])
    response = login(section_head).post(reverse("scoring:event_record", args=[period.pk, unit.code]), body)
    assert response.status_code == 404
    assert not Event.objects.exists()


# Declaring with evidence -------------------------------------------------------------------------------------


def test_a_person_declares_with_evidence_kept_privately(login, member, period, sheet, standards, private_root):
    client = login(member)
    page = client.get(reverse("scoring:declare", args=[period.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "data-confirm=" in page
    response = client.post(
        reverse("scoring:declare", args=[period.pk]),
        {
            "standard": standards["city_commendation"].pk,
            "matter": "市级先进",
            "evidence": "",
            "files": [upload("证书.jpg", JPEG), upload("名单.xlsx", office_zip("xl/"))],
        },
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.status == "declared"
    files = list(event.files.order_by("pk"))
    assert [(f.name, f.content_type) for f in files] == [
        ("证书.jpg", "image/jpeg"),
        ("名单.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ]
    for f in files:
        assert Path(f.file.path).is_relative_to(private_root)
        assert f.uploaded_by == member
        assert f.size > 0
    assert len(stored_files(private_root)) == 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("截图.pdf", PNG),  # a PNG calling itself a PDF
        ("setup.pdf", EXE),  # a program renamed .pdf
        ("报告.docx", b"PK\x03\x04" + b"\x00" * 40),  # a ZIP header, but no Word document inside
        ("报告.docx", office_zip("xl/")),  # a workbook calling itself a Word document
        ("表.xls", PDF),
        ("run.exe", EXE),
        ("无扩展名", PDF),
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused_and_nothing_saved(
    login, member, period, sheet, standards, private_root, name, content
):
    response = login(member).post(
        reverse("scoring:declare", args=[period.pk]),
        {"standard": standards["city_commendation"].pk, "matter": "市级先进", "files": [upload(name, content)]},
    )
    assert response.status_code == 400
    assert name in response.content.decode()
    assert (Event.objects.count(), EventEvidence.objects.count(), stored_files(private_root)) == (0, 0, [])


def test_a_file_over_the_limit_is_refused(login, member, period, sheet, standards, private_root, settings):
    settings.EVIDENCE_MAX_BYTES = 20
    response = login(member).post(
        reverse("scoring:declare", args=[period.pk]),
        {"standard": standards["city_commendation"].pk, "matter": "市级先进", "files": [upload("大.pdf", PDF)]},
    )
    assert response.status_code == 400
    assert "最大" in response.content.decode() or "至多" in response.content.decode()
    assert (Event.objects.count(), stored_files(private_root)) == (0, [])


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("a.pdf", PDF, "application/pdf"),
        ("a.JPEG", JPEG, "image/jpeg"),
        ("a.png", PNG, "image/png"),
        ("a.doc", OLE, "application/msword"),
        ("a.xls", OLE, "application/vnd.ms-excel"),
        ("a.docx", office_zip("word/"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("..\\..\\etc\\a.pdf", PDF, "application/pdf"),
    ],
)
def test_the_content_decides_the_type(name, content, content_type):
    checked, problem = check_file(upload(name, content))
    assert problem == ""
    assert checked.content_type == content_type
    assert "/" not in checked.name
    assert "\\" not in checked.name


# The download ----------------------------------------------------------------------------------------------------


def test_the_evidence_goes_to_the_person_and_to_those_covering_them(
    login, declared, member, section_head, officer, leader
):
    evidence = declared.files.get()
    url = reverse("scoring:evidence", args=[evidence.pk])
    for user in (member, section_head, officer, leader):
        response = login(user).get(url)
        assert response.status_code == 200, user
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF


def test_the_evidence_is_not_found_by_anyone_else(login, declared, outsider, other_section, unit, caplog):
    evidence = declared.files.get()
    url = reverse("scoring:evidence", args=[evidence.pk])
    other_head = factories.user_with_role("section_head", section=other_section, username="head2")
    colleague = factories.UserFactory(username="colleague")
    factories.PersonFactory(unit=unit, section=declared.shares.get().person.section, user=colleague)
    for user in (outsider, other_head, colleague):
        assert login(user).get(url).status_code == 404, user
    assert "refused user=outsider action=evidence" in caplog.text


# The section's check and the office's decision ------------------------------------------------------------------


def test_the_section_head_checks_and_the_office_approves_in_the_browser(
    login, declared, member, section_head, officer, period, unit, sheet
):
    own_sheet = member.person.score_sheets.get(period=period)
    client = login(section_head)
    page = client.get(reverse("scoring:event_checks", args=[period.pk])).content.decode()
    assert declared.matter in page
    assert "data-confirm=" in page
    assert reverse("scoring:evidence", args=[declared.files.get().pk]) in page
    response = client.post(
        reverse("scoring:event_checks", args=[period.pk]), {"event": declared.pk, "decision": "check", "note": "属实"}
    )
    assert response.status_code == 302
    declared.refresh_from_db()
    assert (declared.status, declared.checked_by, declared.check_note) == ("checked", section_head, "属实")
    own_sheet.refresh_from_db()
    assert own_sheet.bonus_points == D("0")

    client = login(officer)
    page = client.get(reverse("scoring:events", args=[period.pk, unit.code]) + "?status=checked").content.decode()
    assert 'value="approve"' in page
    response = client.post(
        reverse("scoring:events", args=[period.pk, unit.code]), {"event": declared.pk, "decision": "approve"}
    )
    assert response.status_code == 302
    declared.refresh_from_db()
    own_sheet.refresh_from_db()
    assert (declared.status, own_sheet.bonus_points) == ("approved", D("2.00"))


def test_the_office_cannot_approve_what_the_section_has_not_checked(login, declared, officer, period, unit):
    client = login(officer)
    assert 'value="approve"' not in client.get(reverse("scoring:events", args=[period.pk, unit.code])).content.decode()
    response = client.post(
        reverse("scoring:events", args=[period.pk, unit.code]),
        {"event": declared.pk, "decision": "approve"},
        follow=True,
    )
    assert "尚未把关" in response.content.decode()
    declared.refresh_from_db()
    assert declared.status == "declared"


def test_the_section_head_returns_with_a_reason(login, declared, section_head, period):
    client = login(section_head)
    url = reverse("scoring:event_checks", args=[period.pk])
    page = client.post(url, {"event": declared.pk, "decision": "return", "note": " "}, follow=True).content.decode()
    assert "退回原因" in page
    declared.refresh_from_db()
    assert declared.status == "declared"
    client.post(url, {"event": declared.pk, "decision": "return", "note": "证明材料不全"})
    declared.refresh_from_db()
    assert (declared.status, declared.check_note) == ("returned", "证明材料不全")
    assert declared.pk not in [e.pk for e in client.get(url).context["waiting"]]
    with pytest.raises(ValidationError):  # a returned declaration goes no further
        services.event_check(event=declared, by=section_head)


def test_others_do_not_see_or_act_on_the_sections_queue(
    login, declared, member, outsider, other_section, officer, period, caplog
):
    url = reverse("scoring:event_checks", args=[period.pk])
    other_head = factories.user_with_role("section_head", section=other_section, username="head2")
    client = login(other_head)
    assert declared.pk not in [e.pk for e in client.get(url).context["waiting"]]
    assert client.post(url, {"event": declared.pk, "decision": "check"}).status_code == 404
    client = login(outsider)  # the office of another unit has a queue of its own, without this declaration
    assert declared.pk not in [e.pk for e in client.get(url).context["waiting"]]
    assert client.post(url, {"event": declared.pk, "decision": "check"}).status_code == 404
    assert login(member).get(url).status_code == 404  # the person themself has no queue
    declared.refresh_from_db()
    assert declared.status == "declared"
    assert "refused user=outsider" in caplog.text


def test_nobody_checks_their_own_declaration(login, period, unit, section, sheet, standards):
    head = factories.user_with_role("section_head", section=section, username="head-self")
    factories.PersonFactory(unit=unit, section=section, user=head)
    own = services.event_declare(
        period=period, matter="论文获奖", standard=standards["city_commendation"], evidence="证书", by=head
    )
    client = login(head)
    url = reverse("scoring:event_checks", args=[period.pk])
    assert own.pk not in [e.pk for e in client.get(url).context["waiting"]]
    assert client.post(url, {"event": own.pk, "decision": "check"}).status_code == 404
    with pytest.raises(PermissionError):
        services.event_check(event=own, by=head)
    own.refresh_from_db()
    assert own.status == "declared"


def test_the_office_checks_only_people_outside_every_section_and_never_decides_what_it_checked(
    declared, officer, section_head, period, unit, standards
):
    # A sectioned person's declaration is the section head's to check, not the office's.
    with pytest.raises(PermissionError):
        services.event_check(event=declared, by=officer)
    assert declared.pk not in [e.pk for e in selectors.events_to_check(user=officer, period=period)]
    assert declared.pk in [e.pk for e in selectors.events_to_check(user=section_head, period=period)]
    # Someone outside every section: the office checks, and a second officer decides.
    chief = factories.PersonFactory(unit=unit, section=None, user=factories.UserFactory(username="chief"))
    own = services.event_declare(
        period=period, matter="论文获奖", standard=standards["city_commendation"], evidence="证书", by=chief.user
    )
    assert own.pk in [e.pk for e in selectors.events_to_check(user=officer, period=period)]
    assert own.pk not in [e.pk for e in selectors.events_to_check(user=section_head, period=period)]
    deputy = factories.user_with_role("office", unit=unit, username="office-deputy")
    services.event_check(event=own, by=officer)
    with pytest.raises(PermissionError):
        services.event_approve(event=own, by=officer)
    services.event_approve(event=own, by=deputy)
    own.refresh_from_db()
    assert (own.status, own.decided_by) == ("approved", deputy)


# Queries -----------------------------------------------------------------------------------------------------


def many_declarations(period, unit, section, standards, n):
    for i in range(n):
        user = factories.UserFactory(username=f"declarer{i}")
        factories.PersonFactory(unit=unit, section=section, user=user)
        services.event_declare(
            period=period,
            matter=f"表彰{i}",
            standard=standards["city_commendation"],
            evidence="文件",
            files=[upload(f"{i}.pdf", PDF)],
            by=user,
        )


@pytest.mark.parametrize("n", [1, 12])
def test_the_pages_take_a_bounded_number_of_queries(
    login, officer, section_head, period, unit, section, sheet, standards, django_assert_max_num_queries, n
):
    many_declarations(period, unit, section, standards, n)
    client = login(officer)
    client.get(reverse("scoring:events", args=[period.pk, unit.code]))  # the process's one-off caches warm
    with django_assert_max_num_queries(18):
        assert client.get(reverse("scoring:events", args=[period.pk, unit.code])).status_code == 200
    client = login(section_head)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("scoring:event_checks", args=[period.pk]))
        assert len(page.context["waiting"]) == n
    client = login(factories.UserFactory._meta.model.objects.get(username="declarer0"))
    with django_assert_max_num_queries(15):
        assert client.get(reverse("scoring:declare", args=[period.pk])).status_code == 200


def test_the_admin_lists_an_events_files_without_serving_them(login, admin, declared):
    page = login(admin).get(reverse("admin:scoring_event_change", args=[declared.pk]))
    assert page.status_code == 200
    assert "表彰文件.pdf" in page.content.decode()
    assert "/media/" not in page.content.decode()
