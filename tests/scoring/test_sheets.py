import datetime
import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from scoring import services
from scoring.models import MonthlyImport, MonthlyScore, ScoreChange, ScoreSheet
from tests import factories
from tests.helpers import error_codes
from units.models import Placement


def fill(sheet, items, by, **points):
    values = {items[name].pk: value for name, value in points.items()}
    return services.sheet_enter(sheet=sheet, values=values, by=by)


def fill_all(sheet, items, by, total: D):
    """Spread ``total`` over the items in proportion to their maxima (exactly, to the cent)."""
    maxima = sum(i.max_points for i in items.values())
    values, left = {}, total
    for n, item in enumerate(items.values()):
        share = left if n == len(items) - 1 else (total * item.max_points / maxima).quantize(D("0.01"))
        values[item.pk] = share
        left -= share
    return services.sheet_enter(sheet=sheet, values=values, by=by)


def monthly(person, period, *scores):
    batch = MonthlyImport.objects.create(
        period=period, file_name="t.xlsx", sha256="x", imported_by=factories.UserFactory()
    )
    for month, score in zip(period.months, scores, strict=False):
        MonthlyScore.objects.create(person=person, year=period.year, month=month, score=D(score), batch=batch)


def test_opening_a_period_gives_everyone_assessed_a_sheet_with_the_frozen_template(sheet, unit):
    assert sheet.unit == unit
    assert sheet.template.is_frozen
    assert sheet.template.category == unit.category


def test_a_sheet_without_monthly_scores_is_incomplete_not_an_error(sheet, items, officer):
    sheet = fill_all(sheet, items, officer, D("55.5"))
    assert sheet.common_points == D("55.50")
    assert sheet.monthly_average is None
    assert not sheet.is_complete
    assert sheet.eligible_grade == ""
    assert sheet.total == D("55.50")


def test_the_worked_example_on_a_real_sheet(sheet, items, officer, period, person, unit):
    from scoring.models import EventStandard

    monthly(person, period, "92", "88", "95")
    city = EventStandard.objects.get(code="city_commendation")
    province = EventStandard.objects.get(code="provincial_commendation")
    info = EventStandard.objects.get(code="information_adopted")
    criticism = EventStandard.objects.get(code="criticism_education")
    overdue = EventStandard.objects.get(code="task_overdue")
    for standard, points, matter in [
        (city, D("2"), "A"),
        (province, D("3"), "A"),
        (info, D("0.5"), "B"),
        (info, D("0.5"), "B2"),
        (info, D("0.5"), "B3"),
        (criticism, D("-1"), "C"),
        (overdue, D("-1"), "C"),
    ]:
        services.event_record(
            period=period,
            unit=unit,
            matter=matter,
            standard=standard,
            evidence="文件",
            shares=[(person, points)],
            by=officer,
            points=points,
        )
    # C: criticism −1 and overdue −1 on one matter count once → −1; add a second deduction matter D of −1.
    services.event_record(
        period=period, unit=unit, matter="D", standard=overdue, evidence="记录", shares=[(person, D("-1"))], by=officer
    )
    sheet = fill_all(sheet, items, officer, D("55.5"))
    assert (sheet.common_points, sheet.individual_points, sheet.bonus_points, sheet.deduction_points) == (
        D("55.50"),
        D("36.67"),
        D("4.50"),
        D("2.00"),
    )
    assert sheet.total == D("94.67")
    assert sheet.is_complete
    assert sheet.eligible_grade == "好"


def test_a_score_above_the_item_maximum_is_refused_and_nothing_is_saved(sheet, items, officer):
    top = items["政治品质"]
    with pytest.raises(ValidationError) as caught:
        fill(sheet, items, officer, **{"政治品质": "8", "职业道德": str(items["职业道德"].max_points + 1)})
    assert str(items["职业道德"].pk) in caught.value.message_dict
    assert not sheet.entries.exists()
    assert top.max_points == D("10")


@pytest.mark.parametrize("bad", ["-1", "abc", "1.234", "NaN"])
def test_bad_points_are_refused(sheet, items, officer, bad):
    with pytest.raises(ValidationError):
        fill(sheet, items, officer, **{"政治品质": bad})
    assert not sheet.entries.exists()


def test_an_item_of_another_template_is_refused(sheet, officer, templates):
    foreign = templates[1].items.filter(kind="common").first()
    with pytest.raises(ValidationError):
        services.sheet_enter(sheet=sheet, values={foreign.pk: "5"}, by=officer)


def test_every_change_is_kept_with_who_and_when(sheet, items, officer):
    fill(sheet, items, officer, **{"政治品质": "8"})
    fill(sheet, items, officer, **{"政治品质": "9"})
    changes = list(ScoreChange.objects.filter(sheet=sheet, field="政治品质").values_list("old", "new", "changed_by"))
    assert changes == [(None, D("8.00"), officer.pk), (D("8.00"), D("9.00"), officer.pk)]
    assert ScoreChange.objects.filter(sheet=sheet, field="总分").count() == 2


