"""The calendar moved from ``assessment`` to ``periods`` without losing a row: a database filled before the move
(assessment 0006, scoring 0002) is migrated forward, and every year, period and holiday is found under the new
app with the same key, every row that points at one still points at it, and the content types (with their
permissions) were handed over, not made anew. Backwards, the same rows come back under the old app."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

BEFORE = [
    ("assessment", "0006_register_export_private_file"),
    ("scoring", "0002_default_event_standards"),
    ("periods", None),
]
AFTER = [
    ("periods", "0001_initial"),
    ("scoring", "0003_period_in_periods"),
    ("assessment", "0007_calendar_in_periods"),
]


def _fill(apps) -> dict[str, int]:
    """A region's year with its four quarters, a holiday, and one row of every kind that points at them."""
    User = apps.get_model("accounts", "User")
    Region = apps.get_model("units", "Region")
    Category = apps.get_model("units", "UnitCategory")
    Unit = apps.get_model("units", "Unit")
    Person = apps.get_model("units", "Person")
    Year = apps.get_model("assessment", "AssessmentYear")
    Period = apps.get_model("assessment", "Period")
    Day = apps.get_model("assessment", "CalendarDay")
    Template = apps.get_model("scoring", "IndicatorTemplate")
    Sheet = apps.get_model("scoring", "ScoreSheet")
    Result = apps.get_model("assessment", "QuarterlyResult")
    UnitYear = apps.get_model("assessment", "UnitYear")
    Audit = apps.get_model("assessment", "AuditEntry")

    user = User.objects.create(username="before-the-move")
    region = Region.objects.create(code="MIG", name="迁移区")
    category = Category.objects.create(code="mig", name="迁移类")
    unit = Unit.objects.create(region=region, category=category, code="MIG-1", name="迁移局")
    person = Person.objects.create(
        name="甲", sex="M", birth_date=datetime.date(1980, 1, 1), id_number="110101198001010011", unit=unit
    )
    year = Year.objects.create(region=region, year=2025, default_good_ratio=Decimal("0.350"), publicity_days=7)
    periods = [
        Period.objects.create(
            assessment_year=year, quarter=q, status="closed", submit_by=datetime.date(2025, 3 * q, 10)
        )
        for q in range(1, 5)
    ]
    day = Day.objects.create(date=datetime.date(2025, 10, 1), is_workday=False, name="国庆节")
    template = Template.objects.create(category=category, year=2025, name="迁移模板")
    sheet = Sheet.objects.create(person=person, period=periods[1], unit=unit, template=template)
    result = Result.objects.create(person=person, period=periods[1], unit=unit, sheet=sheet, status="final")
    UnitYear.objects.create(unit=unit, assessment_year=year, good_ratio=Decimal("0.300"), reason="迁移前", set_by=user)
    audit = Audit.objects.create(period=periods[1], unit=unit, result=result, actor=user, action="before_move")
    return {
        "year": year.pk,
        "periods": [p.pk for p in periods],
        "day": day.pk,
        "sheet": sheet.pk,
        "result": result.pk,
        "audit": audit.pk,
    }


def _content_type_pks(apps, app_label: str) -> dict[str, int]:
    ContentType = apps.get_model("contenttypes", "ContentType")
    return dict(
        ContentType.objects.filter(
            app_label=app_label, model__in=["assessmentyear", "period", "calendarday"]
        ).values_list("model", "pk")
    )


@pytest.mark.django_db(transaction=True)
def test_a_database_filled_before_the_move_keeps_every_row_and_link(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    keys = _fill(old.apps)
    old_types = _content_type_pks(old.apps, "assessment")

    new = migrator.apply_tested_migration(AFTER)
    Year = new.apps.get_model("periods", "AssessmentYear")
    Period = new.apps.get_model("periods", "Period")
    Day = new.apps.get_model("periods", "CalendarDay")
    year = Year.objects.get(pk=keys["year"])
    assert (year.year, year.default_good_ratio, year.publicity_days, year.region.code) == (
        2025,
        Decimal("0.350"),
        7,
        "MIG",
    )
    assert (
        list(Period.objects.filter(assessment_year=year).order_by("quarter").values_list("pk", flat=True))
        == (keys["periods"])
    )
    assert Period.objects.get(pk=keys["periods"][2]).submit_by == datetime.date(2025, 9, 10)
    assert Day.objects.get(pk=keys["day"]).name == "国庆节"
    # What points at them still does, through the foreign keys the state now aims at periods.
    second = keys["periods"][1]
    assert new.apps.get_model("scoring", "ScoreSheet").objects.get(pk=keys["sheet"]).period.pk == second
    result = new.apps.get_model("assessment", "QuarterlyResult").objects.get(pk=keys["result"])
    assert (result.period.pk, result.period.assessment_year.pk) == (second, keys["year"])
    assert new.apps.get_model("assessment", "UnitYear").objects.get().assessment_year.pk == keys["year"]
    assert new.apps.get_model("assessment", "AuditEntry").objects.get(pk=keys["audit"]).period.pk == second
    # The content types moved with their models: same rows, so permissions and admin history follow.
    if old_types:
        assert _content_type_pks(new.apps, "periods") == old_types
        assert _content_type_pks(new.apps, "assessment") == {}


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_undone_without_losing_a_row(migrator):
    new = migrator.apply_initial_migration(AFTER)
    Region = new.apps.get_model("units", "Region")
    Year = new.apps.get_model("periods", "AssessmentYear")
    Period = new.apps.get_model("periods", "Period")
    year = Year.objects.create(region=Region.objects.create(code="UNDO", name="回退区"), year=2024)
    period = Period.objects.create(assessment_year=year, quarter=3)

    old = migrator.apply_tested_migration(BEFORE)
    assert old.apps.get_model("assessment", "Period").objects.get(pk=period.pk).assessment_year.pk == year.pk
