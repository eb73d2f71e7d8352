"""Input refused at the edge, before any view or query reads it.

A NUL byte in a path, a query string or a form field reached PostgreSQL, which refuses it ("A string literal
cannot contain NUL (0x00) characters"): a 500 for whatever page took it. Other control characters pass the
database but end up in stored text, registers and exports, where nobody typed them (a person's keyboard gives tab,
CR and LF, nothing else). So every request is read once here: the path, the query string and a page's form fields; a
control character other than tab, CR and LF anywhere is a 400 with a message in Chinese (JSON for the API),
logged, and the view never runs. Uploads' file names need no check: Django's parser drops their non-printable
characters.

The API's bodies (JSON, and the multipart uploads) are read by its parsers (api/parsers.py), which refuse the same
characters with the same message: reading them here would spend Django's in-memory body limit on uploads and take
the parsing away from DRF, which answers a body of the wrong kind with 415.
"""

from __future__ import annotations

import re

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from common.refusals import log_refusal

# C0 and C1 control characters and DEL, without tab (09), LF (0a) and CR (0d).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_control(values) -> bool:
    """Whether any of the strings holds a control character other than tab, CR and LF."""
    return any(CONTROL.search(value) for value in values)


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def refused_message() -> str:
    return _("The request holds a control character (such as a NUL byte); remove it and send it again.")


def fields(query) -> list[str]:
    """Every key and value of a QueryDict."""
    return [text for key, values in query.lists() for text in (key, *values)]


def control_characters_in(request) -> str:
    """Where the request carries a control character: "path", "query" or "form"; "" if nowhere."""
    if CONTROL.search(request.path_info):
        return "path"
    if has_control(fields(request.GET)):
        return "query"
    if request.method in ("GET", "HEAD", "OPTIONS") or is_api(request):
        return ""
    if (request.content_type or "") in FORMS and has_control(fields(request.POST)):
        return "form"
    return ""


class ControlCharactersMiddleware:
    """Refuse a request that carries a control character other than tab, CR and LF (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = control_characters_in(request)
        if not where:
            return self.get_response(request)
        log_refusal(getattr(request, "user", None), "control_characters", f"in={where} path={request.path[:200]!r}")
        message = refused_message()
        if is_api(request):
            return JsonResponse({"detail": message, "code": "control_characters"}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