def test_clearing_an_entry_makes_the_sheet_incomplete_again(sheet, items, officer, period, person):
    monthly(person, period, "90", "90", "90")
    sheet = fill_all(sheet, items, officer, D("50"))
    assert sheet.is_complete
    sheet = fill(sheet, items, officer, **{"政治品质": ""})
    assert not sheet.is_complete


def test_an_outsider_cannot_score_the_unit(sheet, items, outsider):
    with pytest.raises(PermissionError):
        fill(sheet, items, outsider, **{"政治品质": "8"})
    assert not sheet.entries.exists()


def test_a_leader_reviews_but_does_not_enter_scores(sheet, items, leader):
    with pytest.raises(PermissionError):
        fill(sheet, items, leader, **{"政治品质": "8"})


def test_the_section_head_scores_their_own_section(sheet, items, section_head):
    sheet = fill(sheet, items, section_head, **{"政治品质": "8"})
    assert sheet.common_points == D("8.00")


def test_nobody_scores_their_own_result(period, templates, unit, section):
    officer_person = factories.PersonFactory(unit=unit, section=section)
    officer = factories.user_with_role("office", unit=unit)
    officer_person.user = officer
    officer_person.save()
    services.sheets_open(period=period, unit=unit, by=officer)
    own = officer_person.score_sheets.get()
    item = own.template.items.filter(kind="common").first()
    with pytest.raises(PermissionError):
        services.sheet_enter(sheet=own, values={item.pk: "5"}, by=officer)


def test_a_closed_period_is_read_only(sheet, items, officer, period):
    period.status = "closed"
    period.save()
    with pytest.raises(ValidationError) as caught:
        fill(sheet, items, officer, **{"政治品质": "8"})
    assert error_codes(caught.value) == {"closed"}


def test_a_stale_form_is_refused_instead_of_overwriting(sheet, items, officer):
    loaded = sheet.version
    fill(sheet, items, officer, **{"政治品质": "8"})
    with pytest.raises(ValidationError) as caught:
        services.sheet_enter(sheet=sheet, values={items["政治品质"].pk: "9"}, by=officer, expected_version=loaded)
    assert error_codes(caught.value) == {"stale"}


def test_a_seconded_person_is_assessed_by_the_receiving_unit(period, templates, unit, other_unit, person, officer):
    Placement.objects.create(person=person, kind="seconded", unit=other_unit, start_date=datetime.date(2026, 1, 1))
    assert services.sheets_open(period=period, unit=unit, by=officer) == 0
    receiving = factories.user_with_role("office", unit=other_unit)
    assert services.sheets_open(period=period, unit=other_unit, by=receiving) == 1
    assert person.score_sheets.get().unit == other_unit


def test_a_move_at_mid_quarter_goes_to_where_most_days_were_spent(period, templates, unit, other_unit, person, officer):
    Placement.objects.create(person=person, kind="borrowed", unit=other_unit, start_date=datetime.date(2026, 3, 10))
    assert services.sheets_open(period=period, unit=unit, by=officer) == 1


def test_opening_twice_creates_no_second_sheet(sheet, period, unit, officer):
    assert services.sheets_open(period=period, unit=unit, by=officer) == 0
    assert ScoreSheet.objects.filter(period=period).count() == 1


def test_an_outsider_cannot_open_sheets(period, templates, unit, outsider):
    with pytest.raises(PermissionError):
        services.sheets_open(period=period, unit=unit, by=outsider)


def test_recompute_does_a_fixed_number_of_queries(
    period, templates, unit, section, officer, django_assert_max_num_queries
):
    for _ in range(30):
        person = factories.PersonFactory(unit=unit, section=section)
        monthly(person, period, "90", "85")
    services.sheets_open(period=period, unit=unit, by=officer)
    MonthlyScore.objects.update(score=D("70"))
    sheets = ScoreSheet.objects.filter(period=period)
    with django_assert_max_num_queries(12):
        assert services.sheets_recompute(sheets=sheets) == 30
    assert sheets.aggregate(Sum("individual_points"))["individual_points__sum"] == D("28.00") * 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_saving_one_sheet_at_once_cannot_lose_a_change(region):
    """Both loaded version v; the row lock serialises the saves and the version check refuses the second."""
    unit = factories.UnitFactory(region=region)
    period = factories.assessment_period(region)
    services.templates_install_defaults(year=2026)
    person = factories.PersonFactory(unit=unit)
    officers = [factories.user_with_role("office", unit=unit) for _ in range(2)]
    services.sheets_open(period=period, unit=unit, by=officers[0])
    sheet = ScoreSheet.objects.get(person=person)
    item = sheet.template.items.filter(kind="common").first()
    barrier = threading.Barrier(2)
    outcomes = []

    def save(officer, points):
        try:
            barrier.wait()
            services.sheet_enter(sheet=sheet, values={item.pk: points}, by=officer, expected_version=sheet.version)
            outcomes.append("saved")
        except ValidationError as exc:
            outcomes.append(next(iter(error_codes(exc))))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(o, p)) for o, p in zip(officers, ("6", "7"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["saved", "stale"]
    assert ScoreChange.objects.filter(sheet=sheet, field=item.name).count() == 1
