"""The quarterly review chain in the browser: a unit's quarter at a glance, the section head's proposals,
the leaders' approval queue, the committee's decisions, publication, and the office's answers to review
requests (复核). Thin: each page checks the scope, reads one selector, and posts to one bulk service (all or
nothing), showing what it refused and why."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.models import GRADE_ORDER, Grade, QuarterlyResult
from assessment.quarter import places, selectors, services
from assessment.quarter.forms import TEXT_LIMIT
from assessment.quarter.tasks import ALLOCATED, allocate_places_task
from common.listing import Filter, listing
from common.params import is_number
from common.progress import shown_task, task_start
from common.refusals import log_refusal, not_found, refusal_messages
from periods.selectors import periods_visible_to
from units.models import Section
from units.permissions import Action, scope_for
from units.selectors import sections_visible_to, units_visible_to

Step = QuarterlyResult.Status


def _too_long() -> str:
    return _("A comment or reason may be at most %(n)s characters; nothing was saved.") % {"n": TEXT_LIMIT}


def _period(request, pk: int):
    period = periods_visible_to(user=request.user).filter(pk=pk).first()
    if period is None:
        raise not_found(request, "quarter_period", f"period={pk}")
    return period


def _unit(request, period, code: str, action: Action = Action.VIEW):
    unit = (
        units_visible_to(user=request.user, action=action)
        .filter(code=code, region_id=period.assessment_year.region_id)
        .first()
    )
    if unit is None:
        raise not_found(request, "quarter_unit", f"unit={code} action={action}")
    return unit


def _submit(request, chosen: list, act, *, empty: str, done: str) -> list[str] | None:
    """Run one all-or-nothing bulk act on the rows chosen: None once done (and said so), or the problems
    to show beside the form, nothing saved."""
    if not chosen:
        return [empty]
    try:
        count = act(chosen)
    except (ValidationError, PermissionError) as exc:
        return refusal_messages(exc)
    messages.success(request, done % {"n": count})
    return None


def _stale(request, period, posted, live) -> list[str]:
    """Rows of a posted form that are no longer in the user's queue because someone acted first: who did
    what, and when. The form is then refused whole, so nothing is saved on a picture of the past."""
    gone = {int(pk) for pk in posted if is_number(pk)} - set(live)
    problems = []
    for last in selectors.last_acts(user=request.user, period=period, pks=gone):
        entry, result = last.entry, last.result
        problems.append(
            _(
                "%(name)s is no longer at this step: %(who)s acted on %(when)s (now: %(step)s). "
                "Reload the page; nothing was saved."
            )
            % {
                "name": result.person.name,
                "who": entry.actor.display_name() if entry and entry.actor else "—",
                "when": timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M") if entry else "—",
                "step": result.get_status_display(),
            }
        )
    return problems


def _grades_allowed(result: QuarterlyResult) -> list[str]:
    """The grades the score allows, best first (a grade may be lowered, never raised)."""
    sheet = result.sheet
    if not sheet.is_complete:
        return []
    if sheet.eligible_grade == Grade.POOR:
        return [Grade.POOR]
    return [g for g in GRADE_ORDER if GRADE_ORDER.index(g) >= GRADE_ORDER.index(sheet.eligible_grade)]


def _closed(request, period, what: str, back: str):
    """A closed quarter is read-only: the act is refused, said why, and logged."""
    log_refusal(request.user, what, f"period={period.pk} closed")
    messages.error(
        request, _("%(period)s is closed and read-only: its places are not recomputed.") % {"period": period}
    )
    return redirect(back)


QUEUE_PAGE = 1000  # a unit's queue on one page, so "all at once" is all (a unit is rarely larger)


def _queue_listing(request, period, unit, step: str, action: Action):
    """A queue of the chain (results at ``step`` the user acts on) as a list: searched by name or ID tail,
    filtered by section and proposed grade, sorted by name, section or total."""
    sections = [(str(pk), name) for pk, name in Section.objects.filter(unit=unit).values_list("pk", "name")]
    return listing(
        request,
        selectors.queue_for(user=request.user, period=period, unit=unit, step=step, action=action),
        filters=(
            Filter("section", "section_id", _("section"), [*sections, ("none", _("outside the sections"))]),
            Filter("grade", "proposed_grade", _("proposed grade"), [(g, g) for g in GRADE_ORDER]),
        ),
        sorts={"name": ("person__name",), "section": ("section__order",), "total": ("-sheet__total",)},
        default_sort=selectors.CHAIN_ORDER,
        per_page=QUEUE_PAGE,
    )


@login_required
def board(request, period_pk: int, code: str):
    """A unit's quarter, the office's dashboard: per section, how many results stand at each step, how far
    the work has come (summaries, sheets, proposals, approvals, decisions), the current step's deadline,
    and the places of 好; with the way to each step's page."""
    period = _period(request, period_pk)
    unit = _unit(request, period, code)
    board = selectors.quarter_board(user=request.user, period=period, unit=unit, today=services.today())
    rows = board.rows
    propose_scope = scope_for(request.user, Action.PROPOSE)
    review_scope = scope_for(request.user, Action.REVIEW)
    total = board.unit.total if board.unit else 0
    decided = board.unit.counts.get(Step.DECIDED, 0) if board.unit else 0
    runs = scope_for(request.user, Action.RUN_PERIOD).covers_unit(unit)
    open_reviews = (
        selectors.review_requests_for(user=request.user, period=period, unit=unit)
        .filter(answered_at__isnull=True)
        .count()
        if runs and any(row.counts.get(s) for row in rows for s in selectors.PUBLISHED)
        else 0
    )
    counts = board.unit.counts if board.unit else {}
    # Starting: while the period is open, for the people placed in the unit who have no result yet.
    unstarted = (
        selectors.unstarted_count(period=period, unit=unit) if runs and period.status == period.Status.OPEN else 0
    )
    # Reporting (上报): once every result is in publicity, after its last day, with no review request open.
    in_publicity = total > 0 and counts.get(Step.PUBLICITY, 0) == total
    publicity_ends = selectors.publicity_ends_of(period=period, unit=unit) if in_publicity else None
    publicity_running = publicity_ends is not None and services.today() <= publicity_ends
    return render(
        request,
        "assessment/quarter/board.html",
        {
            "unstarted": unstarted,
            "in_publicity": runs and in_publicity,
            "publicity_ends": publicity_ends,
            "publicity_running": publicity_running,
            "can_report": runs and in_publicity and not open_reviews and not publicity_running,
            "can_feedback": runs and counts.get(Step.FINAL, 0) > 0,
            "published": any(counts.get(s) for s in selectors.PUBLISHED),
            "decided_total": decided,
            "period": period,
            "unit": unit,
            "board": board,
            "rows": [(row, [row.counts.get(value, "") for value, _label in Step.choices]) for row in rows],
            "steps": Step.choices,
            "unit_places": board.unit_places,
            "proposes": {row.section.pk for row in rows if row.section and propose_scope.covers_section(row.section)},
            "proposes_unsectioned": propose_scope.covers_unit(unit),
            "can_review": review_scope.covers_unit(unit)
            or any(review_scope.covers_section(r.section) for r in rows if r.section),
            "can_decide": scope_for(request.user, Action.DECIDE).covers_unit(unit),
            "can_publish": runs and 0 < decided == total,
            "can_allocate": runs and total > 0 and not period.is_closed,
            "task": shown_task(request),
            "can_import": scope_for(request.user, Action.IMPORT_MONTHLY).covers_unit(unit),
            "can_answer_reviews": runs,
            "open_reviews": open_reviews,
        },
    )


