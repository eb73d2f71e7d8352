"""Every refused request answers JSON that a machine can read (issue 8).

Validation errors are a flat object of path → messages, where the path names the field as the request
spelled it: ``name``, ``[2].entries.17`` (row 2 of a list, its ``entries`` object, key ``17``). Other
refusals are ``{"detail": message, "code": code}``. A service's ``ValidationError`` becomes 400 and its
``PermissionError`` 403, in the same shapes, so a rule the browser enforces is never a 500 here.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from api.throttling import throttle_refused

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY

# A service's refusal with one of these codes says the act does not fit the rows' present state (a step out
# of order, a row changed meanwhile, no place left): 409 Conflict, ``{"detail", "code"}``, so a client can
# tell "reload and try again" from "your input is wrong" (400).
CONFLICTS = frozenset(
    {
        "answered",
        "closed",
        "decided",
        "done",
        "final",
        "incomplete",
        "late",
        "moved_on",
        "no_place",
        "out_of_order",
        "pending",
        "publicity",
        "quarters_open",
        "stale",
        "window_closed",
    }
)


def _join(prefix: str, key) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    if key in (NON_FIELD_ERRORS, NON_FIELD):
        return prefix or NON_FIELD
    return f"{prefix}.{key}" if prefix else str(key)


def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail (dicts, lists of rows, lists of messages) as path → messages."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            flat.update(flatten(value, _join(prefix, key)))
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            if detail:
                flat.setdefault(prefix or NON_FIELD, []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                flat.update(flatten(item, _join(prefix, index)))
    else:
        flat.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return flat


def django_errors(exc: DjangoValidationError, prefix: str = "") -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            _join(prefix, key): [str(m) for m in DjangoValidationError(errors).messages]
            for key, errors in exc.error_dict.items()
        }
    return {prefix or NON_FIELD: [str(m) for m in exc.messages]}


def conflict_code(exc: DjangoValidationError) -> str | None:
    if hasattr(exc, "error_dict"):
        return None
    codes = {error.code for error in exc.error_list}
    return next((code for code in sorted(codes) if code in CONFLICTS), None)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        code = conflict_code(exc)
        if code:
            return Response({"detail": " ".join(exc.messages), "code": code}, status=status.HTTP_409_CONFLICT)
        return Response(django_errors(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionError):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed) and context.get("request"):
        exc = throttle_refused(context["request"], context.get("view")) or exc
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        # DRF's own text is half translated ("请求已被限流。 Expected available in 5 seconds.").
        wait = int(response.get("Retry-After", 0) or 0)
        detail = ngettext(
            "Too many requests: try again in %(wait)d second.",
            "Too many requests: try again in %(wait)d seconds.",
            wait,
        ) % {"wait": wait}
        response.data = {"detail": detail, "code": "throttled"}
    elif isinstance(exc, exceptions.ValidationError):
        response.data = flatten(exc.detail)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "detail": response.data.get("detail", ""),
            "code": codes if isinstance(codes, str) else "error",
        }
    else:  # Http404, Django's PermissionDenied: DRF turned them into NotFound / PermissionDenied
        code = "not_found" if response.status_code == status.HTTP_404_NOT_FOUND else "permission_denied"
        response.data = {"detail": response.data.get("detail", ""), "code": code}
    return response
