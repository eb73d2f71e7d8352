"""The demo county, seeded once for the module (the tests run inside it, each rolled back)."""

import datetime
import io
from collections import Counter
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from openpyxl import load_workbook

from accounts.models import User
from assessment.models import AnnualResult, QuarterlyResult
from periods.models import Period
from scoring.models import MonthlyScore, ScoreSheet
from units.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, IDENTITY_YEAR
from units.models import Person, Placement, RoleAssignment, Section, Unit
from units.permissions import Action, scope_for
from units.selectors import people_visible_to, units_visible_to


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def _snapshot():
    return {
        model.__name__: sorted(model.objects.values_list(*fields))
        for model, fields in (
            (Unit, ("code", "name", "category_id", "order")),
            (Section, ("unit_id", "name", "parent_id", "order")),
            (Person, ("id_number", "name", "unit_id", "section_id", "post", "user_id")),
            (Placement, ("person_id", "kind", "unit_id", "section_id", "start_date", "end_date")),
            (RoleAssignment, ("user_id", "role", "region_id", "unit_id", "section_id")),
            (ScoreSheet, ("person_id", "period_id", "total", "eligible_grade", "version")),
            (MonthlyScore, ("person_id", "year", "month", "score")),
            (Period, ("assessment_year_id", "quarter", "status")),
            (AnnualResult, ("person_id", "assessment_year_id", "status", "final_grade", "inputs_key", "version")),
        )
    }


def test_the_demo_county_has_the_size_of_a_district(demo, db):
    # 40 units and the organisation department's group of 县管干部 (every unit's principal).
    assert Unit.objects.count() == 41
    group = Unit.objects.get(is_cadre_group=True)
    assert Person.objects.filter(managed_by="region").count() == 40
    assert not QuarterlyResult.objects.filter(person__managed_by="region").exclude(unit=group).exists()
    assert QuarterlyResult.objects.filter(unit=group).values("period").distinct().count() >= 5
    assert 140 <= Section.objects.count() <= 160
    assert Person.objects.count() == 1300
    assert set(Unit.objects.values_list("category__code", flat=True)) == {"comprehensive", "law", "mass", "window"}
    assert Section.objects.filter(parent__isnull=False).exists(), "some sections nest"
    kinds = Counter(Placement.objects.values_list("kind", flat=True))
    assert kinds["home"] == 1300
    for kind in ("seconded", "borrowed", "stationed", "training"):
        assert kinds[kind] >= 24, kind


def test_every_demo_person_passes_the_same_validation_as_a_typed_entry(demo, db):
    people = list(Person.objects.select_related("unit", "section"))
    for person in people:
        person.full_clean()
    assert len({p.sex for p in people}) == 2
    assert Counter(p.staffing_type for p in people)["borrowed_career"] > 0
    ages = [IDENTITY_YEAR - p.birth_date.year for p in people]
    assert min(ages) >= 22
    assert max(ages) <= 60


def test_every_demo_placement_passes_validation(demo, db):
    for placement in Placement.objects.select_related("person", "unit", "section").exclude(kind="home"):
        placement.full_clean()


