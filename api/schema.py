"""Additions to the generated OpenAPI schema."""

from __future__ import annotations

from django.utils.translation import gettext as _

ERROR = "Error"


def add_error_responses(result, generator, request, public):
    """Describe the refusals every operation may give (the shapes of ``api.exceptions``), so that a client
    and the contract tests know them: 400 where input is read, 401 everywhere, 403 on writes, 404 wherever
    a path names a row or a list is paged; 409 on writes."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR] = {
        "type": "object",
        "description": _(
            "A refusal: either detail and code, or an object of field path → messages, where the path names "
            "the field as the request spelled it (e.g. [2].entries.17). A refused import adds errors, its first "
            "problems (IMPORT_ERRORS_SHOWN), errors_total, how many it has, and errors_not_shown, how many more "
            "there are."
        ),
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "row": {"type": "integer", "description": _("Row as Excel numbers it; 0 for the whole file.")},
                        "column": {"type": "string", "description": _("Column letter and header; empty for a row.")},
                        "message": {"type": "string"},
                    },
                    "required": ["row", "column", "message"],
                },
            },
            "errors_total": {"type": "integer", "description": _("How many problems the refused file has.")},
            "errors_not_shown": {"type": "integer", "description": _("How many of them errors does not list.")},
        },
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    }
    body = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR}"}}}
    texts = {
        "400": _("Invalid input: an object of field path → messages."),
        "401": _("Not authenticated, or the token is invalid or revoked."),
        "403": _("Your roles do not allow this act."),
        "404": _("Not found, or outside what your roles cover."),
        "409": _(
            "The act does not fit the present state (a step out of order, a row changed meanwhile, no place "
            "left): detail says what, code names it (e.g. out_of_order, stale, no_place)."
        ),
    }
    places = {
        "id": _("Id of the row."),
        "period_pk": _("Period id."),
        "section_pk": _("Section id."),
        "code": _("Unit code."),
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", ()):
                if parameter.get("in") == "path" and not parameter.get("description"):
                    parameter["description"] = places.get(parameter["name"], "")
            codes = ["401"]
            if operation.get("parameters") or "requestBody" in operation:
                codes.append("400")
            if method != "get":
                codes.extend(["403", "409"])
            names = {parameter.get("name") for parameter in operation.get("parameters", ())}
            if "{" in path or "page" in names:  # a row outside the caller's scope, or a page past the end
                codes.append("404")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": texts[code], "content": body})
    return result


# Strings without a control character other than tab, LF and CR: what common.edge and api.parsers accept.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


def _free_strings(node) -> None:
    """Give every free-text string schema under ``node`` the pattern (not those with a format, choices or a
    pattern of their own)."""
    stack = [node]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if value.get("type") == "string" and not {"enum", "format", "pattern"} & set(value):
                value["pattern"] = NO_CONTROL_CHARACTERS
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def forbid_control_characters(result, generator, request, public):
    """Say in the schema what the API refuses: a control character other than tab, LF and CR in a path, a query
    parameter or a request body (400, code control_characters). Response schemas are left as they are."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST: the bodies' own components
            _free_strings(component)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                _free_strings(parameter.get("schema", {}))
            _free_strings(operation.get("requestBody", {}))
    return result
