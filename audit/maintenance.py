"""The one sanctioned way to remove rows from an append-only table (the audit trail, the score history).

Who needs it: the benchmarks (``bench_annual``, ``bench_annual_chain``) run the same year's work again and again on
the demo data, and between runs they remove what the last run wrote, its audit entries included. Nothing that
serves a user calls this; a trail that the application could prune in normal work would not be a trail.

How it gets past the guards: in Python it calls the plain ``QuerySet.delete`` instead of the refusing one; on
PostgreSQL it says so to the trigger for its own transaction only (``SET LOCAL kaohe.audit_maintenance``,
switched off again before it returns, since a SET LOCAL inside a savepoint outlives the savepoint). Every use is
written to the security log with its reason.
"""

from __future__ import annotations

import logging

from django.db import connections, models, transaction

security_log = logging.getLogger("kaohe.security")


def _maintenance(using: str, on: bool) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('kaohe.audit_maintenance', %s, true)", ["on" if on else "off"])


def erase(queryset: models.QuerySet, *, why: str) -> int:
    """Delete the rows of ``queryset`` from an append-only table; returns how many went."""
    using = queryset.db
    with transaction.atomic(using=using):
        _maintenance(using, True)
        count, _by_model = models.QuerySet.delete(queryset)
        # Only on success: a failed delete rolls the savepoint back, and the setting with it.
        _maintenance(using, False)
    security_log.warning("erased %d rows of %s: %s", count, queryset.model._meta.label, why)
    return count