def test_the_demo_has_last_year_and_this_year_acted_out(demo, db):
    from assessment.models import FollowUp, QuarterlyResult, ReviewRequest
    from assessment.quarter.places import unit_places

    periods = list(Period.objects.order_by("assessment_year__year", "quarter"))
    assert len(periods) >= 5, "last year's four quarters and this year's so far"
    *closed, previous, current = periods
    assert {p.status for p in closed} == {Period.Status.CLOSED}
    assert current.status == Period.Status.OPEN
    assert set(current.results.values_list("status", flat=True)) == {"summary"}
    assert set(previous.results.values_list("status", flat=True)) == {"publicity"}
    for period in closed:
        assert set(period.results.values_list("status", flat=True)) == {"final"}
    grades = Counter(QuarterlyResult.objects.filter(period__in=closed).values_list("final_grade", flat=True))
    assert grades["好"] > 0
    assert grades["较好"] > grades["好"]
    assert grades["一般"] > 0
    # the quota held in every unit and quarter
    for period in closed[-2:]:
        for unit in Unit.objects.filter(pk__in=period.results.values("unit_id"))[:10]:
            assert unit_places(period, unit).left >= 0
            assert period.results.filter(unit=unit, final_grade="好").count() <= unit_places(period, unit).places
    assert FollowUp.objects.filter(kind="reminder_talk").exists()
    assert ReviewRequest.objects.filter(result__period=previous).count() == 2
    assert ReviewRequest.objects.filter(result__period=previous, answered_at__isnull=True).count() == 1
    from assessment.models import Notification

    assert Notification.objects.filter(user__username="staff").exists()
    # one matter under a city and a provincial commendation counts once, at +3
    assert ScoreSheet.objects.filter(period=previous, bonus_points=3).exists()


def test_last_year_is_rolled_up_through_the_chain_and_a_second_roll_up_changes_nothing(demo, db):
    from assessment.models import AnnualAppeal, AnnualInput, AnnualLedger, QuarterlyResult
    from assessment.year.tasks import annual_rollup_task
    from periods.models import AssessmentYear
    from scoring.demo import system_user

    year = AssessmentYear.objects.order_by("year").first()
    results = AnnualResult.objects.filter(assessment_year=year)
    quarters = QuarterlyResult.objects.filter(period__assessment_year=year)
    # The demo unit is left before its roll-up, for the demo accounts to walk; every other unit is done.
    police = Unit.objects.get(name="区公安分局")
    assert not results.filter(unit=police).exists()
    assert quarters.filter(unit=police).exists()
    assessed = quarters.exclude(unit=police).values("person_id").distinct().count()
    assert results.count() == assessed
    assert set(results.values_list("status", flat=True)) == {"final"}
    grades = Counter(results.values_list("final_grade", flat=True))
    assert grades["优秀"] > 0
    assert grades["称职"] > grades["优秀"]
    assert results.filter(case="no_grade").exists()
    # The case not assessed (200 days of leave) fell, in the seeded sample, on the demo unit: its roll-up is
    # the walk's, so here its input is what is checked.
    assert (
        results.filter(case="not_assessed").exists()
        or AnnualInput.objects.filter(
            assessment_year=year, person__unit=police, leave_days__gt=year.leave_share * 366
        ).exists()
    )
    for ledger in AnnualLedger.objects.filter(assessment_year=year):
        assert ledger.excellent <= ledger.places, ledger.unit
    court = AnnualLedger.objects.get(assessment_year=year, unit__name="区人民法院")
    assert court.ratio == Decimal("0.300")
    assert Counter(AnnualAppeal.objects.values_list("kind", "outcome", "result__person__user__username")) == {
        ("review", "upheld", "office2"): 1,
        ("appeal", "upheld", "office2"): 1,
    }
    before = list(results.order_by("pk").values())
    unchanged = 0
    for unit in Unit.objects.filter(pk__in=results.values("unit_id")):
        again = annual_rollup_task.apply(args=(year.pk, system_user().pk, unit.pk)).get()
        assert (again["created"], again["updated"]) == (0, 0), unit
        unchanged += again["unchanged"]
    assert unchanged == assessed
    assert list(results.order_by("pk").values()) == before


def test_a_second_run_changes_nothing(demo, db):
    before = _snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert _snapshot() == before


def test_a_run_in_a_later_year_keeps_the_same_people_and_accounts(demo, db):
    people = sorted(Person.objects.values_list("id_number", "user_id"))
    accounts = sorted(User.objects.values_list("username", "password"))
    years = set(Period.objects.values_list("assessment_year__year", flat=True))
    later = datetime.date(datetime.date.today().year + 1, 1, 5)
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        call_command("seed_demo", stdout=io.StringIO())
    assert sorted(Person.objects.values_list("id_number", "user_id")) == people
    assert sorted(User.objects.values_list("username", "password")) == accounts
    assert set(Period.objects.values_list("assessment_year__year", flat=True)) == years


