"""Input refused at the edge, before any view or query reads it.

A NUL byte in a path, a query string or a form field reached PostgreSQL, which refuses it ("A string literal
cannot contain NUL (0x00) characters"): a 500 for whatever page took it. Other control characters pass the
database but end up in stored text, registers and exports, where nobody typed them (a person's keyboard gives tab,
CR and LF, nothing else). So every request is read once here: the path, the query string, the form fields and
file names, and a JSON body's strings; a control character other than tab, CR and LF anywhere is a 400 with a
message in Chinese (JSON for the API), logged, and the view never runs.
"""

from __future__ import annotations

import re

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from common.refusals import log_refusal

# C0 and C1 control characters and DEL, without tab (09), LF (0a) and CR (0d).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The same characters as a JSON escape (\u0000), where the backslash is not itself escaped (\\u0000 is text).
ESCAPED_CONTROL = re.compile(r"(?<!\\)(?:\\\\)*\\u00(?:0[0-8bcefBCEF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_control(values) -> bool:
    return any(CONTROL.search(value) for value in values)


def _fields(query) -> list[str]:
    """Every key and value of a QueryDict."""
    return [text for key, values in query.lists() for text in (key, *values)]


def control_characters_in(request) -> str:
    """Where the request carries a control character: "path", "query", "form", "files" or "json"; "" if nowhere."""
    if CONTROL.search(request.path_info):
        return "path"
    if _has_control(_fields(request.GET)):
        return "query"
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return ""
    content_type = request.content_type or ""
    if content_type in FORMS:
        if _has_control(_fields(request.POST)):
            return "form"
        if _has_control(list(request.FILES) + [f.name or "" for f in request.FILES.values()]):
            return "files"
    elif content_type == "application/json" or content_type.endswith("+json"):
        # A raw control character inside a JSON string is already invalid JSON (the parser answers 400); C1
        # characters are not, and every one may come escaped. The body is bounded by DATA_UPLOAD_MAX_MEMORY_SIZE.
        body = request.body.decode(request.encoding or "utf-8", errors="replace")
        if CONTROL.search(body) or ESCAPED_CONTROL.search(body):
            return "json"
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
        message = _("The request holds a control character (such as a NUL byte); remove it and send it again.")
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "control_characters"}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
