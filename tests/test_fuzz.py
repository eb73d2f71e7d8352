"""No input reaches a 500: hostile values posted to every page and sent to every API operation.

The pages are found by walking the URL patterns (the admin and the API left to their own tests), each requested as
the role that works there; the API's operations are read from its OpenAPI schema, as the contract test reads them
(tests/api/test_contract.py). For each, hypothesis draws requests: a GET with the page's field names in the query
string or a POST with them in the body (the names read from the page's own HTML), each value hostile or one the
page offers, the page's period sometimes a closed one; for the API, query parameters and JSON bodies shaped by the
schema, or a body that is not the right shape at all. Hostile: huge exponents, digits of other scripts, NaN, NUL
and other control characters, very long strings, deep nesting, negative numbers, nothing, wrong types, SQL and HTML
fragments. Every answer below 500.

Besides the drawn examples, every field of every page and operation is sent each value of ``SWEEP`` (the inputs of
the issue's 500s), every page's form is posted as it stands on a closed quarter, and every operation is sent a body
nested 100,000 deep. It runs on SQLite and on PostgreSQL (CI: DATABASE_URL), derandomized, ``FUZZ_EXAMPLES`` drawn
requests per page and per operation (default 6). The sizes and the count of 5xx are printed (pytest -s).
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from urllib.parse import quote, urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assessment.models import AnnualResult, QuarterlyResult
from assessment.year import services as annual
from tests.api.conftest import rows  # noqa: F401
from tests.api.test_contract import _schema
from tests.assessment.conftest import cast, decided, during_quarter, quarter, staff  # noqa: F401
from tests.assessment.year.test_services import newcomer, people, year  # noqa: F401

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

HOSTILE_TEXT = [
    "1e308",
    "1E+400",
    "-1e-400",
    "NaN",
    "-Infinity",
    "²",
    "１２",
    "٣",
    "0x1F",
    "9" * 400,
    "-1",
    "-99999999999999999999",
    "0",
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\x85",
    "\t\r\n",
    "'; DROP TABLE units_unit; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil.example","x")',
    "../../../etc/passwd",
    "%00",
    "长" * 5000,
    "x" * 100_000,
    "2026-02-30",
    "9999-12-31",
    "true",
    "null",
    "[]",
]
TEXT = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20), st.integers(-(2**70), 2**70).map(str))
SCALAR = st.one_of(
    TEXT,
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
JSON_VALUE = st.recursive(
    SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6
)
# Bodies that are no JSON of the right shape: nested without end, not JSON, or a bare value.
RAW_BODY = st.one_of(
    st.integers(15, 5000).map(lambda n: "[" * n + "]" * n),
    st.integers(15, 5000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.sampled_from(["", "{", "nul", '{"a": NaN}', '"\\u0000"', "\x00", "[1,]"]),
    JSON_VALUE.map(json.dumps),
)

# Sent to every field of every page and operation besides the drawn examples: the inputs of the 500s.
SWEEP = ["1e308", "1E+400", "²", "１２", "a\x00b", "\x1b", "9" * 400, "-1", ""]
SWEEP_QUERY = ["1E+400", "²", "a\x00b"]  # and these in every page's query string

GENERIC_FIELDS = ["act", "decision", "event", "reason", "note", "q", "status", "page", "version", "grade", "comment"]


def _page_routes():
    """(route, URL name, converters) of every page outside the admin and the API."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace)
            else:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name or ""
                yield prefix + str(pattern.pattern), name

    for route, name in walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "^admin/", "api/")):
            continue
        yield route, name


PAGES = sorted(_page_routes())

