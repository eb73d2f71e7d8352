"""The API's JSON parser: DRF's, refusing a body nested deeper than ``API_JSON_MAX_DEPTH``.

No request of this API nests more than a few levels (the bulk scores: a list of rows, each with its entries). A
body of thousands of opening brackets made the decoder recurse past Python's limit: a RecursionError, which DRF
does not catch, and a 500 page in HTML. Here it is a 400 in JSON, as is anything nested deeper than the setting,
however it parsed."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def deeper_than(data, limit: int) -> bool:
    """Whether ``data`` nests objects and arrays more than ``limit`` deep (a bare object is 1). Walked with a
    stack, not by recursion, so that the check itself cannot overflow."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_JSON_MAX_DEPTH
        too_deep = _("The JSON body is nested more than %(depth)s levels deep.") % {"depth": limit}
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(too_deep) from None
        if deeper_than(data, limit):
            raise ParseError(too_deep)
        return data
