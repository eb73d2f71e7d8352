# The database keeps the trail append-only, whoever connects: on PostgreSQL a trigger refuses every UPDATE and
# DELETE of a row of the audit trail and of the score history (scoring.ScoreChange, scoring.MonthlyScoreChange),
# raw SQL and bulk statements included. Row-level: a statement that touches no row passes (the DELETE Django
# issues for a cascade that finds nothing), one that would change or remove a row fails whole.
#
# The one way past it is a transaction that says so: ``SET LOCAL kaohe.audit_maintenance = 'on'``, which only
# ``audit.maintenance.erase`` does (the benchmarks resetting their own runs; see there). TRUNCATE is another
# statement and not refused: it is how a test database is emptied between tests, and a role that may truncate
# may drop the table too, which no trigger prevents; keep the application's role from owning the tables in
# production (README, "Backup and restore") for that.
#
# SQLite has no such triggers worth having (no session setting to let the sanctioned path by); there the
# refusal in Python (audit.models.AppendOnlyQuerySet) stands alone.

from django.db import migrations

TABLES = ("assessment_auditentry", "scoring_scorechange", "scoring_monthlyscorechange")

FUNCTION = """
CREATE OR REPLACE FUNCTION kaohe_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('kaohe.audit_maintenance', true), '') = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION '% of % refused: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'The audit trail and the score history are never rewritten.';
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # the % in RAISE are plpgsql's, not parameters
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER kaohe_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION kaohe_append_only()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS kaohe_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS kaohe_append_only()")


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_person_of_earlier_entries'),
        ('scoring', '0004_event_check_and_evidence'),
    ]

    operations = [migrations.RunPython(create, drop)]
