"""Large workbook imports in the background. A page that receives a file larger than IMPORT_BACKGROUND_BYTES
keeps it under PRIVATE_ROOT and starts a Celery task (``common.progress``: the page then polls a progress bar
that only the session which started it may see); the task runs the page's own all-or-nothing importer on the
file, reports its progress, deletes the file, and ends with what was saved or with the file's problems
(``ShownErrors``: the first IMPORT_ERRORS_SHOWN, and how many there are), which the bar then lists.

A small file is still imported within the request (``common.workbooks.run_import``): its answer is at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.progress import task_start
from common.storage import PrivateStorage
from common.workbooks import ImportRefused, import_errors, rows_read_reported

FOLDER = "imports"
STEPS = 3  # the file kept, the file read and checked, the rows saved


def in_background(upload) -> bool:
    """Whether a page imports ``upload`` in a task: larger than IMPORT_BACKGROUND_BYTES, and not so large that it
    is refused at once (``run_import`` answers that within the request)."""
    return settings.IMPORT_BACKGROUND_BYTES < upload.size <= settings.IMPORT_MAX_BYTES


def import_start(request, upload, task, *args, label: str, outcome: str) -> str:
    """Keep ``upload`` under PRIVATE_ROOT and start ``task(stored name, file name, user id, *args)`` once the
    request's transaction commits; returns the task's id for the page's progress bar. ``outcome`` is what the
    bar says once the file is saved (see ``task_start``)."""
    stored = PrivateStorage().save(f"{FOLDER}/{uuid.uuid4().hex}.xlsx", upload)
    return task_start(request, task, stored, upload.name, request.user.pk, *args, label=label, outcome=outcome)


def stored_import_run(task, stored: str, run: Callable[[bytes], dict]) -> dict:
    """Run ``run`` (an all-or-nothing importer: the outcome's counts as a dictionary) on a file kept for
    ``task``, reporting its progress, and delete the file, whatever happens. Returns the counts, or
    ``{"refused": True, "errors": [...], "errors_total": n, "errors_not_shown": m}`` for a refused file (nothing
    of it saved). Safe to run twice: once the file is gone a redelivered task finds nothing to do."""
    storage = PrivateStorage()
    if not storage.exists(stored):
        return {"gone": True}

    def progress(done: int, step: str) -> None:
        if not task.request.is_eager:
            task.update_state(state="PROGRESS", meta={"done": done, "total": STEPS, "step": step})

    try:
        progress(1, _("Reading and checking the file…"))
        with storage.open(stored, "rb") as kept:
            content = kept.read()
        with rows_read_reported(lambda rows: progress(2, _("Checking and saving %(rows)s rows…") % {"rows": rows})):
            return run(content)
    except (ImportRefused, ValidationError, PermissionError) as exc:
        return {"refused": True, **import_errors(exc).as_data()}
    finally:
        storage.delete(stored)
