"""Lists that scale: search, filters, sortable columns and pagination for any list page, from the query
string, in the database (never by loading the whole list).

A view declares what its list may be searched, filtered and sorted by; ``listing`` reads ``q``, the filters,
``sort`` (a column name, ``-`` in front for descending) and ``page`` from the request, ignores anything not
declared (an unknown column or filter value never errors: it is simply not applied), and returns the page
with what the template needs to draw the controls (``templates/includes/list_controls.html``,
``templates/includes/pagination.html``, and ``sort_links`` for the column headers).

Search matches a name (contains) or, for a term of exactly four characters (digits, the last one may be X),
the last four of the ID number: the part the pages show anyway (units.validators.mask_id_number). A longer
tail is not matched, or the search would reveal a masked number one digit at a time."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

ID_TAIL = re.compile(r"^\d{3}[\dXx]$")
DEFAULT_PER_PAGE = 50


@dataclass(frozen=True)
class Filter:
    """A filter offered to the user: the query-string name, the field it restricts, its label and its
    choices as (value, label); the value "none" matches an empty field (e.g. people outside the sections)."""

    name: str
    field: str
    label: str
    choices: list[tuple[str, str]]
    # Per value, the condition it stands for, where a value is not one field's (a consequence that
    # depends on the history); ``field`` is then unused.
    where: Mapping[str, Q] | None = None


@dataclass
class Listing:
    page: Page
    q: str
    sort: str
    filters: list[tuple[Filter, str]]  # each filter with the value chosen ("" for all)
    params: dict[str, str] = field(default_factory=dict)  # what the query string chose, for the links
    columns: tuple[str, ...] = ()  # the sortable columns

    @property
    def rows(self):
        return self.page.object_list

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def sort_links(self) -> dict[str, dict[str, str]]:
        """Per sortable column, the link that sorts by it (ascending first, then the other way) and the arrow
        showing the current order."""
        links = {}
        for column in self.columns:
            if self.sort == column:
                links[column] = {"url": self.query(sort=f"-{column}", page=None), "arrow": " ▲"}
            elif self.sort == f"-{column}":
                links[column] = {"url": self.query(sort=column, page=None), "arrow": " ▼"}
            else:
                links[column] = {"url": self.query(sort=column, page=None), "arrow": ""}
        return links

    def query(self, **changes) -> str:
        """The query string of this list with ``changes`` applied (a value of None drops the key)."""
        params = {k: v for k, v in (self.params | changes).items() if v not in (None, "")}
        return "?" + urlencode(params) if params else "?"


def listing(
    request,
    queryset: QuerySet,
    *,
    search: tuple[str, ...] = ("person__name",),
    id_field: str | None = "person__id_number",
    filters: tuple[Filter, ...] = (),
    sorts: dict[str, tuple[str, ...]] | None = None,
    default_sort: tuple[str, ...] = ("pk",),
    per_page: int = DEFAULT_PER_PAGE,
) -> Listing:
    """One page of ``queryset`` as the request's query string asks (see the module's docstring)."""
    get = request.GET
    params: dict[str, str] = {}
    q = get.get("q", "").strip()[:50]
    if q:
        params["q"] = q
        match = Q()
        for name in search:
            match |= Q(**{f"{name}__icontains": q})
        if id_field and ID_TAIL.match(q):
            match |= Q(**{f"{id_field}__endswith": q.upper()})
        queryset = queryset.filter(match)
    chosen = []
    for option in filters:
        value = get.get(option.name, "")
        if value not in {v for v, _label in option.choices}:
            value = ""
        if value and option.where is not None:
            queryset = queryset.filter(option.where[value])
        elif value == "none":
            queryset = queryset.filter(**{f"{option.field}__isnull": True})
        elif value:
            queryset = queryset.filter(**{option.field: value})
        if value:
            params[option.name] = value
        chosen.append((option, value))
    sorts = sorts or {}
    sort = get.get("sort", "")
    column = sort.removeprefix("-")
    if column in sorts:
        order = sorts[column]
        if sort.startswith("-"):
            order = tuple(o[1:] if o.startswith("-") else f"-{o}" for o in order)
        queryset = queryset.order_by(*order, *default_sort)
        params["sort"] = sort
    else:
        sort = ""
        queryset = queryset.order_by(*default_sort)
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(get.get("page"))
    return Listing(page=page, q=q, sort=sort, filters=chosen, params=params, columns=tuple(sorts))
