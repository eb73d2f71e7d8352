"""Writing many rows' fields in one round trip."""

from collections.abc import Sequence

from django.db import connection, models


def update_rows(rows: Sequence[models.Model], names: Sequence[str]) -> None:
    """UPDATE ``names`` of every row by primary key, as one parameterised executemany.

    ``QuerySet.bulk_update`` builds a CASE expression per field and row; compiling it dominated the
    recompute of a county's sheets (measured: 48 s of 90 s under the profiler). This sends the same
    statement with one parameter set per row instead.
    """
    if not rows:
        return
    model = type(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    pk = model._meta.pk
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"
    params = [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