# Who works on each page; the office of the unit everywhere else.
PAGE_ROLES = {
    "quarter:my_quarters": "p0",
    "quarter:my_quarter": "p0",
    "scoring:declare": "p0",
    "annual:mine": "p0",
    "annual:ask": "p0",
    "annual:acknowledge": "p0",
    "quarter:propose": "head",
    "scoring:event_checks": "head",
    "quarter:review": "leader",
    "quarter:decide": "committee",
    "annual:decide": "committee",
    "quarter:region_dashboard": "org",
    "quarter:region_periods": "org",
    "quarter:year_create": "org",
    "quarter:period_open": "org",
    "quarter:period_close": "org",
    "quarter:period_reopen": "org",
    "quarter:ratios": "org",
    "quarter:confirm_queue": "org",
    "annual:ratios": "org",
    "annual:confirm_queue": "org",
    "annual:appeals": "org",
    "annual:dashboard": "org",
    "annual:history": "org",
    "annual:history_template": "org",
    "locked_accounts": "org",
    "registers:centre": "org",
    "registers:start": "org",
    "analytics:weights": "org",
    "analytics:adopt": "org",
    "login": None,
}


@pytest.fixture
def world(rows, year, cast, staff, section, unit, region):  # noqa: F811
    """The API tests' unit: a quarter decided and published, a declared event, a review request, an export; and
    the year before, its quarters closed and rolled up into annual results."""
    period = rows["period"]
    users = {**cast, "p0": staff[0].user}
    result = QuarterlyResult.objects.get(pk=rows["results"])
    annual.annual_rollup(assessment_year=year, unit=unit, by=cast["office"])
    own_annual = AnnualResult.objects.get(assessment_year=year, person=staff[0])
    rows = {**rows, "annual-results": AnnualResult.objects.get(assessment_year=year, person=staff[1]).pk}
    return {
        "users": users,
        "rows": rows,
        "kwargs": {
            "period_pk": period.pk,
            "year_pk": year.pk,
            "section_pk": section.pk,
            "region_pk": region.pk,
            "code": unit.code,
            "person_pk": str(staff[1].pk),
            "user_pk": cast["head"].pk,
            "kind": "review",
            "task_id": uuid.uuid4(),
        },
        "closed_period_pk": year.periods.get(quarter=4).pk,
        "pks": {
            "people/": staff[1].pk,
            "scoring/sheets/": result.sheet_id,
            "quarter/results/": result.pk,
            "registers/exports/": rows["register-exports"],
            "annual/mine/": own_annual.pk,
        },
    }


class Answers:
    """Every answer's status, and the requests answered with a 5xx."""

    def __init__(self):
        self.count = 0
        self.errors: list[str] = []

    def record(self, response, what: str) -> None:
        self.count += 1
        if response.status_code >= 500:
            self.errors.append(f"{response.status_code} {what}")


def _client_as(user) -> Client:
    client = Client()
    client.raise_request_exception = False
    if user is not None:
        client.force_login(user)
    return client


def _page_url(route: str, world: dict, hostile: dict[str, str], *, closed: bool = False) -> str:
    """The route with its converters filled from the world, a str converter sometimes with hostile text; the
    period a closed one if ``closed``."""

    def fill(match):
        name = match.group(2)
        if name in hostile:
            return quote(hostile[name], safe="")
        if closed and name == "period_pk":
            return str(world["closed_period_pk"])
        if name == "pk":
            return str(next((pk for prefix, pk in world["pks"].items() if route.startswith(prefix)), 1))
        return str(world["kwargs"][name])

    path = re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)
    return "/" + path.lstrip("^").rstrip("$")


def _field_names(html: str) -> list[str]:
    names = set(re.findall(r'name="([^"]+)"', html)) - {"csrfmiddlewaretoken"}
    return sorted(names | set(GENERIC_FIELDS))