def test_every_demo_account_logs_in_with_the_demo_password(demo, db):
    for username in DEMO_ACCOUNTS:
        client = Client()
        assert client.login(username=username, password=DEMO_PASSWORD), username
        assert client.get("/").status_code == 200


def test_the_demo_accounts_hold_the_roles_the_readme_promises(demo, db):
    users = {u.username: u for u in User.objects.all()}
    org, office, office2 = users["org"], users["office"], users["office2"]
    assert units_visible_to(user=org).count() == 41
    office_unit = units_visible_to(user=office).get()
    assert office_unit.name == "区公安分局"
    other_unit = units_visible_to(user=office2).get()
    assert other_unit != office_unit
    assert not people_visible_to(user=office2).filter(unit=office_unit).exists()
    assert scope_for(users["committee"], Action.DECIDE).covers_unit(office_unit)
    assert scope_for(users["leader"], Action.REVIEW).covers_unit(office_unit)
    head_scope = scope_for(users["section"], Action.PROPOSE)
    assert len(head_scope.section_ids) == 3, "the brigade and its two squads"
    staff = users["staff"]
    assert list(people_visible_to(user=staff)) == [staff.person]
    assert staff.person.section_id in head_scope.section_ids
    assert not users["seed-demo"].has_usable_password()


def test_a_region_wide_monthly_file_of_1300_rows_imports(demo, db):
    from scoring.monthly import monthly_import, monthly_template

    org = User.objects.get(username="org")
    period = Period.objects.filter(status=Period.Status.OPEN).order_by("-quarter").first()
    month = period.months[-1]
    wb = load_workbook(io.BytesIO(monthly_template(period=period, month=month, by=org)))
    ws = wb.active
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=6, value=80 + r % 20)
    buffer = io.BytesIO()
    wb.save(buffer)
    batch = monthly_import(content=buffer.getvalue(), file_name="全区.xlsx", period=period, by=org)
    assert batch.rows == 1300
    assert MonthlyScore.objects.filter(year=period.year, month=month).count() == 1300


