"""The default sanction table (domain.md §6): 诫勉 and 警告 bar 优秀 that year; 记过 and heavier give no
grade during the sanction period. Regions edit the table in the admin."""

from django.db import migrations

DEFAULTS = [
    ("诫勉", "bar_excellent"),
    ("警告", "bar_excellent"),
    ("记过", "no_grade"),
    ("记大过", "no_grade"),
    ("降级", "no_grade"),
    ("撤职", "no_grade"),
]


def add(apps, schema_editor):
    SanctionType = apps.get_model("assessment", "SanctionType")
    for order, (name, effect) in enumerate(DEFAULTS, start=1):
        SanctionType.objects.get_or_create(name=name, defaults={"effect": effect, "order": order})


def remove(apps, schema_editor):
    apps.get_model("assessment", "SanctionType").objects.filter(name__in=[n for n, _e in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0003_annual")]
    operations = [migrations.RunPython(add, remove)]
