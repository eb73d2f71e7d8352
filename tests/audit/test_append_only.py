"""The audit trail and the score history are append-only: in Python for every backend, and on PostgreSQL in the
database itself (a trigger), so that neither raw SQL nor a queryset that skips the Python guard can rewrite them.
The benchmarks' reset (``audit.maintenance.erase``) is the one sanctioned way past, for its own transaction only."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, models, transaction
from django.db.models import ProtectedError

from audit.maintenance import erase
from audit.models import AppendOnly
from tests import factories

TABLES = ["AuditEntry", "ScoreChange", "MonthlyScoreChange"]
CHANGED = {"AuditEntry": {"comment": "rewritten"}, "ScoreChange": {"new": 99}, "MonthlyScoreChange": {"new": 1}}


def _queryset(row):
    return type(row).objects.filter(pk=row.pk)


@pytest.mark.parametrize("table", TABLES)
def test_a_stored_row_is_never_saved_again(stored, table):
    row = stored[table]
    with pytest.raises(AppendOnly):
        row.save()


@pytest.mark.parametrize("table", TABLES)
def test_a_stored_row_is_never_deleted(stored, table):
    with pytest.raises(AppendOnly):
        stored[table].delete()


@pytest.mark.parametrize("table", TABLES)
def test_a_queryset_update_is_refused(stored, table):
    with pytest.raises(AppendOnly):
        _queryset(stored[table]).update(**CHANGED[table])


@pytest.mark.parametrize("table", TABLES)
def test_a_queryset_delete_is_refused(stored, table):
    with pytest.raises(AppendOnly):
        _queryset(stored[table]).delete()


@pytest.mark.parametrize("table", TABLES)
def test_a_bulk_update_is_refused(stored, table):
    row = stored[table]
    for name, value in CHANGED[table].items():
        setattr(row, name, value)
    with pytest.raises(AppendOnly):
        type(row).objects.bulk_update([row], list(CHANGED[table]))


@pytest.mark.parametrize("table", ["ScoreChange", "MonthlyScoreChange"])
def test_a_related_manager_cannot_delete_either(stored, table):
    """A reverse relation's manager is built on the model's own, so it refuses too (the trail's own relations
    are all related_name='+' or read-only)."""
    row = stored[table]
    related = row.sheet.changes.all() if table == "ScoreChange" else row.batch.changes.all()
    with pytest.raises(AppendOnly):
        related.delete()


def test_the_maintenance_path_erases_and_says_why(stored, caplog):
    entry = stored["AuditEntry"]
    assert erase(_queryset(entry), why="a test") == 1
    assert not type(entry).objects.filter(pk=entry.pk).exists()
    assert "erased 1 rows of audit.AuditEntry: a test" in caplog.text


# In the database (PostgreSQL) ----------------------------------------------------------------------------------


def _refused_by_the_database(statement) -> str:
    """Run ``statement`` in a savepoint; return the database's refusal."""
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        statement()
    return str(refused.value)


def _raw(sql: str, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


@pytest.mark.postgres
@pytest.mark.parametrize("table", TABLES)
def test_the_database_refuses_a_raw_update(stored, table):
    row = stored[table]
    sql = f"UPDATE {row._meta.db_table} SET id = id WHERE id = %s"
    assert "append-only" in _refused_by_the_database(_raw(sql, [row.pk]))


@pytest.mark.postgres
@pytest.mark.parametrize("table", TABLES)
def test_the_database_refuses_a_raw_delete(stored, table):
    row = stored[table]
    assert "append-only" in _refused_by_the_database(_raw(f"DELETE FROM {row._meta.db_table} WHERE id = %s", [row.pk]))
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize("table", TABLES)
def test_the_database_refuses_an_orm_update_that_skips_the_python_guard(stored, table):
    queryset = _queryset(stored[table])
    assert "append-only" in _refused_by_the_database(lambda: models.QuerySet.update(queryset, **CHANGED[table]))


@pytest.mark.postgres
@pytest.mark.parametrize("table", TABLES)
def test_the_database_refuses_an_orm_delete_that_skips_the_python_guard(stored, table):
    row = stored[table]
    assert "append-only" in _refused_by_the_database(lambda: type(row)._base_manager.filter(pk=row.pk).delete())


@pytest.mark.postgres
@pytest.mark.parametrize("table", TABLES)
def test_the_database_refuses_a_bulk_update_that_skips_the_python_guard(stored, table):
    row = stored[table]
    for name, value in CHANGED[table].items():
        setattr(row, name, value)
    manager = type(row)._base_manager
    assert "append-only" in _refused_by_the_database(lambda: manager.bulk_update([row], list(CHANGED[table])))


@pytest.mark.postgres
def test_the_maintenance_setting_lasts_only_for_the_erase(stored):
    """``erase`` switches the trigger's exception off for its own statement: right after, in the same
    transaction, a raw delete is refused again."""
    entry, change = stored["AuditEntry"], stored["ScoreChange"]
    assert erase(_queryset(entry), why="a test") == 1
    sql = f"DELETE FROM {change._meta.db_table} WHERE id = %s"
    assert "append-only" in _refused_by_the_database(_raw(sql, [change.pk]))


@pytest.mark.postgres
def test_a_session_setting_outside_a_transaction_does_not_open_the_table(stored):
    """Only SET LOCAL inside ``erase``'s transaction counts; a stray value other than 'on' opens nothing."""
    row = stored["ScoreChange"]

    def attempt():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL kaohe.audit_maintenance = 'yes'")
            cursor.execute(f"DELETE FROM {row._meta.db_table} WHERE id = %s", [row.pk])

    assert "append-only" in _refused_by_the_database(attempt)


def test_what_the_score_history_records_is_protected_from_deletion(stored):
    """Deleting a sheet or an import with history would cascade into the history: refused before any SQL."""
    with pytest.raises(ProtectedError):
        stored["ScoreChange"].sheet.delete()
    with pytest.raises(ProtectedError):
        stored["MonthlyScoreChange"].batch.delete()


def test_deleting_a_person_without_history_still_works(unit):
    """The trigger refuses rows, not statements: the cascade's DELETE that finds no history row passes."""
    person = factories.PersonFactory(unit=unit)
    person.delete()
    assert not type(person).objects.filter(pk=person.pk).exists()
