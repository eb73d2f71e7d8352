"""Proposals beyond a section head's own section: the office proposes for the people outside every section
(the unit's leaders), the head may have the grades the scores allow filled in and one comment for all, and
the committee decides section by section."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from assessment.models import QuarterlyResult
from assessment.quarter import services
from tests import factories
from tests.assessment.conftest import fill_sheet, results


@pytest.fixture
def leaders(quarter, cast, unit, staff, during_quarter):
    """Two leaders outside every section, the first of them the office's own officer, started and scored;
    every summary in."""
    people = [
        factories.PersonFactory(unit=unit, section=None, name="局长甲", user=cast["office"]),
        factories.PersonFactory(unit=unit, section=None, name="副局长乙"),
    ]
    deputy_office = factories.user_with_role("office", unit=unit, username="office-deputy")
    services.unit_start(period=quarter, unit=unit, by=cast["office"])
    for person in people:
        fill_sheet(person.score_sheets.get(period=quarter), deputy_office, common=D("55"), monthly=D("96"))
    own = QuarterlyResult.objects.get(period=quarter, person=people[0])
    services.summaries_skip(
        results=[r for r in results(quarter) if r.pk != own.pk], by=cast["office"], reason="纸质小结已提交"
    )
    services.summaries_skip(results=[own], by=deputy_office, reason="纸质小结已提交")
    return people


def status_of(person):
    return QuarterlyResult.objects.get(person=person).status


def test_the_office_proposes_for_the_people_outside_the_sections_but_never_for_itself(
    quarter, leaders, cast, unit, client
):
    own, deputy = leaders
    url = reverse("quarter:propose_unsectioned", args=[quarter.pk, unit.code])
    client.force_login(cast["office"])
    board = client.get(reverse("quarter:board", args=[quarter.pk, unit.code])).content.decode()
    assert url in board
    page = client.get(url).content.decode()
    assert deputy.name in page
    assert own.name not in page  # recusal: one's own result is somebody else's to propose
    result = QuarterlyResult.objects.get(person=deputy)
    # A nomination needs a section's place: refused, nothing saved.
    refused = client.post(url, {f"grade-{result.pk}": "好", f"nominate-{result.pk}": "on", f"comment-{result.pk}": "x"})
    assert refused.status_code == 200
    assert "不在股室的人员由党委在单位名额内确定。" in refused.content.decode()
    assert status_of(deputy) == "scoring"
    done = client.post(url, {f"grade-{result.pk}": "较好", "comment-all": "政治坚定，履职尽责"})
    assert done.status_code == 302
    result.refresh_from_db()
    assert (result.status, result.proposed_grade, result.section_comment) == (
        "leader_review",
        "较好",
        "政治坚定，履职尽责",
    )
    # The office's own result, forged into the form, is not on the page and stays where it was.
    mine = QuarterlyResult.objects.get(person=own)
    client.post(url, {f"grade-{mine.pk}": "较好", "comment-all": "同意"})
    assert status_of(own) == "scoring"


def test_outsiders_and_section_heads_do_not_reach_the_unsectioned_proposals(quarter, leaders, cast, unit, client):
    url = reverse("quarter:propose_unsectioned", args=[quarter.pk, unit.code])
    result = QuarterlyResult.objects.get(person=leaders[1])
    for user in (cast["outsider"], cast["head"], cast["committee"], leaders[1].unit and factories.UserFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {f"grade-{result.pk}": "较好", "comment-all": "同意"}).status_code == 404
    assert status_of(leaders[1]) == "scoring"


def test_fill_pre_selects_the_allowed_grade_but_never_好_and_one_comment_serves_every_empty_row(
    quarter, leaders, cast, section, client
):
    url = reverse("quarter:propose", args=[quarter.pk, section.pk])
    client.force_login(cast["head"])
    rows = results(quarter, section)
    page = client.get(url + "?fill=1").content.decode()
    for r in rows:
        chosen = page.split(f'name="grade-{r.pk}"', 1)[1].split("</select>", 1)[0]
        expected = "较好" if r.sheet.eligible_grade == "好" else r.sheet.eligible_grade
        assert f'value="{expected}" selected' in chosen, (r.person.name, r.sheet.eligible_grade)
    # Without fill nothing is pre-selected.
    assert (
        "selected"
        not in client.get(url).content.decode().split(f'name="grade-{rows[0].pk}"', 1)[1].split("</select>")[0]
    )
    form = {f"grade-{r.pk}": "较好" for r in rows[:3]} | {f"comment-{rows[0].pk}": "表现较好", "comment-all": "同意"}
    assert client.post(url, form).status_code == 302
    comments = [QuarterlyResult.objects.get(pk=r.pk).section_comment for r in rows[:4]]
    assert comments == ["表现较好", "同意", "同意", ""]


def test_the_committee_decides_one_section_at_a_time_or_all(
    quarter, leaders, cast, unit, section, other_section, client
):
    for head, sec in ((cast["head"], section), (cast["head2"], other_section)):
        rows = results(quarter, sec)
        services.proposals_submit(
            proposals=[
                services.Proposal(
                    result=r, grade="较好" if r.sheet.eligible_grade == "好" else r.sheet.eligible_grade, comment="同意"
                )
                for r in rows
            ],
            by=head,
        )
    services.results_review_bulk(
        results=[r for r in results(quarter) if r.status == "leader_review"], by=cast["leader"]
    )
    client.force_login(cast["committee"])
    url = reverse("quarter:decide", args=[quarter.pk, unit.code])
    everyone = client.get(url).content.decode()
    assert all(
        p.name in everyone for p in (results(quarter, section)[0].person, results(quarter, other_section)[0].person)
    )
    only = client.get(url, {"section": other_section.pk}).content.decode()
    assert results(quarter, other_section)[0].person.name in only
    assert results(quarter, section)[0].person.name not in only
    second = results(quarter, other_section)
    response = client.post(f"{url}?section={other_section.pk}", {f"grade-{r.pk}": r.proposed_grade for r in second})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?section={other_section.pk}")
    assert {QuarterlyResult.objects.get(pk=r.pk).status for r in second} == {"decided"}
    assert {QuarterlyResult.objects.get(pk=r.pk).status for r in results(quarter, section)} == {"committee"}
    # An unknown section shows them all.
    assert results(quarter, section)[0].person.name in client.get(url, {"section": "nonsense"}).content.decode()


def test_the_office_moves_on_the_leaders_without_a_summary_but_not_itself(quarter, cast, unit, client, during_quarter):
    people = [
        factories.PersonFactory(unit=unit, section=None, name="局长丙", user=cast["office"]),
        factories.PersonFactory(unit=unit, section=None, name="副局长丁"),
    ]
    services.unit_start(period=quarter, unit=unit, by=cast["office"])
    url = reverse("quarter:skip_summaries_unsectioned", args=[quarter.pk, unit.code])
    for outsider in (cast["outsider"], cast["head"], cast["committee"]):
        client.force_login(outsider)
        assert client.post(url, {"reason": "纸质"}).status_code == 404
    assert {status_of(p) for p in people} == {"summary"}
    client.force_login(cast["office"])
    board = client.get(reverse("quarter:board", args=[quarter.pk, unit.code])).content.decode()
    assert url in board
    assert client.post(url, {"reason": "纸质小结已提交"}).status_code == 302
    assert [status_of(p) for p in people] == ["summary", "scoring"]  # the office's own waits for a deputy
    assert status_of(results(quarter)[0].person) == "summary"  # the sections' people are not touched


def test_a_stale_form_names_who_acted_first_and_when_and_saves_nothing(quarter, leaders, cast, section, client):
    rows = results(quarter, section)
    form = {f"grade-{r.pk}": "较好" for r in rows[:3]} | {"comment-all": "同意"}
    url = reverse("quarter:propose", args=[quarter.pk, section.pk])
    # The office proposes for the first person while the head still has the page open.
    client.force_login(cast["office"])
    assert client.post(url, {f"grade-{rows[0].pk}": "较好", "comment-all": "办公室意见"}).status_code == 302
    client.force_login(cast["head"])
    page = client.post(url, form)
    assert page.status_code == 200
    text = page.content.decode()
    assert f"{rows[0].person.name}已不在本环节：{cast['office'].display_name()}已于" in text
    assert "本次未保存任何内容" in text
    assert [status_of(r.person) for r in rows[:3]] == ["leader_review", "scoring", "scoring"]
    assert QuarterlyResult.objects.get(pk=rows[0].pk).section_comment == "办公室意见"
