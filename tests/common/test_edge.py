"""Control characters are refused at the edge (common.edge): a NUL byte in a path or a form field reached
PostgreSQL, which answers it with an error (a 500), and other control characters were stored where nobody typed
them. Tab, CR and LF are what a keyboard gives, and pass."""

import datetime
import logging

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.models import WorkRecord
from tests import factories

REFUSED = "请求中含有控制字符（如空字符NUL），请删除后重新提交。"


@pytest.fixture
def open_period(region):
    return factories.assessment_period(region, status="open")


def record(client, period, content: str, **extra):
    data = {"act": "record", "on": datetime.date(2026, 2, 3).isoformat(), "content": content, **extra}
    return client.post(reverse("quarter:my_quarter", args=[period.pk]), data)


def test_a_nul_byte_in_the_path_is_a_400_before_any_query(login, officer, open_period, unit, caplog):
    # Before: on PostgreSQL "A string literal cannot contain NUL (0x00) characters", a 500.
    with caplog.at_level(logging.WARNING, logger="kaohe.security"):
        response = login(officer).get(f"/scoring/periods/{open_period.pk}/units/U%00X/events/")
    assert response.status_code == 400
    assert response.content.decode() == REFUSED
    assert "action=control_characters in=path" in caplog.text
    assert "user=officer" in caplog.text


def test_a_nul_byte_in_the_query_string_is_a_400(login, officer, open_period, unit):
    url = reverse("scoring:events", args=[open_period.pk, unit.code])
    assert login(officer).get(url + "?q=a%00b").status_code == 400
    assert login(officer).get(url + "?q%01=a").status_code == 400


@pytest.mark.parametrize(
    "content", ["工作\x00纪实", "响铃\x07", "退格\x08", "换页\x0c", "转义\x1b[31m", "删除\x7f", "下一行\x85"]
)
def test_a_control_character_in_a_form_field_is_a_400_and_nothing_is_saved(login, member, open_period, content):
    response = record(login(member), open_period, content)
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert not WorkRecord.objects.exists()


def test_tab_cr_and_lf_are_what_a_keyboard_gives_and_pass(login, member, open_period):
    response = record(login(member), open_period, "第一行\r\n\t第二行")
    assert response.status_code == 302
    assert WorkRecord.objects.get().content == "第一行\r\n\t第二行"


def test_a_control_character_in_a_multipart_form_field_is_a_400(login, officer, open_period, unit):
    upload = SimpleUploadedFile("证明.pdf", b"%PDF-1.4", content_type="application/pdf")
    url = reverse("scoring:event_record", args=[open_period.pk, unit.code])
    response = login(officer).post(url, {"matter": "先进\x00", "files": upload})
    assert response.status_code == 400
    assert response.content.decode() == REFUSED


def test_the_api_is_told_in_json(login, officer):
    response = login(officer).get("/api/v1/units/?code=a%00b")
    assert response.status_code == 400
    assert response.json() == {"detail": REFUSED, "code": "control_characters"}


def test_the_refusal_sits_before_the_views_and_after_the_headers_with_axes_last():
    middleware = settings.MIDDLEWARE
    edge = middleware.index("common.edge.ControlCharactersMiddleware")
    assert middleware.index("django.middleware.security.SecurityMiddleware") < edge
    assert middleware.index("common.headers.PrivateResponseMiddleware") < edge
    assert middleware[-1] == "axes.middleware.AxesMiddleware"


def test_an_outsider_is_refused_the_same_way(login, outsider, open_period, unit):
    assert login(outsider).get(f"/scoring/periods/{open_period.pk}/units/{unit.code}%00/").status_code == 400
