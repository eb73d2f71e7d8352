"""One function says where a unit stands and what falls due next (assessment.quarter.stage.stage_of): every
step, publicity and its end, the period's own states. The board, the banner, the dashboards and the
reminders all ask it (their tests check the pages; these check the answers)."""

import datetime

import pytest

from assessment.quarter.stage import CLOSED, NOT_OPEN, NOT_STARTED, TO_REPORT, stage_of
from periods.models import Period

day = datetime.date


def period(status="open"):
    return Period(
        status=status,
        summary_due=day(2027, 3, 31),
        section_due=day(2027, 4, 3),
        leader_due=day(2027, 4, 5),
        committee_due=day(2027, 4, 7),
        submit_by=day(2027, 4, 15),
    )


@pytest.mark.parametrize(
    ("step", "due"),
    [
        ("summary", day(2027, 3, 31)),
        ("scoring", day(2027, 4, 3)),
        ("leader_review", day(2027, 4, 5)),
        ("committee", day(2027, 4, 7)),
        ("decided", day(2027, 4, 15)),
        ("confirmation", None),
    ],
)
def test_each_step_is_dated_by_its_own_deadline(step, due):
    stage = stage_of(period(), {step: 4}, today=day(2027, 3, 20))
    assert (stage.step, stage.due, stage.days_late, stage.is_late) == (step, due, 0, False)
    assert stage.days_left == ((due - day(2027, 3, 20)).days if due else None)


def test_the_earliest_waiting_step_governs_and_lateness_counts_days_past_it():
    stage = stage_of(period(), {"committee": 3, "scoring": 1, "final": 2}, today=day(2027, 4, 6))
    assert (stage.step, stage.due, stage.days_late, stage.is_late) == ("scoring", day(2027, 4, 3), 3, True)
    # A count of zero is no result at the step.
    assert stage_of(period(), {"scoring": 0, "committee": 2}, today=day(2027, 4, 6)).step == "committee"


def test_publicity_is_due_on_its_last_day_then_the_unit_is_to_report_by_the_submission_day():
    during = stage_of(period(), {"publicity": 9}, today=day(2027, 4, 12), publicity_ends=day(2027, 4, 14))
    assert (during.step, during.due, during.is_late, during.days_left) == ("publicity", day(2027, 4, 14), False, 2)
    assert str(during.label) == "公示"
    over = stage_of(period(), {"publicity": 9}, today=day(2027, 4, 15), publicity_ends=day(2027, 4, 14))
    assert (over.step, over.due, over.is_late) == (TO_REPORT, day(2027, 4, 15), False)
    late = stage_of(period(), {"publicity": 9}, today=day(2027, 4, 18), publicity_ends=day(2027, 4, 14))
    assert (late.step, late.days_late) == (TO_REPORT, 3)


def test_a_unit_not_started_is_due_with_the_summaries_and_all_final_has_no_stage():
    stage = stage_of(period(), {}, today=day(2027, 4, 2))
    assert (stage.step, stage.due, stage.days_late) == (NOT_STARTED, day(2027, 3, 31), 2)
    assert stage_of(period(), {"final": 5}, today=day(2027, 4, 2)) is None


def test_a_draft_period_is_not_open_and_a_closed_one_makes_nobody_late():
    draft = stage_of(period("draft"), {}, today=day(2027, 5, 1))
    assert (draft.step, draft.due, draft.is_late) == (NOT_OPEN, None, False)
    closed = stage_of(period("closed"), {"scoring": 1}, today=day(2027, 5, 1))
    assert (closed.step, closed.is_late) == (CLOSED, False)
    assert stage_of(period("closed"), {"final": 3}, today=day(2027, 5, 1)) is None


def test_every_stage_has_a_chinese_label():
    labels = {
        str(stage_of(period(status), steps, today=day(2027, 4, 20), publicity_ends=ends).label)
        for status, steps, ends in [
            ("draft", {}, None),
            ("open", {}, None),
            ("open", {"publicity": 1}, day(2027, 4, 14)),
            ("closed", {"scoring": 1}, None),
            ("open", {"decided": 1}, None),
            ("open", {"summary": 1}, None),
        ]
    }
    assert len(labels) == 6
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in labels), labels
