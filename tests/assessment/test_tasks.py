import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.urls import reverse

from assessment.models import Notification, QuotaLedger
from assessment.quarter import reminders, services
from assessment.quarter.tasks import allocate_places_task, send_reminders_task
from config.celery import app
from tests import factories


def test_the_allocation_task_writes_every_ledger_and_is_idempotent(quarter, unit, section, other_section):
    first = allocate_places_task.delay(quarter.pk).get()
    assert first == {"units": 1, "sections": 2, "unit_places": 4}
    rows = {row.section_id: row for row in QuotaLedger.objects.filter(period=quarter)}
    assert set(rows) == {section.pk, other_section.pk, None}
    assert (rows[section.pk].participants, rows[section.pk].places) == (7, 2)
    assert (rows[other_section.pk].participants, rows[other_section.pk].places) == (3, 1)
    before = list(QuotaLedger.objects.values_list("pk", "places", "carried"))
    assert allocate_places_task.delay(quarter.pk).get() == first
    assert list(QuotaLedger.objects.values_list("pk", "places", "carried")) == before


def test_reminders_go_to_whoever_acts_next_once(quarter, cast, staff, section):
    quarter.summary_due = datetime.date(2026, 3, 31)
    quarter.section_due = datetime.date(2026, 4, 3)
    quarter.save()
    own = staff[0].results.get()
    created = reminders.send_reminders(today=datetime.date(2026, 3, 29))
    assert created == 1
    note = Notification.objects.get()
    assert note.user == own.person.user
    assert note.url == reverse("quarter:my_quarter", args=[quarter.pk])  # where the summary is written
    assert reminders.send_reminders(today=datetime.date(2026, 3, 29)) == 0
    for result in own.period.results.all():
        services.summary_skip(result=result, by=cast["office"], reason="x")
    reminders.send_reminders(today=datetime.date(2026, 4, 1))
    heads = Notification.objects.filter(user__in=[cast["head"], cast["head2"]])
    assert heads.count() == 2
    assert {n.url for n in heads} == {reverse("quarter:board", args=[quarter.pk, section.unit.code])}


def test_the_office_is_told_which_sections_are_late(quarter, cast, staff, section):
    quarter.summary_due = datetime.date(2026, 3, 31)
    quarter.save()
    reminders.send_reminders(today=datetime.date(2026, 4, 2))
    note = Notification.objects.get(user=cast["office"])
    assert section.name in note.message
    assert note.url == reverse("quarter:board", args=[quarter.pk, section.unit.code])


def test_the_beat_schedule_runs_the_reminders_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == send_reminders_task.name


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_quarter_is_allocated_by_a_worker_through_redis(region):
    """The same task through a real worker and broker, progress reported."""
    from decimal import Decimal as D

    from assessment.models import QuarterlyResult
    from tests import factories
    from tests.assessment.conftest import fill_sheet

    unit = factories.UnitFactory(region=region)
    section = factories.SectionFactory(unit=unit)
    org = factories.user_with_role("org", region=region)
    office = factories.user_with_role("office", unit=unit)
    head = factories.user_with_role("section_head", section=section)
    leader = factories.user_with_role("principal", unit=unit)
    committee = factories.user_with_role("committee", unit=unit)
    for _ in range(5):
        factories.PersonFactory(unit=unit, section=section)
    period = services.year_create(region=region, year=2026, by=org).periods.get(quarter=1)
    services.period_open(period=period, by=org)
    services.unit_start(period=period, unit=unit, by=office)
    for n, result in enumerate(QuarterlyResult.objects.filter(period=period).order_by("pk")):
        fill_sheet(result.sheet, office, common=D("58") - n, monthly=D("96"))
        services.summary_skip(result=result, by=office, reason="x")
        nominate = n < 2
        services.result_propose(
            result=result, grade="好" if nominate else "较好", nominate=nominate, comment="x", by=head
        )
        services.result_review(result=result, by=leader)
        services.committee_decide(result=result, grade="好" if nominate else "较好", by=committee)

    app.conf.update(task_always_eager=False, broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = allocate_places_task.delay(period.pk)
            assert result.get(timeout=30) == {"units": 1, "sections": 1, "unit_places": 2}
    finally:
        app.conf.update(task_always_eager=True, broker_url="memory://", result_backend="cache+memory://")
    row = QuotaLedger.objects.get(period=period, section=section)
    assert (row.participants, row.places, row.nominations, row.approved) == (5, 2, 2, 2)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_year_is_rolled_up_by_a_worker_through_redis_and_a_second_run_changes_nothing(region):
    from assessment.models import AnnualResult
    from assessment.year.tasks import annual_rollup_task
    from tests import factories
    from tests.assessment.year.test_services import close_year

    unit = factories.UnitFactory(region=region)
    org = factories.user_with_role("org", region=region)
    office = factories.user_with_role("office", unit=unit)
    people = [factories.PersonFactory(unit=unit) for _ in range(4)]
    grades = [["好"] * 4, ["好", "好", "较好", "较好"], ["一般", "一般", "一般", "较好"], ["较差"] * 4]
    year = close_year(region, unit, org, office, dict(zip(people, grades, strict=True)))
    app.conf.update(task_always_eager=False, broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            first = annual_rollup_task.delay(year.pk, org.pk).get(timeout=30)
            second = annual_rollup_task.delay(year.pk, org.pk).get(timeout=30)
    finally:
        app.conf.update(task_always_eager=True, broker_url="memory://", result_backend="cache+memory://")
    assert (first["units"], first["created"]) == (1, 4)
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 4)
    suggested = list(AnnualResult.objects.order_by("person_id").values_list("suggested_grade", "excellent_eligible"))
    assert suggested == [("称职", True), ("称职", True), ("基本称职", False), ("不称职", False)]


def test_the_home_page_shows_unread_reminders(quarter, cast, staff, client):
    from django.urls import reverse

    from tests.factories import PASSWORD

    quarter.summary_due = datetime.date(2026, 3, 31)
    quarter.save()
    reminders.send_reminders(today=datetime.date(2026, 3, 29))
    user = staff[0].user
    client.login(username=user.username, password=PASSWORD)
    html = client.get(reverse("home")).content.decode()
    assert "提醒" in html
    assert "个人小结" in html


def test_an_office_that_has_not_started_its_unit_is_told_it_is_late_as_the_dashboard_says(quarter, cast, region):
    from assessment.dashboards.selectors import region_dashboard

    other = factories.UnitFactory(region=region, name="未启动单位")
    office = factories.user_with_role("office", unit=other, username="office-late")
    quarter.summary_due = datetime.date(2026, 3, 31)
    quarter.save()
    today = datetime.date(2026, 4, 2)
    reminders.send_reminders(today=today)
    assert "未启动单位" in Notification.objects.get(user=office).message
    row = next(r for r in region_dashboard(user=cast["org"], period=quarter, today=today).units if r.unit == other)
    assert row.deadline.is_late
