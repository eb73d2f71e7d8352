"""The trail moved from ``assessment`` to ``audit`` without losing a row: a database filled before the move
(assessment 0009) is migrated forward, and its entries are found under the new app with the same keys and
links, now naming the person of their result; on PostgreSQL the trigger stands over them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

BEFORE = [("assessment", "0009_grade_history"), ("audit", None)]
AFTER = [("assessment", "0010_audit_moves_to_audit"), ("audit", "0004_append_only_in_the_database")]


def _fill(apps) -> dict[str, int]:
    User = apps.get_model("accounts", "User")
    Region = apps.get_model("units", "Region")
    Category = apps.get_model("units", "UnitCategory")
    Unit = apps.get_model("units", "Unit")
    Person = apps.get_model("units", "Person")
    Year = apps.get_model("periods", "AssessmentYear")
    Period = apps.get_model("periods", "Period")
    Template = apps.get_model("scoring", "IndicatorTemplate")
    Sheet = apps.get_model("scoring", "ScoreSheet")
    Result = apps.get_model("assessment", "QuarterlyResult")
    Audit = apps.get_model("assessment", "AuditEntry")

    user = User.objects.create(username="before-the-trail-moved")
    region = Region.objects.create(code="MOV", name="迁移区")
    category = Category.objects.create(code="mov", name="迁移类")
    unit = Unit.objects.create(region=region, category=category, code="MOV-1", name="迁移局")
    person = Person.objects.create(
        name="乙", sex="F", birth_date=datetime.date(1985, 1, 1), id_number="110101198501010026", unit=unit
    )
    year = Year.objects.create(region=region, year=2025, default_good_ratio=Decimal("0.350"), publicity_days=7)
    period = Period.objects.create(
        assessment_year=year, quarter=2, status="closed", submit_by=datetime.date(2025, 7, 10)
    )
    template = Template.objects.create(category=category, year=2025, name="迁移模板")
    sheet = Sheet.objects.create(person=person, period=period, unit=unit, template=template)
    result = Result.objects.create(person=person, period=period, unit=unit, sheet=sheet, status="final")
    with_result = Audit.objects.create(period=period, unit=unit, result=result, actor=user, action="committee_decide")
    without = Audit.objects.create(period=period, unit=unit, actor=user, action="unit_report")
    return {"person": person.pk, "period": period.pk, "with_result": with_result.pk, "without": without.pk}


@pytest.mark.django_db(transaction=True)
def test_the_trail_moves_to_its_app_with_every_entry_and_names_their_people(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    keys = _fill(old.apps)

    new = migrator.apply_tested_migration(AFTER)
    Entry = new.apps.get_model("audit", "AuditEntry")
    assert Entry._meta.db_table == "assessment_auditentry"
    moved = Entry.objects.get(pk=keys["with_result"])
    assert (moved.action, moved.period_id, moved.person_id) == ("committee_decide", keys["period"], keys["person"])
    assert Entry.objects.get(pk=keys["without"]).person_id is None
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM assessment_auditentry WHERE id = %s", [keys["without"]])
