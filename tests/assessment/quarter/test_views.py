"""The quarterly review chain in the browser: the section head proposes, the leader approves, the committee
decides and the office publishes, each through its page; outsiders see and change nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import QuarterlyResult
from assessment.quarter import services
from tests import factories
from tests.assessment.conftest import results


@pytest.fixture
def scoring(quarter, cast, staff, during_quarter):
    """Every summary in: the results wait for the section heads."""
    services.summaries_skip(results=results(quarter), by=cast["office"], reason="纸质小结已提交")
    return quarter


def statuses(period):
    return dict(QuarterlyResult.objects.filter(period=period).values_list("person__name", "status"))


def propose_form(rows, *, nominate=(), grade="较好"):
    form = {}
    for r in rows:
        form[f"grade-{r.pk}"] = "好" if r.pk in nominate else grade
        form[f"comment-{r.pk}"] = "履职尽责"
        if r.pk in nominate:
            form[f"nominate-{r.pk}"] = "on"
    return form


def test_a_section_is_proposed_approved_decided_and_published_through_the_pages(
    scoring, cast, unit, section, other_section, client
):
    period = scoring
    first, second = results(period, section), results(period, other_section)

    client.force_login(cast["head"])
    board = client.get(reverse("quarter:board", args=[period.pk, unit.code]))
    assert board.status_code == 200
    assert reverse("quarter:propose", args=[period.pk, section.pk]) in board.content.decode()
    page = client.get(reverse("quarter:propose", args=[period.pk, section.pk]))
    assert page.status_code == 200
    assert all(r.person.name in page.content.decode() for r in first)
    response = client.post(
        reverse("quarter:propose", args=[period.pk, section.pk]),
        propose_form(first, nominate={first[0].pk, first[1].pk}),
    )
    assert response.status_code == 302
    assert {statuses(period)[r.person.name] for r in first} == {"leader_review"}
    client.force_login(cast["head2"])
    client.post(reverse("quarter:propose", args=[period.pk, other_section.pk]), propose_form(second[:2]))
    assert [statuses(period)[r.person.name] for r in second] == ["leader_review", "leader_review", "scoring"]

    client.force_login(cast["leader"])
    queue = client.get(reverse("quarter:review", args=[period.pk, unit.code]))
    assert queue.status_code == 200
    ticked = [str(r.pk) for r in first + second[:2]]
    client.post(reverse("quarter:review", args=[period.pk, unit.code]), {"result": ticked, "comment": "同意"})
    assert QuarterlyResult.objects.filter(period=period, status="committee").count() == 9
    assert QuarterlyResult.objects.get(pk=first[0].pk).leader_comment == "同意"

    client.force_login(cast["committee"])
    page = client.get(reverse("quarter:decide", args=[period.pk, unit.code]))
    assert "好" in page.content.decode()
    verdicts = {f"grade-{r.pk}": "较好" for r in first[1:] + second[:2]}
    verdicts[f"grade-{first[0].pk}"] = "好"
    client.post(reverse("quarter:decide", args=[period.pk, unit.code]), verdicts)
    decided = QuarterlyResult.objects.get(pk=first[0].pk)
    assert (decided.status, decided.final_grade, decided.decision) == ("decided", "好", "approved")
    assert QuarterlyResult.objects.get(pk=first[1].pk).decision == "rejected"

    # The office publishes once every result is decided: not yet (one of the second section is left).
    client.force_login(cast["office"])
    assert (
        reverse("quarter:publish", args=[period.pk, unit.code])
        not in client.get(reverse("quarter:board", args=[period.pk, unit.code])).content.decode()
    )
    response = client.post(reverse("quarter:publish", args=[period.pk, unit.code]), follow=True)
    assert "1人的结果未审定" in response.content.decode()
    assert not QuarterlyResult.objects.filter(period=period, status="publicity").exists()

    last = second[2]
    client.force_login(cast["head2"])
    client.post(reverse("quarter:propose", args=[period.pk, other_section.pk]), propose_form([last], grade="一般"))
    client.force_login(cast["leader"])
    client.post(reverse("quarter:review", args=[period.pk, unit.code]), {"result": [str(last.pk)]})
    client.force_login(cast["committee"])
    client.post(reverse("quarter:decide", args=[period.pk, unit.code]), {f"grade-{last.pk}": "一般"})
    client.force_login(cast["office"])
    client.post(reverse("quarter:publish", args=[period.pk, unit.code]))
    assert set(statuses(period).values()) == {"publicity"}


def test_a_nomination_beyond_the_places_is_refused_with_the_reason_and_nothing_saved(scoring, cast, section, client):
    period = scoring
    first = results(period, section)
    client.force_login(cast["head"])
    before = statuses(period)
    response = client.post(
        reverse("quarter:propose", args=[period.pk, section.pk]),
        propose_form(first, nominate={first[0].pk, first[1].pk, first[2].pk}),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "本股室本季度仅剩2个“好”等次名额，不足3个。" in body
    assert "alert-danger" in body
    assert statuses(period) == before
    # What was typed stays in the form.
    assert 'value="履职尽责"' in body


def test_a_grade_above_what_the_score_allows_is_refused(scoring, cast, other_section, client):
    period = scoring
    poor = results(period, other_section)[2]  # score 一般
    client.force_login(cast["head2"])
    response = client.post(
        reverse("quarter:propose", args=[period.pk, other_section.pk]),
        {f"grade-{poor.pk}": "较好", f"comment-{poor.pk}": "x"},
    )
    assert response.status_code == 200
    assert QuarterlyResult.objects.get(pk=poor.pk).status == "scoring"


def test_a_leader_sends_a_proposal_back_with_the_reason(scoring, cast, unit, section, client):
    period = scoring
    first = results(period, section)
    services.proposals_submit(
        proposals=[services.Proposal(result=r, grade="较好", comment="好") for r in first], by=cast["head"]
    )
    client.force_login(cast["leader"])
    back = reverse("quarter:review", args=[period.pk, unit.code])
    response = client.post(
        reverse("quarter:send_back", args=[first[0].pk]), {"reason": "评鉴意见过于简单", "next": back}
    )
    assert response.url == back
    assert QuarterlyResult.objects.get(pk=first[0].pk).status == "scoring"
    # A reason too long is refused whole, never cut.
    client.post(reverse("quarter:send_back", args=[first[2].pk]), {"reason": "长" * 2001, "next": back})
    assert QuarterlyResult.objects.get(pk=first[2].pk).status == "leader_review"
    # An address elsewhere is not followed.
    response = client.post(
        reverse("quarter:send_back", args=[first[1].pk]), {"reason": "再议", "next": "https://evil.example/"}
    )
    assert response.url == reverse("quarter:board", args=[period.pk, unit.code])


def test_outsiders_see_and_change_nothing(scoring, cast, unit, section, client):
    period = scoring
    first = results(period, section)
    before = statuses(period)
    for user in (cast["outsider"], factories.user_with_role("office", unit=factories.UnitFactory(), username="far")):
        client.force_login(user)
        for url in (
            reverse("quarter:board", args=[period.pk, unit.code]),
            reverse("quarter:propose", args=[period.pk, section.pk]),
            reverse("quarter:review", args=[period.pk, unit.code]),
            reverse("quarter:decide", args=[period.pk, unit.code]),
        ):
            response = client.get(url)
            assert response.status_code == 404, url
            assert first[0].person.name not in response.content.decode()
            assert client.post(url, propose_form(first)).status_code == 404, url
        assert client.post(reverse("quarter:publish", args=[period.pk, unit.code])).status_code == 404
        assert client.post(reverse("quarter:send_back", args=[first[0].pk]), {"reason": "x"}).status_code == 404
    # Inside the unit, each role keeps to its own step.
    client.force_login(cast["head2"])
    assert client.get(reverse("quarter:propose", args=[period.pk, section.pk])).status_code == 404
    client.force_login(cast["leader"])
    assert client.get(reverse("quarter:decide", args=[period.pk, unit.code])).status_code == 404
    assert client.post(reverse("quarter:publish", args=[period.pk, unit.code])).status_code == 403
    assert statuses(period) == before


def test_nobody_is_offered_their_own_result(scoring, cast, staff, section, unit, client):
    period = scoring
    own = staff[0]  # has a login
    factories.user_with_role("section_head", section=section, username=own.user.username)
    client.force_login(own.user)
    page = client.get(reverse("quarter:propose", args=[period.pk, section.pk])).content.decode()
    assert staff[1].name in page
    assert f"grade-{QuarterlyResult.objects.get(period=period, person=own).pk}" not in page


@pytest.mark.parametrize("page", ["propose", "review", "decide", "board"])
def test_the_queries_of_a_chain_page_do_not_grow_with_its_rows(
    quarter, cast, unit, section, client, page, during_quarter
):
    period = quarter

    def advance(people):
        """Take these results to the step the page lists."""
        pks = [r.pk for r in people]

        def fresh():
            return list(QuarterlyResult.objects.filter(pk__in=pks).select_related("sheet").order_by("pk"))

        services.summaries_skip(results=fresh(), by=cast["office"], reason="纸质小结已提交")
        if page in ("review", "decide"):
            proposals = [services.Proposal(result=r, grade="较好", comment="好") for r in fresh()]
            services.proposals_submit(proposals=proposals, by=cast["head"])
        if page == "decide":
            services.results_review_bulk(results=fresh(), by=cast["leader"])

    users = {"propose": cast["head"], "review": cast["leader"], "decide": cast["committee"], "board": cast["office"]}
    urls = {
        "propose": reverse("quarter:propose", args=[period.pk, section.pk]),
        "review": reverse("quarter:review", args=[period.pk, unit.code]),
        "decide": reverse("quarter:decide", args=[period.pk, unit.code]),
        "board": reverse("quarter:board", args=[period.pk, unit.code]),
    }
    client.force_login(users[page])

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(urls[page])
        assert response.status_code == 200
        return len(queries), response.content.decode().count("<tr")

    people = results(period, section)
    advance(people[:2])
    client.get(urls[page])  # warm the process's one-off caches (content types), which a real server keeps
    few, rows_few = count()
    advance(people[2:])
    many, rows_many = count()
    assert many == few
    if page != "board":
        assert rows_many - rows_few == 5  # the page did list the five more


def test_the_office_moves_a_sections_missing_summaries_on_with_the_reason(quarter, cast, unit, section, client):
    url = reverse("quarter:skip_summaries", args=[quarter.pk, section.pk])
    board = reverse("quarter:board", args=[quarter.pk, unit.code])
    client.force_login(cast["office"])
    assert url in client.get(board).content.decode()

    client.post(url, {"reason": ""})
    assert {r.status for r in results(quarter, section)} == {QuarterlyResult.Status.SUMMARY}
    client.post(url, {"reason": "x" * 2001})
    assert {r.status for r in results(quarter, section)} == {QuarterlyResult.Status.SUMMARY}

    response = client.post(url, {"reason": "纸质小结已交"}, follow=True)
    assert response.redirect_chain[-1][0] == board
    assert {r.status for r in results(quarter, section)} == {QuarterlyResult.Status.SCORING}
    assert {r.status for r in results(quarter) if r.section_id != section.pk} == {QuarterlyResult.Status.SUMMARY}
    assert url not in client.get(board).content.decode()


def test_only_the_office_moves_summaries_on(quarter, cast, section, client):
    url = reverse("quarter:skip_summaries", args=[quarter.pk, section.pk])
    for who in ("outsider", "head", "leader", "committee", "org"):
        client.force_login(cast[who])
        assert client.post(url, {"reason": "纸质"}).status_code == 404, who
    assert {r.status for r in results(quarter, section)} == {QuarterlyResult.Status.SUMMARY}


def test_the_section_head_is_told_who_is_missing_from_the_proposal_page_and_why(quarter, cast, section, client):
    client.force_login(cast["head"])
    page = client.get(reverse("quarter:propose", args=[quarter.pk, section.pk])).content.decode()
    waiting = len(results(quarter, section))
    assert f"本股室有{waiting}人尚未提交季度小结" in page


def test_the_home_page_takes_each_role_straight_to_its_current_quarter(
    quarter, cast, unit, section, client, during_quarter
):
    propose = reverse("quarter:propose", args=[quarter.pk, section.pk])
    client.force_login(cast["head"])
    assert propose not in client.get(reverse("home")).content.decode()  # nobody waits for a proposal yet
    services.summaries_skip(results=results(quarter), by=cast["office"], reason="纸质小结已提交")
    expected = {
        "head": [
            reverse("quarter:board", args=[quarter.pk, unit.code]),
            reverse("scoring:grid", args=[quarter.pk, section.pk]),
            reverse("quarter:propose", args=[quarter.pk, section.pk]),
            reverse("scoring:event_checks", args=[quarter.pk]),
        ],
        "leader": [reverse("quarter:review", args=[quarter.pk, unit.code])],
        "committee": [reverse("quarter:decide", args=[quarter.pk, unit.code])],
        "office": [reverse("quarter:board", args=[quarter.pk, unit.code])],
    }
    for who, links in expected.items():
        client.force_login(cast[who])
        page = client.get(reverse("home")).content.decode()
        for link in links:
            assert f'href="{link}"' in page, (who, link)
    client.force_login(cast["outsider"])
    assert reverse("quarter:board", args=[quarter.pk, unit.code]) not in client.get(reverse("home")).content.decode()


def test_the_monthly_import_is_offered_only_to_those_who_import(quarter, cast, client):
    url = reverse("scoring:monthly", args=[quarter.pk])
    for who, offered in (("office", True), ("org", True), ("head", False), ("leader", False), ("committee", False)):
        client.force_login(cast[who])
        assert (url in client.get(reverse("scoring:period_list")).content.decode()) is offered, who
