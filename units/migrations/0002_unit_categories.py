"""The four unit categories of seed 003 §三(二); more can be added in the admin."""

from django.db import migrations

CATEGORIES = [
    ("comprehensive", "综合管理", 10),
    ("law", "政法司法", 20),
    ("mass", "群团组织", 30),
    ("window", "窗口服务", 40),
]


def add_categories(apps, schema_editor):
    UnitCategory = apps.get_model("units", "UnitCategory")
    for code, name, order in CATEGORIES:
        UnitCategory.objects.get_or_create(code=code, defaults={"name": name, "order": order})


def remove_categories(apps, schema_editor):
    UnitCategory = apps.get_model("units", "UnitCategory")
    UnitCategory.objects.filter(code__in=[c[0] for c in CATEGORIES], units__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("units", "0001_initial")]
    operations = [migrations.RunPython(add_categories, remove_categories)]
