"""The API's parsers: DRF's, refusing what no request of this API holds, before a view reads it.

- A JSON body nested deeper than ``API_JSON_MAX_DEPTH``. No request nests more than a few levels (the bulk scores:
  a list of rows, each with its entries); a body of thousands of opening brackets made the decoder recurse past
  Python's limit, a RecursionError that DRF does not catch: a 500 page in HTML. Now a 400 in JSON.
- A control character other than tab, CR and LF in any string of a JSON body (keys too: ``"\\u0000"`` is valid
  JSON), or a form field, as the pages' middleware refuses them (common/edge.py): a NUL byte reached
  PostgreSQL, which refuses it with an error, not an answer.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from common.edge import CONTROL, fields, has_control, refused_message
from common.refusals import log_refusal

DEEP = "too_deep"
CONTROL_CHARACTER = "control_characters"


def problem_of(data, limit: int) -> str | None:
    """``DEEP`` if ``data`` nests objects and arrays more than ``limit`` deep (a bare object is 1),
    ``CONTROL_CHARACTER`` if a string in it (a key or a value) holds a control character, else None. Walked with a
    stack, not by recursion, so that the check itself cannot overflow."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if CONTROL.search(value):
                return CONTROL_CHARACTER
            continue
        if isinstance(value, dict):
            if has_control(key for key in value if isinstance(key, str)):
                return CONTROL_CHARACTER
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return DEEP
        stack.extend((child, depth + 1) for child in children)
    return None


def _control_refused(parser_context) -> ParseError:
    request = (parser_context or {}).get("request")
    log_refusal(getattr(request, "user", None), CONTROL_CHARACTER, f"path={getattr(request, 'path', '')[:200]!r}")
    return ParseError(refused_message(), code=CONTROL_CHARACTER)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_JSON_MAX_DEPTH
        too_deep = _("The JSON body is nested more than %(depth)s levels deep.") % {"depth": limit}
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(too_deep, code=DEEP) from None
        problem = problem_of(data, limit)
        if problem == DEEP:
            raise ParseError(too_deep, code=DEEP)
        if problem == CONTROL_CHARACTER:
            raise _control_refused(parser_context)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        if has_control(fields(parsed.data)):
            raise _control_refused(parser_context)
        return parsed


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if has_control(fields(data)):
            raise _control_refused(parser_context)
        return data