def _proposal_rows(results, posted, *, fill: bool = False):
    """The proposal form's rows. ``fill`` pre-selects the grade each score allows (较好 where it allows 好:
    a 好 needs a nomination, which stays the head's to make)."""
    rows = []
    for result in results:
        key = str(result.pk)
        allowed = _grades_allowed(result)
        filled = next((g for g in allowed if g != Grade.GOOD), "") if fill else ""
        rows.append(
            {
                "result": result,
                "allowed": allowed,
                "may_nominate": Grade.GOOD in allowed and not result.sheet.vetoed and result.section_id is not None,
                "grade": posted.get(f"grade-{key}", filled),
                "nominate": posted.get(f"nominate-{key}") == "on",
                "comment": posted.get(f"comment-{key}", ""),
            }
        )
    return rows


@login_required
def propose(request, period_pk: int, section_pk: int):
    """The section head proposes a grade for each person with the 评鉴 comment, and nominates for 好 within
    the section's places. Rows left without a grade stay where they are."""
    period = _period(request, period_pk)
    section = sections_visible_to(user=request.user, action=Action.PROPOSE).filter(pk=section_pk).first()
    if section is None or section.unit.region_id != period.assessment_year.region_id:
        raise not_found(request, "quarter_propose", f"section={section_pk}")
    return _propose(request, period, section.unit, section)