def test_a_demo_unit_runs_its_current_quarter_with_every_demo_account(demo, db):
    """区公安分局's open quarter from summaries to confirmation, each demo account acting in its role.

    Nobody acts on their own result: the demo's deputies (office-deputy, leader2, committee2) take the
    first holders' own; the 局长, a 县管干部, is not the unit's to assess at all.
    """
    import random

    from assessment.models import QuarterlyResult
    from assessment.quarter import services
    from audit.models import AuditEntry
    from scoring.demo import SEED, fill_inputs, system_user

    u = {user.username: user for user in User.objects.all()}
    u["office_b"], u["deputy"], u["committee_b"] = u["office-deputy"], u["leader2"], u["committee2"]
    police = Unit.objects.get(name="区公安分局")
    period = Period.objects.filter(status=Period.Status.OPEN).order_by("-assessment_year__year", "-quarter").first()
    mine = QuarterlyResult.objects.filter(period=period, unit=police)
    fill_inputs(period=period, today=period.end_date, actor=system_user(), rng=random.Random(SEED), scored=True)

    def own(username):
        return mine.filter(person__user=u[username])

    def other_than(actor, step):
        return list(mine.filter(status=step).exclude(person__user=actor))

    # 个人小结: two people write their own; the office moves the rest on.
    services.summary_submit(result=own("staff").get(), summary="本季度参与侦破案件5起。", by=u["staff"])
    services.summary_submit(result=own("office").get(), summary="完成季度考核组织工作。", by=u["office"])
    services.summaries_skip(results=other_than(u["office"], "summary"), by=u["office"], reason="纸质小结已提交")

    # 评分与建议: the section head for the brigade, the offices for everyone else (never their own).
    head_sections = scope_for(u["section"], Action.PROPOSE).section_ids

    def proposals(results):
        return [
            services.Proposal(
                result=r, grade="较好" if r.sheet.eligible_grade == "好" else r.sheet.eligible_grade, comment="履职尽责"
            )
            for r in results
        ]

    brigade = [r for r in other_than(u["section"], "scoring") if r.section_id in head_sections]
    services.proposals_submit(proposals=proposals(brigade), by=u["section"])
    services.proposals_submit(proposals=proposals(other_than(u["office"], "scoring")), by=u["office"])
    services.proposals_submit(proposals=proposals(mine.filter(status="scoring")), by=u["office_b"])

    # 领导审核 and 党委审定, each leader and committee member leaving their own result to the other.
    services.results_review_bulk(results=other_than(u["leader"], "leader_review"), by=u["leader"], comment="同意")
    services.results_review_bulk(results=list(mine.filter(status="leader_review")), by=u["deputy"], comment="同意")
    for member in ("committee", "committee_b"):
        verdicts = [services.Verdict(result=r, grade=r.proposed_grade) for r in other_than(u[member], "committee")]
        services.decisions_record(verdicts=verdicts, by=u[member])
    assert not mine.exclude(status="decided").exists()

    # 公示, a review request answered, report, 核准.
    services.unit_publish(period=period, unit=police, by=u["office"])
    request = services.review_request(result=own("staff").get(), reason="加分事项未计入", by=u["staff"])
    services.review_answer(request=request, answer="已核实，维持原等次", by=u["office_b"])
    ends = mine.values_list("publicity_ends", flat=True).first()
    services.unit_report(period=period, unit=police, by=u["office"], on=ends + datetime.timedelta(days=1))
    services.unit_confirm(period=period, unit=police, by=u["org"])
    assert set(mine.values_list("status", flat=True)) == {"final"}
    assert mine.count() == ScoreSheet.objects.filter(period=period, unit=police).count() > 100
    acted = set(AuditEntry.objects.filter(result__in=mine).values_list("actor__username", flat=True))
    assert acted >= {"staff", "office", "office-deputy", "section", "leader", "committee", "committee2", "org"}
    assert not mine.filter(person__user=u["leader"]).exists()


