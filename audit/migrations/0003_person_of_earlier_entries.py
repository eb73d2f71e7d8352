# The entries written before the trail named a person: the person of their result (quarterly or annual). Two
# statements, whatever the size of the trail; before the trigger of 0004, which would refuse them.

from django.db import migrations


def name_the_people(apps, schema_editor):
    Entry = apps.get_model("audit", "AuditEntry")
    table = schema_editor.quote_name(Entry._meta.db_table)
    for field, model in (("result_id", "QuarterlyResult"), ("annual_id", "AnnualResult")):
        source = schema_editor.quote_name(apps.get_model("assessment", model)._meta.db_table)
        schema_editor.execute(
            f"UPDATE {table} SET person_id = (SELECT r.person_id FROM {source} r WHERE r.id = {table}.{field}) "
            f"WHERE {field} IS NOT NULL AND person_id IS NULL"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0010_audit_moves_to_audit'),
        ('audit', '0002_trail_of_every_act'),
    ]

    operations = [migrations.RunPython(name_the_people, migrations.RunPython.noop)]