@login_required
def propose_unsectioned(request, period_pk: int, code: str):
    """The office proposes for the people outside every section (the unit's leaders, a 政治处负责人 placed
    on the unit itself), on the same page as a section head's. They have no section places: the committee
    picks their 好 against the unit's own."""
    period = _period(request, period_pk)
    unit = _unit(request, period, code, Action.PROPOSE)
    if not scope_for(request.user, Action.PROPOSE).covers_unit(unit):
        raise not_found(request, "quarter_propose_unsectioned", f"unit={code}")
    return _propose(request, period, unit, None)


def _propose(request, period, unit, section):
    results = list(
        selectors.queue_for(
            user=request.user, period=period, unit=unit, step=Step.SCORING, action=Action.PROPOSE
        ).filter(section=section)
    )
    here = (
        reverse("quarter:propose", args=[period.pk, section.pk])
        if section
        else reverse("quarter:propose_unsectioned", args=[period.pk, unit.code])
    )
    posted = request.POST if request.method == "POST" else {}
    problems: list[str] = []
    if request.method == "POST":
        by_pk = {r.pk: r for r in results}
        stale = _stale(
            request,
            period,
            [k.removeprefix("grade-") for k, v in posted.items() if k.startswith("grade-") and v],
            by_pk,
        )
        # One comment for every row whose own is left empty (e.g. 同意 for a section that did well).
        common = posted.get("comment-all", "").strip()
        proposals = [
            services.Proposal(
                result=by_pk[pk],
                grade=posted[f"grade-{pk}"],
                comment=posted.get(f"comment-{pk}", "").strip() or common,
                nominate=posted.get(f"nominate-{pk}") == "on",
            )
            for pk in by_pk
            if posted.get(f"grade-{pk}")
        ]
        problems = stale or _submit(
            request,
            proposals,
            lambda chosen: services.proposals_submit(proposals=chosen, by=request.user),
            empty=_("Choose a grade for at least one person."),
            done=_("%(n)s proposals sent to the leaders."),
        )
        if problems is None:
            return redirect(here)
    person = getattr(request.user, "person", None)
    return render(
        request,
        "assessment/quarter/propose.html",
        {
            "period": period,
            "unit": unit,
            "section": section,
            "here": here,
            # Who is not on the page, and why: no summary yet (the office moves paper ones on), or oneself.
            "waiting_summaries": QuarterlyResult.objects.filter(
                period=period, unit=unit, section=section, status=Step.SUMMARY
            ).count(),
            "own_here": person is not None
            and person.unit_id == unit.pk
            and person.section_id == (section.pk if section else None),
            "rows": _proposal_rows(results, posted, fill=request.GET.get("fill") == "1"),
            "results": results,
            "comment_all": posted.get("comment-all", ""),
            "places": places.places_by_section(period, unit).get(section.pk) if section else None,
            "problems": problems,
        },
    )


@login_required
def review(request, period_pk: int, code: str):
    """The leaders' queue: approve the proposals (all ticked at once, with an optional comment)."""
    period = _period(request, period_pk)
    unit = _unit(request, period, code, Action.REVIEW)
    found = _queue_listing(request, period, unit, Step.LEADER_REVIEW, Action.REVIEW)
    results = list(found.rows)
    problems: list[str] = []
    if request.method == "POST":
        ticked = set(request.POST.getlist("result"))
        chosen = [r for r in results if str(r.pk) in ticked]
        comment = request.POST.get("comment", "")
        stale = _stale(request, period, ticked, [r.pk for r in results])
        if stale:
            problems = stale
        elif chosen and len(comment) > TEXT_LIMIT:
            problems = [_too_long()]
        else:
            problems = _submit(
                request,
                chosen,
                lambda chosen: services.results_review_bulk(results=chosen, by=request.user, comment=comment),
                empty=_("Tick the proposals to approve."),
                done=_("%(n)s proposals approved and sent to the committee."),
            )
            if problems is None:
                return redirect(request.get_full_path())
    return render(
        request,
        "assessment/quarter/review.html",
        {
            "period": period,
            "unit": unit,
            "results": results,
            "problems": problems,
            "listing": found,
        },
    )


