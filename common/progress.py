"""Long work in the background with a progress bar: a page starts a Celery task with `task_start`, then shows
`templates/includes/task_progress.html`, which polls `task_progress` (htmx) until the task ends and then
says what it did.

Who may watch: only the user who started the task. Its id is random and is remembered in that user's
session, so another user (or another session) gets a 404 for it, like any other object outside their scope.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass

from celery.result import AsyncResult
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext as _

from common.refusals import not_found
from common.workbooks import ShownErrors

SESSION_KEY = "tasks"
KEEP = 20  # the newest tasks a session remembers


@dataclass(frozen=True)
class Status:
    task_id: str
    label: str
    state: str  # PENDING, STARTED, PROGRESS, SUCCESS or FAILURE (Celery's states)
    done: int
    total: int
    outcome: str = ""
    step: str = ""  # what the task is doing, when it says so rather than counting units
    errors: ShownErrors | None = None  # an import task's refused file: its problems, nothing saved

    @property
    def finished(self) -> bool:
        return self.state in ("SUCCESS", "FAILURE", "REVOKED")

    @property
    def percent(self) -> int:
        if self.state == "SUCCESS":
            return 100
        return (100 * self.done // self.total) if self.total else 0


def task_start(request, task, *args, label: str, outcome: str = "") -> str:
    """Queue ``task(*args)`` once the request's transaction commits and remember it in the session; returns
    its id. ``outcome`` is what the bar says once the task has succeeded: an untranslated message (marked
    with ``gettext_noop`` beside the task) filled in from the dictionary the task returns. Without a broker
    the task runs at once, in-process, and its result is kept all the same (CELERY_TASK_STORE_EAGER_RESULT)."""
    task_id = str(uuid.uuid4())
    started = dict(list(request.session.get(SESSION_KEY, {}).items())[-(KEEP - 1) :])
    started[task_id] = {"name": task.name, "label": str(label), "outcome": outcome}
    request.session[SESSION_KEY] = started

    def queue() -> None:
        if task.app.conf.task_always_eager:
            # In-process (no broker): keep a failure as the task's result, as a worker does, for the progress
            # bar to report, instead of raising it into the request that has already been answered.
            task.apply(args=args, task_id=task_id, throw=False)
        else:
            task.apply_async(args=args, task_id=task_id)

    transaction.on_commit(queue, robust=True)
    return task_id


def task_status(request, task_id: str) -> Status | None:
    """The status of a task this session started, or None."""
    known = request.session.get(SESSION_KEY, {}).get(str(task_id))
    if known is None:
        return None
    result = AsyncResult(str(task_id))
    state, info = result.state, result.info
    done = total = 0
    outcome = step = ""
    errors = None
    if state == "PROGRESS" and isinstance(info, dict):
        done, total = int(info.get("done", 0)), int(info.get("total", 0))
        step = str(info.get("step", ""))
    elif state == "SUCCESS" and isinstance(info, dict) and info.get("refused"):
        errors = ShownErrors.from_data(info)
    elif state == "SUCCESS":
        outcome = _("Done.")
        if known.get("outcome") and isinstance(info, dict):
            # An import task redelivered after its file was imported (and deleted) returns no counts: "Done."
            with contextlib.suppress(KeyError, TypeError):
                outcome = _(known["outcome"]) % info
    elif state == "FAILURE":
        messages = getattr(info, "messages", None)
        outcome = (
            " ".join(messages)
            if messages
            else _("The task stopped with an error. Try again, or tell the system administrator.")
        )
    return Status(
        task_id=str(task_id),
        label=known["label"],
        state=state,
        done=done,
        total=total,
        outcome=outcome,
        step=step,
        errors=errors,
    )


@login_required
def task_progress(request, task_id):
    status = task_status(request, task_id)
    if status is None:
        raise not_found(request, "task_progress", f"task={task_id}")
    return render(request, "includes/task_progress.html", {"task": status})


def shown_task(request) -> Status | None:
    """The task a page was sent back to with ``?task=<id>`` after starting it, if this session started it."""
    task_id = request.GET.get("task", "")
    try:
        uuid.UUID(task_id)
    except ValueError:
        return None
    return task_status(request, task_id)
