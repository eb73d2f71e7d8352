"""Last year of the demo unit, from the roll-up to the confirmed notices, a review and an appeal, through
the pages only.

The organisation department sets 区公安分局's ratio of 优秀; the office rolls the year's quarters up; the
principal leader proposes on a phone; the committee decides on phones (the second member the first one's own
result); the office publishes and, after publicity, reports; the organisation department confirms the unit
from its queue and the notices are written; the member of staff acknowledges the notice and asks for a
review on a phone; the committee answers it on a phone; the member of staff appeals; the organisation
department decides the appeal.

Inside the test nothing is written but through the browser, logged in through the login page: no API, no
ORM write, no service, no admin, no command. The clock is moved to the day of each act. The checks read
models and selectors."""

from __future__ import annotations

import datetime
import re
from collections import Counter

import pytest

from assessment.models import AnnualAppeal, AnnualLedger, AnnualResult, QuarterlyResult
from tests.e2e.walk import Walk, at
from units.demo import OFFICE_UNIT, unit_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

Step = AnnualResult.Status
PHONE_WIDTH = 390


def statuses(year, code) -> Counter:
    return Counter(AnnualResult.objects.filter(assessment_year=year, unit__code=code).values_list("status", flat=True))


def fits(page) -> None:
    """Nothing on a phone page is wider than the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, page.url


def test_last_year_of_the_demo_unit_from_the_roll_up_to_the_appeal(
    page, phone, live_server, demo_last_year, time_machine
):
    walk = Walk(page, phone, live_server.url)
    year = demo_last_year
    code = unit_code(OFFICE_UNIT)
    assert QuarterlyResult.objects.filter(period__assessment_year=year, unit__code=code).exists()
    assert not AnnualResult.objects.filter(assessment_year=year, unit__code=code).exists()

    # 1. The organisation department sets the unit's ratio of 优秀 from its organisational performance.
    at(time_machine, datetime.date(year.year + 1, 4, 13))
    org = walk.log_in("org")
    walk.follow(org, org.get_by_role("link", name="优秀比例").first)
    org.fill("input[name=q]", "区公安分局")
    walk.follow(org, org.get_by_role("button", name="筛选"))
    row = org.locator("#ratios tbody tr").first
    row.locator("select[name^=performance-]").select_option("major")
    row.locator("input[name^=reason-]").fill("年度重大安保任务中作出重大贡献")
    walk.done(org, org.get_by_role("button", name="保存修改的行"))

    # 2. The office rolls the year's quarters up from the unit's annual page its home page leads to.
    office = walk.log_in("office")
    walk.follow(office, office.get_by_role("link", name=re.compile(f"{year.year}年度考核 · 待汇总")))
    unit_url = office.url
    walk.follow(office, office.get_by_role("button", name="汇总平时考核结果"))
    office.locator("[id^=task-] .text-success").wait_for(timeout=120_000)
    people = AnnualResult.objects.filter(assessment_year=year, unit__code=code).count()
    assert people > 100  # 区公安分局: everyone the unit assessed last year, and those it assesses once a year
    assert statuses(year, code) == Counter({Step.PROPOSAL: people})
    ledger = AnnualLedger.objects.get(assessment_year=year, unit__code=code)
    assert ledger.ratio > 0

    # 3. The principal leader proposes on a phone: the suggestions filled in, 优秀 for the candidates within
    # the places, one appraisal for all.
    leader = walk.log_in("leader", on="phone")
    walk.follow(leader, leader.get_by_role("link", name=re.compile("年度等次提名")))
    walk.follow(leader, leader.get_by_role("button", name="按建议等次填入"))
    leader.fill("#comment-all", "政治坚定，履职尽责，完成年度目标任务。")
    fits(leader)
    walk.done(leader, leader.get_by_role("button", name="报送党委（党组）审定"))
    assert statuses(year, code) == Counter({Step.COMMITTEE: people})
    ledger.refresh_from_db()
    assert 0 < ledger.proposed <= ledger.places

    # 4. The committee decides on a phone; the second member decides the first one's own result.
    at(time_machine, datetime.date(year.year + 1, 4, 15))
    for username in ("committee", "committee2"):
        committee = walk.log_in(username, on="phone")
        walk.follow(committee, committee.get_by_role("link", name=re.compile("年度等次审定")))
        fits(committee)
        walk.done(committee, committee.get_by_role("button", name="记录审定结果"))
    assert statuses(year, code) == Counter({Step.DECIDED: people})

    # 5. The office publishes; after the publicity's working days it reports.
    at(time_machine, datetime.date(year.year + 1, 4, 16))
    office = walk.log_in("office")
    walk.follow(office, office.get_by_role("link", name=re.compile(f"{year.year}年度考核 · 待公示")))
    walk.done(office, office.get_by_role("button", name="公示年度考核结果"))
    assert statuses(year, code) == Counter({Step.PUBLICITY: people})
    ends = AnnualResult.objects.filter(assessment_year=year, unit__code=code).values_list("publicity_ends", flat=True)[
        0
    ]
    at(time_machine, ends + datetime.timedelta(days=1))
    office = walk.log_in("office")
    office.goto(unit_url)
    walk.done(office, office.get_by_role("button", name="上报组织部门"))
    assert statuses(year, code) == Counter({Step.CONFIRMATION: people})

    # 6. The organisation department confirms the unit from its queue: the notices are written.
    org = walk.log_in("org")
    walk.follow(org, org.get_by_role("link", name="年度考核待核准").first)
    org.locator("#ready input[name=unit][aria-label='区公安分局']").check()
    walk.done(org, org.get_by_role("button", name="核准所勾选单位"))
    assert statuses(year, code) == Counter({Step.FINAL: people})
    finals = AnnualResult.objects.filter(assessment_year=year, unit__code=code)
    assert not finals.filter(notice="").exists()
    ledger.refresh_from_db()
    assert ledger.excellent == finals.filter(final_grade="优秀").count() <= ledger.places

    # 7. The member of staff acknowledges the notice and asks the unit for a review, on a phone.
    at(time_machine, ends + datetime.timedelta(days=3))
    staff = walk.log_in("staff", on="phone")
    walk.follow(staff, staff.get_by_role("link", name=re.compile(f"{year.year}年度考核结果通知：待签收")))
    walk.done(staff, staff.get_by_role("button", name="签收考核结果通知"))
    own = finals.get(person__user__username="staff")
    assert own.notice_acknowledged_at is not None
    staff.locator("summary", has_text="申请复核").click()
    staff.locator("textarea[name=reason]").fill("全年有两个季度为“好”等次，申请复核年度考核等次。")
    fits(staff)
    walk.done(staff, staff.get_by_role("button", name="向本单位申请复核"))
    review = AnnualAppeal.objects.get(result=own, kind=AnnualAppeal.Kind.REVIEW)
    assert review.is_open

    # 8. The committee answers the review on a phone, keeping the grade.
    at(time_machine, ends + datetime.timedelta(days=8))
    committee = walk.log_in("committee", on="phone")
    walk.follow(committee, committee.get_by_role("link", name=re.compile("年度考核复核")))
    committee.locator(f"#answer-{review.pk}").fill("经单位党委复核，年度考核等次评定符合规定，维持原等次。")
    fits(committee)
    walk.done(committee, committee.locator(f"#appeal-{review.pk}").get_by_role("button", name="记录答复"))
    review.refresh_from_db()
    assert (review.is_open, review.outcome) == (False, AnnualAppeal.Outcome.UPHELD)

    # 9. The member of staff appeals to the organisation department, on a phone.
    at(time_machine, ends + datetime.timedelta(days=10))
    staff = walk.log_in("staff", on="phone")
    walk.follow(staff, staff.get_by_role("link", name="我的年度考核").first)
    staff.locator("summary", has_text="申请复核").click()
    staff.locator("textarea[name=reason]").fill("对复核答复不服，向区委组织部申诉。")
    walk.done(staff, staff.get_by_role("button", name="向组织部门申诉"))
    appeal = AnnualAppeal.objects.get(result=own, kind=AnnualAppeal.Kind.APPEAL)

    # 10. The organisation department decides the appeal from its page.
    at(time_machine, ends + datetime.timedelta(days=20))
    org = walk.log_in("org")
    walk.follow(org, org.get_by_role("link", name="申诉").first)
    form = org.locator(f"#appeal-{appeal.pk} form")
    form.locator("textarea[name=answer]").fill("经审理，该单位优秀等次按规定比例和排名确定，维持原等次。")
    walk.done(org, form.get_by_role("button", name="作出决定"))
    appeal.refresh_from_db()
    assert (appeal.is_open, appeal.outcome) == (False, AnnualAppeal.Outcome.UPHELD)

    # Every question asked before an irreversible act was answered; the grades held the places.
    assert len(walk.asked) >= 8
    own.refresh_from_db()
    assert own.status == Step.FINAL
    assert Counter(finals.values_list("final_grade", flat=True))["优秀"] == ledger.excellent