def _fuzz_page(route: str, name: str, world: dict, answers: Answers) -> bool:
    role = PAGE_ROLES.get(name, "office")
    user = world["users"][role] if role else None
    first = _client_as(user).get(_page_url(route, world, {}))
    answers.record(first, f"GET {route}")
    html = first.content.decode(errors="replace") if first.status_code == 200 else ""
    names = _field_names(html) if html else GENERIC_FIELDS
    defaults = dict(re.findall(r'name="([^"]+)"[^>]*?value="([^"]*)"', html))
    str_converters = [n for kind, n in re.findall(r"<(?:(\w+):)?(\w+)>", route) if kind in ("", "str")]

    @FUZZ
    @given(
        method=st.sampled_from(["POST", "POST", "GET"]),
        values=st.dictionaries(st.sampled_from(names), TEXT, max_size=len(names)),
        in_path=st.dictionaries(st.sampled_from(str_converters), TEXT, max_size=1) if str_converters else st.just({}),
        upload=st.none() | st.binary(max_size=200),
        closed=st.booleans(),
    )
    def run(method, values, in_path, upload, closed):
        client = _client_as(user)
        url = _page_url(route, world, in_path, closed=closed)
        if method == "GET":
            response = client.get(url + "?" + urlencode(values))
        else:
            data = dict(values)
            if upload is not None:
                data["file"] = SimpleUploadedFile("文件.xlsx", upload)
            response = client.post(url, data)
        answers.record(response, f"{method} {url[:120]} {str(values)[:300]!r}")

    for value in SWEEP:
        run = example(method="POST", values=dict.fromkeys(names, value), in_path={}, upload=None, closed=False)(run)
    for value in SWEEP_QUERY:
        run = example(method="GET", values=dict.fromkeys(names, value), in_path={}, upload=None, closed=False)(run)
    # Every page's form, as the page offers it, posted on a closed quarter: refused in Chinese, not a 500.
    run = example(method="POST", values=defaults, in_path={}, upload=None, closed=True)(run)
    run()
    return first.status_code < 400 or first.status_code == 405  # 405: a form that only takes a POST


def _api_operations() -> list[tuple[str, str, dict]]:
    schema = _schema()
    found = []
    for path, operations in sorted(schema["paths"].items()):
        for method, operation in sorted(operations.items()):
            found.append((method.upper(), path, operation))
    return found


API = _api_operations()
COMPONENTS = _schema()["components"]["schemas"]

# Who makes each write (the first rule that matches the method and path); the organisation department reads.
API_ROLES = [
    (r"POST /api/v1/events/declare/", "p0"),
    (r"POST /api/v1/events/\{id\}/(check|return)/", "head"),
    (r"POST /api/v1/events/", "office"),
    (r"POST /api/v1/results/\{id\}/propose/", "head"),
    (r"POST /api/v1/results/\{id\}/review/", "leader"),
    (r"POST /api/v1/results/\{id\}/(return|decide)/", "committee"),
    (r"POST /api/v1/results/", "office"),
    (r"POST /api/v1/periods/.*/(confirm|send-back)/", "org"),
    (r"POST /api/v1/periods/", "office"),
    (r"POST /api/v1/review-requests/\{id\}/", "office"),
    (r"POST /api/v1/review-requests/", "p0"),
    (r"POST /api/v1/summaries/", "p0"),
    (r"POST /api/v1/monthly-imports/", "office"),
    (r"POST /api/v1/annual-results/\{id\}/(acknowledge|appeal|review)/", "p0"),
    (r"POST /api/v1/annual-results/\{id\}/decide/", "committee"),
    (r"POST /api/v1/annual-results/", "office"),
    (r"POST /api/v1/years/.*/(confirm|send-back)/", "org"),
    (r"POST /api/v1/years/", "office"),
    (r"", "org"),
]


def _api_role(method: str, path: str) -> str:
    return next(role for pattern, role in API_ROLES if re.match(pattern, f"{method} {path}"))


def _body_properties(operation: dict) -> tuple[str, dict]:
    content = operation.get("requestBody", {}).get("content", {})
    for media_type, body in content.items():
        schema = body.get("schema", {})
        if "$ref" in schema:
            schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[1]]
        return media_type, schema.get("properties", {})
    return "", {}


