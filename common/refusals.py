"""Refusals, logged: whoever asks for what their roles do not cover is told no, and the security log
(``kaohe.security``) keeps who asked for what. Every app refuses through these, and shows a refusal
through ``refusal_messages`` and ``show_refusal``."""

from __future__ import annotations

import logging

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

security_log = logging.getLogger("kaohe.security")


def log_refusal(user, what: str, detail: str = "") -> None:
    """Refusals of another unit's data are logged with who asked and for what."""
    security_log.warning("refused user=%s action=%s %s", getattr(user, "username", "anonymous"), what, detail)


def refusal(user, what: str, detail: str, message: str) -> PermissionError:
    """A refused act, logged: ``raise refusal(...)`` in a service."""
    log_refusal(user, what, detail)
    return PermissionError(message)


def not_found(request, what: str, detail: str) -> Http404:
    """A refused read, logged. 404, not 403: another unit's data is not confirmed to exist."""
    log_refusal(request.user, what, detail)
    return Http404(_("Not found, or outside what your roles cover."))


def refusal_messages(exc: Exception) -> list[str]:
    """What a refused act says, message by message (a ValidationError's, field by field, included)."""
    return list(getattr(exc, "messages", [str(exc)]))


def show_refusal(form: forms.Form, exc: Exception) -> None:
    """Put a service's refusal on the form: each message beside its field, the rest above the form."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, problems in exc.message_dict.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
    else:
        for problem in refusal_messages(exc):
            form.add_error(None, problem)