def test_every_register_of_the_demo_county_reads_back_cell_by_cell(demo, db):
    """The five registers of the demo county, exported by the organisation department and checked against
    the database: every person of the region in the results and summary registers, every ledger row in
    the quota register, every person of 区公安分局 in the two per-person registers."""
    from assessment.models import QuarterlyResult, QuotaLedger
    from assessment.registers.export import NO_SECTION, QUARTER_NAMES, REGISTER_ORDER, Request, export_register
    from assessment.registers.layout import joined

    org = User.objects.get(username="org")
    period = Period.objects.filter(status=Period.Status.CLOSED).order_by("-assessment_year__year", "-quarter").first()
    year = period.assessment_year
    police = Unit.objects.get(name="区公安分局")

    def export(kind, unit=None, quarter=None, assessment_year=year):
        out = io.BytesIO()
        done = export_register(
            request=Request(kind=kind, assessment_year=assessment_year, quarter=quarter, unit=unit), by=org, out=out
        )
        return done, out.getvalue()

    # 平时考核结果登记表: a sheet per section of every unit, each row the person's result.
    done, content = export("quarterly-results", quarter=period.quarter)
    results = QuarterlyResult.objects.filter(period=period).select_related("person", "unit", "section", "sheet")
    assert (done.units, done.rows) == (41, results.count()) == (41, 1300)
    expected = {}
    for r in results:
        key = joined(r.unit.name, r.section.name if r.section else NO_SECTION)
        expected.setdefault(key, []).append(r)
    book = load_workbook(io.BytesIO(content), read_only=True)
    assert len(book.sheetnames) == done.sheets == len(expected)
    for title in book.sheetnames:
        rows = [list(row) for row in book[title].iter_rows(values_only=True)]
        assert rows[0][0] == "平时考核结果登记表"
        assert rows[2][:4] == ["序号", "姓名", "职务", "得分"]
        mine = sorted(expected[title], key=lambda r: (r.person.post_order, r.person_id))
        body = rows[4 : 4 + len(mine)]
        for n, (row, r) in enumerate(zip(body, mine, strict=True), start=1):
            total = float(r.sheet.total) if r.sheet.is_complete else "未完成"
            assert row[:10] == [
                n, r.person.name, r.person.post or None, float(r.sheet.common_points), float(r.sheet.individual_points),
                float(r.sheet.bonus_points), float(r.sheet.deduction_points), total, r.proposed_grade or None,
                r.final_grade or None,
            ], (title, n)  # fmt: skip
        goods = sum(1 for r in mine if r.final_grade == "好")
        who = "单位领导中" if title.endswith(NO_SECTION) else "股室"
        assert rows[4 + len(mine)][0] == f"本{who}参加考核 {len(mine)} 人，确定为“好”等次 {goods} 人。"

    # 优秀等次比例使用申报表: every section's ledger and the unit total.
    done, content = export("quota-usage", quarter=period.quarter)
    book = load_workbook(io.BytesIO(content), read_only=True)
    ledgers = QuotaLedger.objects.filter(period=period).select_related("unit", "section")
    assert done.sheets == ledgers.filter(section=None).count() == 41
    for unit in Unit.objects.filter(region=year.region):
        rows = [list(row) for row in book[unit.name[:31]].iter_rows(values_only=True)]
        assert rows[0][0] == "优秀等次比例使用申报表"
        sections = sorted(
            (ledger for ledger in ledgers if ledger.unit_id == unit.pk and ledger.section_id),
            key=lambda ledger: (ledger.section.order, ledger.section_id),
        )
        for n, (row, ledger) in enumerate(zip(rows[3:], sections, strict=False), start=1):
            assert row[:10] == [
                n, ledger.section.name, ledger.participants, f"{ledger.ratio * 100:.0f}%", float(ledger.accumulated),
                ledger.places, ledger.cumulative_places, ledger.nominations, ledger.approved, float(ledger.carried),
            ], (unit.name, n)  # fmt: skip
        total = next(ledger for ledger in ledgers if ledger.unit_id == unit.pk and ledger.section_id is None)
        assert rows[3 + len(sections)][0] == "单位合计"
        assert rows[3 + len(sections)][2] == total.participants
        assert rows[3 + len(sections)][5] == total.places

    # 平时考核简明情况登记表: everyone with a confirmed quarter once, those quarters' grades in the four columns
    # (a quarter still in publicity is not on the register, as it is not in the annual roll-up).
    done, content = export("year-summary")
    final = QuarterlyResult.objects.filter(period__assessment_year=year, status=QuarterlyResult.Status.FINAL)
    assert done.rows == final.values("person_id").distinct().count() > 1000
    assert QuarterlyResult.objects.filter(period__assessment_year=year, status="publicity").exists()
    book = load_workbook(io.BytesIO(content), read_only=True)
    grades = {}
    for pid, quarter, grade in final.values_list("person_id", "period__quarter", "final_grade"):
        grades.setdefault(pid, {})[quarter] = grade or None
    names = dict(Person.objects.values_list("pk", "name"))
    seen = 0
    for title in book.sheetnames:
        rows = [list(row) for row in book[title].iter_rows(values_only=True)]
        assert rows[0][0] == "平时考核简明情况登记表"
        assert rows[3][4:8] == [QUARTER_NAMES[q] for q in range(1, 5)]
        body = [row for row in rows[4:] if isinstance(row[0], int)]
        by_name = {}
        for pid, quarters in grades.items():
            by_name.setdefault(names[pid], []).append([quarters.get(q) for q in range(1, 5)])
        for row in body:
            assert row[4:8] in by_name[row[1]], (title, row)
            assert row[8:12] == [row[4:8].count(g) for g in ("好", "较好", "一般", "较差")]
        seen += len(body)
    assert seen == done.rows

    # The per-person registers of 区公安分局: a sheet per person, each naming them and their result.
    done, content = export("quarterly-person", unit=police, quarter=period.quarter)
    mine = results.filter(unit=police).order_by(*REGISTER_ORDER)
    assert done.sheets == mine.count() > 100
    book = load_workbook(io.BytesIO(content), read_only=True)
    for ws, r in zip(book.worksheets, mine, strict=True):
        rows = [list(row) for row in ws.iter_rows(values_only=True)]
        assert rows[0][0] == "平时考核登记表"
        assert rows[2][:2] == ["姓名", r.person.name]
        assert next(row for row in rows if row[0] == "总分")[5] == float(r.sheet.total)
        assert next(row for row in rows if row[0] == "考核结果")[1] == (r.final_grade or "—")
    # 公务员年度考核登记表 of a unit whose last year is complete (the demo unit's is left before its roll-up).
    court = Unit.objects.get(name="区人民法院")
    last_year = AnnualResult.objects.filter(unit=court).order_by("assessment_year__year").first().assessment_year
    done, content = export("annual-person", unit=court, assessment_year=last_year)
    annual = AnnualResult.objects.filter(assessment_year=last_year, unit=court).order_by(*REGISTER_ORDER)
    assert done.sheets == annual.count() > 20
    book = load_workbook(io.BytesIO(content), read_only=True)
    for ws, r in zip(book.worksheets, annual, strict=True):
        rows = [list(row) for row in ws.iter_rows(values_only=True)]
        assert rows[0][0] == "公务员年度考核登记表"
        assert rows[2][:2] == ["姓名", r.person.name]
        at = next(n for n, row in enumerate(rows) if row[0] == "平时考核等次")
        assert rows[at + 1][1:5] == [g or "—" for g in r.grades_by_quarter]


