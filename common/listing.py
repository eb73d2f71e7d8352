"""Lists that scale: search, filters, sortable columns and pagination for any list page, from the query
string, in the database (never by loading the whole list).

A view declares what its list may be searched, filtered and sorted by; ``listing`` reads ``q``, the filters,
``sort`` (a column name, ``-`` in front for descending) and ``page`` from the request, ignores anything not
declared (an unknown column or filter value never errors: it is simply not applied), and returns the page
with what the template needs to draw the controls (``templates/includes/list_controls.html``,
``templates/includes/pagination.html``, and ``sort_links`` for the column headers).

A list of dated rows may also offer a date range (``dates``: the field, a date or time): ``from`` and ``to``
(YYYY-MM-DD, both days included; a malformed date is ignored like any undeclared value). A time field is
compared with the local day's bounds, so the database's index on it serves the range.

Search matches a name (contains) or, for a term of exactly four characters (digits, the last one may be X),
the last four of the ID number: the part the pages show anyway (units.validators.mask_id_number). A longer
tail is not matched, or the search would reveal a masked number one digit at a time."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import DateTimeField, Q, QuerySet
from django.utils import timezone

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
    dated: bool = False  # whether the list offers a date range
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

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
    dates: str | None = None,
) -> Listing:
    """One page of ``queryset`` as the request's query string asks (see the module's docstring)."""
    found, params, dated = filtered(
        request,
        queryset,
        search=search,
        id_field=id_field,
        filters=filters,
        sorts=sorts,
        default_sort=default_sort,
        dates=dates,
    )
    paginator = Paginator(found.queryset, per_page)
    page = paginator.get_page(request.GET.get("page"))
    return Listing(
        page=page,
        q=found.q,
        sort=found.sort,
        filters=found.chosen,
        params=params,
        columns=tuple(sorts or {}),
        dated=dates is not None,
        date_from=dated[0],
        date_to=dated[1],
    )


@dataclass
class Found:
    queryset: QuerySet
    q: str
    sort: str
    chosen: list[tuple[Filter, str]]


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _date_range(queryset: QuerySet, field: str, start, end) -> QuerySet:
    if isinstance(queryset.model._meta.get_field(field), DateTimeField):
        if start:
            queryset = queryset.filter(**{f"{field}__gte": _midnight(start)})
        if end:
            queryset = queryset.filter(**{f"{field}__lt": _midnight(end + datetime.timedelta(days=1))})
        return queryset
    if start:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{field}__lte": end})
    return queryset


def filtered(
    request,
    queryset: QuerySet,
    *,
    search: tuple[str, ...] = ("person__name",),
    id_field: str | None = "person__id_number",
    filters: tuple[Filter, ...] = (),
    sorts: dict[str, tuple[str, ...]] | None = None,
    default_sort: tuple[str, ...] = ("pk",),
    dates: str | None = None,
) -> tuple[Found, dict[str, str], tuple[datetime.date | None, datetime.date | None]]:
    """The whole of ``queryset`` as the query string searches, filters and sorts it, unpaged: for a list's
    page (``listing``) and for its export, which must hold the same rows."""
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
    start = end = None
    if dates is not None:
        start, end = _day(get.get("from", "")), _day(get.get("to", ""))
        queryset = _date_range(queryset, dates, start, end)
        params.update({k: v.isoformat() for k, v in (("from", start), ("to", end)) if v})
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
    return Found(queryset=queryset, q=q, sort=sort, chosen=chosen), params, (start, end)
