"""Workbook imports on the pages: a refused file lists its first problems and how many more there are; a large
file is kept under PRIVATE_ROOT and imported by a Celery task (``common.imports``) whose progress bar, and then
outcome or problems, only the session that started it sees; the kept file is deleted once read."""

import io
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from assessment.models import GradeHistory
from assessment.quarter import services as quarter_services
from common.imports import stored_import_run
from common.storage import PrivateStorage
from common.workbooks import NOT_XLSX, ImportRefused, RowError, read_checked_table
from scoring.models import MonthlyImport, MonthlyScore
from scoring.monthly import HEADERS
from tests import factories
from tests.helpers import xlsx
from tests.scoring.test_monthly_import import row


def upload(content: bytes, name: str = "一月.xlsx") -> io.BytesIO:
    buffer = io.BytesIO(content)
    buffer.name = name
    return buffer


def kept_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.fixture
def private(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def background(settings, private):
    """Every upload is imported in the background."""
    settings.IMPORT_BACKGROUND_BYTES = 0
    return private


def started(client, url, content, capture) -> str:
    """Post ``content`` to the import page ``url``; the id of the task the page started."""
    with capture(execute=True):
        response = client.post(url, {"file": upload(content)})
    assert response.status_code == 302
    assert response["Location"].startswith(url + "?task=")
    return response["Location"].split("?task=")[1]


def test_a_page_lists_the_first_problems_of_99_000_bad_rows_and_how_many_more(login, officer, sheet, period, settings):
    settings.IMPORT_BACKGROUND_BYTES = 10 * 1024 * 1024  # within the request, as before the cap
    # Every row is wrong three ways (no person number, a month outside the quarter, no score): 297,000 problems,
    # which the page listed whole before the cap.
    content = xlsx([list(HEADERS)] + [["x", "", "", "", 13, "abc"] for _ in range(99_000)])
    response = login(officer).post(reverse("scoring:monthly", args=[period.pk]), {"file": upload(content)})
    assert response.status_code == 200
    errors = response.context["errors"]
    assert (len(errors), errors.total, errors.hidden) == (200, 297_000, 296_800)
    html = response.content.decode()
    assert "共 297000 处问题" in html
    assert "另有 296800 条错误未显示" in html
    assert html.count("<tr><td>") == 200
    assert len(response.content) < 100_000
    assert not MonthlyScore.objects.exists()
    assert not MonthlyImport.objects.exists()


def test_a_large_valid_file_is_imported_in_the_background_and_its_file_deleted(
    login, officer, sheet, period, person, background, django_capture_on_commit_callbacks
):
    client = login(officer)
    url = reverse("scoring:monthly", args=[period.pk])
    task = started(client, url, xlsx([list(HEADERS), row(person, 1, 88)]), django_capture_on_commit_callbacks)
    assert MonthlyScore.objects.get(person=person, month=1).score == 88
    assert kept_files(background) == []
    page = client.get(f"{url}?task={task}")
    assert page.context["task"].state == "SUCCESS"
    assert "已导入 1 行：新增 1 条，替换 0 条。" in page.content.decode()
    progress = client.get(reverse("task_progress", args=[task]))
    assert progress.status_code == 200
    assert "已导入 1 行" in progress.content.decode()


def test_a_large_file_with_errors_saves_nothing_and_its_bar_lists_the_first_problems(
    login, officer, sheet, period, person, background, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_ERRORS_SHOWN = 2
    client = login(officer)
    url = reverse("scoring:monthly", args=[period.pk])
    content = xlsx([list(HEADERS), row(person, 1, 88), row(person, 7, 80), row(person, 2, "x"), row(person, 3, 101)])
    task = started(client, url, content, django_capture_on_commit_callbacks)
    assert not MonthlyScore.objects.exists()
    assert not MonthlyImport.objects.exists()
    assert kept_files(background) == []
    html = client.get(reverse("task_progress", args=[task])).content.decode()
    assert "共 3 处问题，未保存任何数据" in html
    assert html.count("<tr><td>") == 2
    assert "另有 1 条错误未显示" in html
    assert "E（月份）" in html  # each problem names its row, column and reason


def test_only_the_session_that_started_an_import_sees_its_progress(
    login, officer, outsider, unit, sheet, period, person, background, client, django_capture_on_commit_callbacks
):
    url = reverse("scoring:monthly", args=[period.pk])
    task = started(login(officer), url, xlsx([list(HEADERS), row(person, 1, 88)]), django_capture_on_commit_callbacks)
    colleague = factories.user_with_role("office", unit=unit, username="colleague")
    for other in (outsider, colleague):
        client.logout()
        client.force_login(other)
        assert client.get(reverse("task_progress", args=[task])).status_code == 404
        page = client.get(f"{url}?task={task}")
        assert page.status_code == 200
        assert page.context["task"] is None
        assert "已导入 1 行" not in page.content.decode()


def test_the_outsider_is_refused_the_import_page_of_another_region(login, period, background, region):
    stranger = factories.user_with_role("office", unit=factories.UnitFactory(), username="stranger")
    client = login(stranger)
    url = reverse("scoring:monthly", args=[period.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"file": upload(xlsx([list(HEADERS)]))}).status_code == 404
    assert kept_files(background) == []


def test_a_file_too_large_to_import_is_refused_at_once_and_never_kept(
    login, officer, sheet, period, background, settings
):
    settings.IMPORT_MAX_BYTES = 100
    response = login(officer).post(reverse("scoring:monthly", args=[period.pk]), {"file": upload(b"x" * 200)})
    assert response.status_code == 200
    assert "超过了导入文件的上限" in response.content.decode()
    assert kept_files(background) == []


def test_the_grade_history_page_imports_a_large_file_in_the_background(
    client, cast, region, staff, background, django_capture_on_commit_callbacks
):
    client.force_login(cast["org"])
    url = reverse("annual:history", args=[region.pk])
    content = xlsx(
        [
            ["身份证号", "姓名", "单位", "年度", "季度", "等次"],
            [staff[0].id_number, staff[0].name, "", 2023, None, "优秀"],
        ]
    )
    task = started(client, url, content, django_capture_on_commit_callbacks)
    assert GradeHistory.objects.filter(person=staff[0], year=2023).exists()
    assert "已导入年度等次 1 个" in client.get(f"{url}?task={task}").content.decode()
    broken = started(client, url, b"PK\x03\x04 not a workbook", django_capture_on_commit_callbacks)
    assert "不是 Excel 工作簿" in client.get(f"{url}?task={broken}").content.decode()
    assert kept_files(background) == []


def test_the_annual_inputs_page_imports_a_large_file_in_the_background(
    client, cast, region, staff, background, django_capture_on_commit_callbacks
):
    year = quarter_services.year_create(region=region, year=2025, by=cast["org"])
    client.force_login(cast["office"])
    url = reverse("annual:inputs", args=[year.pk])
    task = started(client, url, b"PK\x03\x04 not a workbook", django_capture_on_commit_callbacks)
    status = client.get(f"{url}?task={task}").context["task"]
    assert [e.message for e in status.errors] == [_(NOT_XLSX)]
    assert kept_files(background) == []


class FakeTask:
    """A task as a worker runs it (not eagerly): it records the progress it reports."""

    def __init__(self):
        self.request = SimpleNamespace(is_eager=False)
        self.states = []

    def update_state(self, *, state, meta):
        self.states.append((state, meta))


def test_the_task_reports_its_progress_reading_then_checking_the_rows(private):
    storage = PrivateStorage()
    stored = storage.save("imports/a.xlsx", io.BytesIO(xlsx([["a"], [1], [2]])))
    task = FakeTask()

    def run(content: bytes) -> dict:
        read_checked_table(content, required=("a",))
        return {"rows": 2}

    assert stored_import_run(task, stored, run) == {"rows": 2}
    assert [(meta["done"], meta["total"]) for _state, meta in task.states] == [(1, 3), (2, 3)]
    assert "2" in task.states[1][1]["step"]
    assert not storage.exists(stored)


def test_a_redelivered_import_task_finds_its_file_gone_and_changes_nothing(private):
    storage = PrivateStorage()
    stored = storage.save("imports/b.xlsx", io.BytesIO(b"content"))
    runs = []
    assert stored_import_run(FakeTask(), stored, lambda content: runs.append(content) or {"rows": 1}) == {"rows": 1}
    assert stored_import_run(FakeTask(), stored, lambda content: runs.append(content) or {"rows": 1}) == {"gone": True}
    assert runs == [b"content"]


def test_a_refused_file_in_a_task_returns_its_capped_problems_and_is_deleted(private, settings):
    settings.IMPORT_ERRORS_SHOWN = 1
    storage = PrivateStorage()
    stored = storage.save("imports/c.xlsx", io.BytesIO(b"content"))

    def run(content: bytes) -> dict:
        raise ImportRefused([RowError(2, "A（人员编号）", "bad"), RowError(3, "A（人员编号）", "bad")])

    outcome = stored_import_run(FakeTask(), stored, run)
    assert outcome == {
        "refused": True,
        "errors": [{"row": 2, "column": "A（人员编号）", "message": "bad"}],
        "errors_total": 2,
        "errors_not_shown": 1,
    }
    assert not storage.exists(stored)


def test_a_request_too_large_to_read_is_told_so_in_words_not_a_bare_400(login, officer, sheet, period, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = login(officer).post(reverse("scoring:monthly", args=[period.pk]), {"file": "x" * 2000})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请求内容超过" in html
    assert "multipart/form-data" in html