def _fuzz_operation(method: str, path: str, operation: dict, world: dict, answers: Answers) -> None:
    user = world["users"][_api_role(method, path)]
    resource = path.removeprefix("/api/v1/").split("/")[0]
    own_ids = {"id": world["rows"].get(resource, 1), **world["kwargs"]}
    query_names = [p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"]
    media_type, properties = _body_properties(operation)
    names = [*sorted(properties), "unknown"]

    @FUZZ
    @given(
        query=st.dictionaries(st.sampled_from(query_names), TEXT, max_size=3) if query_names else st.just({}),
        fields=st.dictionaries(st.sampled_from(names), JSON_VALUE, max_size=len(names)),
        raw=st.none() | RAW_BODY,
        hostile_id=st.none() | st.sampled_from(["0", "99999999999999999999", "%00", "-1", "1e308", "²"]),
    )
    def run(query, fields, raw, hostile_id):
        client = _client_as(user)

        def fill(match):
            name = match.group(1)
            return hostile_id if hostile_id is not None and name in ("id", "period_pk") else str(own_ids[name])

        url = re.sub(r"\{(\w+)\}", fill, path) + ("?" + urlencode(query) if query else "")
        if method == "GET":
            response = client.get(url)
        elif media_type == "multipart/form-data":
            data = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in fields.items()}
            data["file"] = SimpleUploadedFile("文件.xlsx", (raw or "").encode())
            response = client.post(url, data)
        else:
            body = raw if raw is not None else json.dumps(fields)
            response = client.generic(method, url, body.encode(), content_type="application/json")
        answers.record(response, f"{method} {url[:120]} {str(raw if raw is not None else fields)[:300]!r}")

    for value in SWEEP:
        run = example(
            query=dict.fromkeys(query_names, value), fields=dict.fromkeys(names, value), raw=None, hostile_id=None
        )(run)
    run = example(query={}, fields={}, raw="[" * 100_000 + "]" * 100_000, hostile_id=None)(run)
    run()


def _report(what: str, operations: int, answers: Answers, started: float) -> None:
    print(
        f"\nfuzz {what}: {operations} operations × ({EXAMPLES} drawn + the sweep) examples, {answers.count} requests, "
        f"{len(answers.errors)} answered 5xx, {time.perf_counter() - started:.1f}s"
    )


def _distinct(errors: list[str]) -> str:
    """The 5xx, one line per method and path (the first body that did it), for the failure's message."""
    first: dict[str, str] = {}
    for error in errors:
        first.setdefault(" ".join(error.split(" ")[:3]), error[:200].encode("unicode_escape").decode())
    return f"{len(errors)} answered 5xx:\n" + "\n".join(sorted(first.values()))


def _half(items: list, part: int) -> list:
    return items[part::2]


@pytest.mark.parametrize("part", [0, 1])
def test_no_hostile_input_to_a_page_reaches_a_500(world, part):
    started, answers = time.perf_counter(), Answers()
    pages = _half(PAGES, part)
    reached = sum(_fuzz_page(route, name, world, answers) for route, name in pages)
    _report(f"pages (half {part + 1}, {reached} reached by their role)", len(pages), answers, started)
    assert not answers.errors, _distinct(answers.errors)


@pytest.mark.parametrize("part", [0, 1])
def test_no_hostile_input_to_an_api_operation_reaches_a_500(world, part):
    started, answers = time.perf_counter(), Answers()
    operations = _half(API, part)
    for method, path, operation in operations:
        _fuzz_operation(method, path, operation, world, answers)
    _report(f"API (half {part + 1})", len(operations), answers, started)
    assert not answers.errors, _distinct(answers.errors)


def test_the_fuzz_reaches_every_page_and_every_operation():
    """The enumerations themselves: a page or an operation missing here would go unfuzzed."""
    assert len(PAGES) > 70
    assert {"scoring:declare", "quarter:my_quarter", "quarter:propose", "annual:person_inputs"} <= {
        n for _r, n in PAGES
    }
    assert len(API) >= 66
    assert ("POST", "/api/v1/periods/{period_pk}/sections/{section_pk}/scores/") in {(m, p) for m, p, _o in API}