@login_required
def decide(request, period_pk: int, code: str):
    """The committee's decisions: a final grade for each result, 好 against the unit's own places."""
    period = _period(request, period_pk)
    unit = _unit(request, period, code, Action.DECIDE)
    if not scope_for(request.user, Action.DECIDE).covers_unit(unit):
        raise not_found(request, "quarter_decide", f"unit={code}")
    # Section by section, or all at once (a unit's whole queue fits one page).
    found = _queue_listing(request, period, unit, Step.COMMITTEE, Action.DECIDE)
    results = list(found.rows)
    posted = request.POST if request.method == "POST" else {}
    problems: list[str] = []
    if request.method == "POST":
        verdicts = [
            services.Verdict(result=r, grade=posted[f"grade-{r.pk}"], comment=posted.get(f"comment-{r.pk}", ""))
            for r in results
            if posted.get(f"grade-{r.pk}")
        ]
        stale = _stale(
            request,
            period,
            [k.removeprefix("grade-") for k, v in posted.items() if k.startswith("grade-") and v],
            [r.pk for r in results],
        )
        problems = stale or _submit(
            request,
            verdicts,
            lambda chosen: services.decisions_record(verdicts=chosen, by=request.user),
            empty=_("Choose a grade for at least one person."),
            done=_("%(n)s decisions recorded."),
        )
        if problems is None:
            return redirect(request.get_full_path())
    rows = [
        {
            "result": r,
            "allowed": [g for g in _grades_allowed(r) if g != Grade.GOOD or not r.sheet.vetoed],
            "grade": posted.get(f"grade-{r.pk}", r.proposed_grade),
            "comment": posted.get(f"comment-{r.pk}", ""),
        }
        for r in results
    ]
    return render(
        request,
        "assessment/quarter/decide.html",
        {
            "period": period,
            "unit": unit,
            "rows": rows,
            "results": results,
            "unit_places": places.places_by_section(period, unit).get(None),
            "problems": problems,
            "listing": found,
        },
    )


@login_required
@require_POST
def publish(request, period_pk: int, code: str):
    period = _period(request, period_pk)
    unit = _unit(request, period, code)
    if not scope_for(request.user, Action.RUN_PERIOD).covers_unit(unit):
        log_refusal(request.user, "quarter_publish", f"unit={code}")
        return HttpResponse(_("Your roles do not allow this action."), status=403)
    try:
        done = services.unit_publish(period=period, unit=unit, by=request.user)
    except (ValidationError, PermissionError) as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, _("%(n)s results published.") % {"n": done})
    return redirect("quarter:board", period_pk=period.pk, code=unit.code)


@login_required
@require_POST
def send_back(request, pk: int):
    """Send one result back a step with the reason (from any queue); back to the page it came from."""
    result = QuarterlyResult.objects.select_related("unit", "section", "period").filter(pk=pk).first()
    if result is None or not any(
        scope_for(request.user, action).covers_place(unit=result.unit, section=result.section)
        for action in (Action.PROPOSE, Action.REVIEW, Action.DECIDE)
    ):
        raise not_found(request, "quarter_send_back", f"result={pk}")
    reason = request.POST.get("reason", "")
    try:
        if len(reason) > TEXT_LIMIT:
            raise ValidationError(_too_long())
        services.result_return(result=result, by=request.user, reason=reason)
    except (ValidationError, PermissionError) as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, _("%(name)s sent back.") % {"name": result.person})
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("quarter:board", period_pk=result.period_id, code=result.unit.code)


@login_required
@require_POST
def allocate(request, period_pk: int, code: str):
    """The office recomputes its unit's places of 好 and writes the ledger (the 申报表 figures), in the
    background with a progress bar."""
    period = _period(request, period_pk)
    unit = _unit(request, period, code)
    if not scope_for(request.user, Action.RUN_PERIOD).covers_unit(unit):
        log_refusal(request.user, "quarter_allocate", f"unit={code}")
        return HttpResponse(_("Your roles do not allow this action."), status=403)
    if period.is_closed:
        return _closed(request, period, "quarter_allocate", reverse("quarter:board", args=[period.pk, unit.code]))
    label = _("Places of 好 of %(unit)s, %(period)s") % {"unit": unit.name, "period": period}
    task = task_start(request, allocate_places_task, period.pk, unit.pk, label=label, outcome=ALLOCATED)
    return redirect(f"{reverse('quarter:board', args=[period.pk, unit.code])}?task={task}")


@login_required
@require_POST
def allocate_region(request, period_pk: int):
    """The organisation department recomputes the places of every unit of its region for a quarter."""
    period = _period(request, period_pk)
    if not services.region_scope(request.user, period.assessment_year.region, Action.SET_RATIOS):
        raise not_found(request, "quarter_allocate_region", f"period={period_pk}")
    if period.is_closed:
        return _closed(request, period, "quarter_allocate_region", reverse("scoring:period_list"))
    label = _("Places of 好 of every unit, %(period)s") % {"period": period}
    task = task_start(request, allocate_places_task, period.pk, label=label, outcome=ALLOCATED)
    return redirect(f"{reverse('scoring:period_list')}?task={task}")


