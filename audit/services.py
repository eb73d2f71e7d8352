"""Writing to the audit trail: ``record`` one entry, or ``entry`` many unsaved ones and ``record_all`` them in
one statement (an import of a thousand people is a bounded number of statements, not one per person).

Every app that acts writes here, in the same transaction as the act, so an act and its entry stand or fall
together. What an entry holds: who (``by``; None for the system or an anonymous visitor), what (``action``, a
short code such as ``person_move``; the trail page shows its label), on what (``obj``: its kind and key; the
person, unit, region, period or year it belongs to, which decide who may read it), from where (``address``),
and the before and after of every changed field (``changes``: ``{field: [before, after]}``, see ``diff``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from audit.models import AuditEntry


def plain(value: Any) -> Any:
    """A value as the trail keeps it (JSON): a row by its key, anything else (a date, a Decimal) as text."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list]:
    """``{field: [before, after]}`` for every field whose value differs (a field missing on one side is None)."""
    changes = {}
    for name in {*before, *after}:
        old, new = plain(before.get(name)), plain(after.get(name))
        if old != new:
            changes[name] = [old, new]
    return dict(sorted(changes.items()))


def snapshot(obj, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` of ``obj`` (a foreign key by its key, never loading the row)."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = getattr(obj, field.attname)
    return values


def _id(value) -> Any:
    return getattr(value, "pk", value)


def entry(
    *,
    action: str,
    by=None,
    obj=None,
    object_type: str = "",
    object_id: Any = "",
    person=None,
    unit=None,
    region=None,
    period=None,
    assessment_year=None,
    result=None,
    annual=None,
    changes: Mapping[str, Any] | None = None,
    comment: str = "",
    address: str | None = None,
    from_status: str = "",
    to_status: str = "",
) -> AuditEntry:
    """An unsaved entry (see the module's docstring). ``person``, ``unit``, ``region``, … take a row or its key.
    Without ``unit``, the person's home unit is taken (from the person row, without a query)."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
    person_id = _id(person)
    unit_id = _id(unit)
    if unit_id is None and person is not None and hasattr(person, "unit_id"):
        unit_id = person.unit_id
    return AuditEntry(
        action=action,
        actor=by if getattr(by, "pk", None) else None,
        object_type=object_type,
        object_id="" if object_id in (None, "") else str(object_id),
        person_id=person_id,
        unit_id=unit_id,
        region_id=_id(region),
        period_id=_id(period),
        assessment_year_id=_id(assessment_year),
        result_id=_id(result),
        annual_id=_id(annual),
        changes=dict(changes or {}),
        comment=comment,
        address=address or None,
        from_status=from_status,
        to_status=to_status,
    )


def record(**kwargs) -> AuditEntry:
    """Write one entry now (arguments as ``entry``)."""
    made = entry(**kwargs)
    made.save()
    return made


def record_all(entries: Iterable[AuditEntry]) -> int:
    """Write many unsaved entries in as few statements as the batch size allows; returns how many."""
    entries = list(entries)
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)
