"""The default catalogue of bonus and deduction standards; regions add their own in the admin."""

from decimal import Decimal

from django.db import migrations

STANDARDS = [
    ("bonus", "district_commendation", "区级表彰奖励", "1"),
    ("bonus", "city_commendation", "市级表彰奖励", "2"),
    ("bonus", "provincial_commendation", "省级表彰奖励", "3"),
    ("bonus", "national_commendation", "国家级表彰奖励", "5"),
    ("bonus", "leader_endorsement", "工作获上级领导肯定性批示", "1"),
    ("bonus", "information_adopted", "信息、经验被上级采用推广", "0.5"),
    ("deduction", "criticism_education", "批评教育", "-1"),
    ("deduction", "task_overdue", "工作任务未按时完成", "-1"),
    ("deduction", "valid_complaint", "被服务对象有效投诉", "-2"),
    ("deduction", "circulated_criticism", "通报批评", "-3"),
    ("deduction", "admonition_talk", "诫勉谈话", "-5"),
    ("veto", "political_discipline", "违反政治纪律和政治规矩", "0"),
    ("veto", "major_accident", "发生重大责任事故", "0"),
    ("veto", "disciplinary_sanction", "受到党纪政务处分", "0"),
]


def add(apps, schema_editor):
    EventStandard = apps.get_model("scoring", "EventStandard")
    for order, (kind, code, name, points) in enumerate(STANDARDS, start=1):
        EventStandard.objects.get_or_create(
            region=None, code=code, defaults={"kind": kind, "name": name, "points": Decimal(points), "order": order}
        )


def remove(apps, schema_editor):
    EventStandard = apps.get_model("scoring", "EventStandard")
    EventStandard.objects.filter(region=None, code__in=[s[1] for s in STANDARDS], events__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