def test_the_fairness_analytics_find_exactly_what_the_demo_planted(demo, db):
    """Last year: one section takes turns at 好, one head enters generous and one meagre common points, two
    units record no negative event, one unit publishes late; the analytics find exactly those."""
    from assessment.analytics import selectors
    from assessment.demo import LATE_UNIT, ROTATION_SECTION
    from periods.models import AssessmentYear
    from scoring.demo import LENIENT_HEAD, SEVERE_HEAD, SILENT_UNITS

    last = AssessmentYear.objects.order_by("year").first()
    report = selectors.compute_report(assessment_year=last)
    assert len(report.closed) == 4
    assert [(s.unit.code, s.name) for s in report.suspected] == [ROTATION_SECTION]
    directions = {User.objects.get(pk=r.user_id).username: r.direction for r in report.flagged_reviewers}
    assert directions == {LENIENT_HEAD: "lenient", SEVERE_HEAD: "severe"}
    assert sorted(s.unit.code for s in report.silent) == sorted(SILENT_UNITS)
    late = [r.unit.code for r in report.running if r.measures["deadlines"] != 1]
    assert late == [LATE_UNIT]
    assert all(r.rating is not None for r in report.running)


def test_the_seed_says_each_step_of_how_many_with_an_estimate_of_the_time_left():
    from assessment.management.commands.seed_demo import Progress

    said = []
    times = iter([2.0, 32.0, 92.0])
    progress = Progress(said.append, started=0.0, clock=lambda: next(times))
    progress("the county", 1, 11)
    progress("2025 Q1", 2, 11)
    progress("2025 Q2", 3, 11)
    assert said == [
        "  step 1 of 11: the county (2s)",
        "  step 2 of 11: 2025 Q1 (32s, about 320s left)",  # 32 s for one step, ten to go
        "  step 3 of 11: 2025 Q2 (92s, about 414s left)",  # 46 s a step, nine to go
    ]