@login_required
@require_POST
def skip_summaries(request, period_pk: int, section_pk: int):
    """The office moves a section's people who wrote no summary in the system (a paper summary, leave) on to
    scoring, with the reason, so the section head can propose for them."""
    period = _period(request, period_pk)
    section = sections_visible_to(user=request.user, action=Action.RUN_PERIOD).filter(pk=section_pk).first()
    if section is None or section.unit.region_id != period.assessment_year.region_id:
        raise not_found(request, "quarter_skip_summaries", f"section={section_pk}")
    return _skip_summaries(request, period, section.unit, section)


@login_required
@require_POST
def skip_summaries_unsectioned(request, period_pk: int, code: str):
    """The same for the people outside every section (the unit's leaders)."""
    period = _period(request, period_pk)
    unit = _unit(request, period, code, Action.RUN_PERIOD)
    if not scope_for(request.user, Action.RUN_PERIOD).covers_unit(unit):
        raise not_found(request, "quarter_skip_summaries", f"unit={code}")
    return _skip_summaries(request, period, unit, None)


def _skip_summaries(request, period, unit, section):
    waiting = list(
        selectors.queue_for(
            user=request.user, period=period, unit=unit, step=Step.SUMMARY, action=Action.RUN_PERIOD
        ).filter(section=section)
    )
    reason = request.POST.get("reason", "")
    if len(reason) > TEXT_LIMIT:
        messages.error(request, _too_long())
        return redirect("quarter:board", period_pk=period.pk, code=unit.code)
    problems = _submit(
        request,
        waiting,
        lambda chosen: services.summaries_skip(results=chosen, by=request.user, reason=reason),
        empty=_("Nobody of this section waits for a summary."),
        done=_("%(n)s people moved on to scoring without a summary in the system."),
    )
    if problems:
        messages.error(request, " ".join(problems))
    return redirect("quarter:board", period_pk=period.pk, code=unit.code)


@login_required
def reviews(request, period_pk: int, code: str):
    """The office answers the review requests of the unit's people, changing the grade where the answer
    says so (within the score's grades and the unit's places of 好)."""
    period = _period(request, period_pk)
    unit = _unit(request, period, code, Action.RUN_PERIOD)
    if not scope_for(request.user, Action.RUN_PERIOD).covers_unit(unit):
        raise not_found(request, "quarter_reviews", f"unit={code}")
    requests_ = list(selectors.review_requests_for(user=request.user, period=period, unit=unit))
    posted = request.POST if request.method == "POST" else {}
    problems: list[str] = []
    failed = None
    if request.method == "POST":
        chosen = next((r for r in requests_ if str(r.pk) == posted.get("request")), None)
        if chosen is None:
            raise not_found(request, "quarter_reviews_answer", f"unit={code} request={posted.get('request')}")
        answer = posted.get(f"answer-{chosen.pk}", "")
        grade = posted.get(f"grade-{chosen.pk}", "") or None
        try:
            if len(answer) > TEXT_LIMIT:
                raise ValidationError(
                    _("An answer may be at most %(n)s characters; nothing was saved.") % {"n": TEXT_LIMIT}
                )
            services.review_answer(request=chosen, answer=answer, grade=grade, by=request.user)
        except (ValidationError, PermissionError) as exc:
            problems, failed = refusal_messages(exc), chosen.pk
        else:
            messages.success(request, _("Answer recorded for %(name)s.") % {"name": chosen.result.person})
            return redirect("quarter:reviews", period_pk=period.pk, code=unit.code)
    rows = [
        {
            "request": r,
            "grades": [g for g in _grades_allowed(r.result) if g != r.result.final_grade],
            "answer": posted.get(f"answer-{r.pk}", "") if r.pk == failed else "",
            "grade": posted.get(f"grade-{r.pk}", "") if r.pk == failed else "",
            "problems": problems if r.pk == failed else [],
        }
        for r in requests_
    ]
    return render(
        request,
        "assessment/quarter/reviews.html",
        {
            "period": period,
            "unit": unit,
            "open_rows": [row for row in rows if row["request"].is_open],
            "answered_rows": [row for row in rows if not row["request"].is_open],
        },
    )
