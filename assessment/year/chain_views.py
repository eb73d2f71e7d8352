"""The unit's side of the annual chain in the browser: the leaders propose (领导提名), the committee decides
(党委审定) within the places of 优秀, the office publishes (公示) and reports (上报), and the committee answers
the reviews (复核). Thin: each page checks the scope, reads the results the user acts on (never their own),
and posts to one all-or-nothing service, showing what it refused beside the form or the row."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import annual
from assessment.models import AnnualAppeal, AnnualLedger, AnnualResult
from assessment.year import selectors, services
from assessment.year.views import _unit, _year, quarter_labels
from common.listing import Filter, listing
from common.params import as_pk
from common.refusals import not_found, refusal_messages
from units.models import Section
from units.permissions import Action, scope_for

Status = AnnualResult.Status
NONE = "none"  # the form's value for "no grade" (不定等次, 不参加考核)
TEXT_LIMIT = 2000
QUEUE_PAGE = 1000  # a unit's queue on one page: "all at once" is all
ORDER = ("section__order", "section_id", "person__post_order", "person_id")


def _queue(request, year, unit, step: str, action: Action):
    """The unit's results at ``step`` that the user's roles let them act on, their own left out."""
    return (
        selectors.annual_results_visible_to(user=request.user, assessment_year=year, action=action)
        .filter(unit=unit, status=step)
        .exclude(person__user_id=request.user.pk)
    )


def _options(result: AnnualResult) -> list[tuple[str, str]]:
    """The grades the rules allow, best first; "no grade" for the cases that are not graded."""
    if result.case != AnnualResult.Case.GRADED:
        return [(NONE, result.get_case_display())]
    ceiling = result.ceiling or annual.ANNUAL_GRADES[0]
    return [(g, g) for g in annual.ANNUAL_GRADES[annual.ANNUAL_GRADES.index(ceiling) :]]


def _grade(value: str) -> str:
    return "" if value == NONE else value


def _stale(posted, live) -> list[str]:
    """Rows of a posted form no longer on the page (someone acted first): the form is refused whole."""
    gone = {as_pk(k.removeprefix("grade-")) for k, v in posted.items() if k.startswith("grade-") and v}
    gone = {pk for pk in gone if pk is not None} - set(live)
    if not gone:
        return []
    return [
        _("%(n)s of the rows sent are no longer at this step: someone acted first. Reload the page; nothing was saved.")
        % {"n": len(gone)}
    ]


def _too_long(posted) -> list[str]:
    if any(len(v) > TEXT_LIMIT for k, v in posted.items() if k.startswith(("comment", "reason", "answer"))):
        return [_("A comment or reason may be at most %(n)s characters; nothing was saved.") % {"n": TEXT_LIMIT}]
    return []


def _places(unit, year) -> dict:
    ledger = AnnualLedger.objects.filter(unit=unit, assessment_year=year).first()
    places = ledger.places if ledger else services.excellent_places_of(unit, year)
    return {
        "places": places,
        "proposed": ledger.proposed if ledger else 0,
        "decided": ledger.excellent if ledger else 0,
    }


def _ranks(unit, year) -> dict[int, annual.Ranked]:
    """The unit's candidates for 优秀 by result, ranked by the documented rule with the places marked."""
    return {r.candidate.key.pk: r for r in services.candidates(unit=unit, assessment_year=year)}


def _act(request, chosen: list, act, *, done: str) -> list[str] | None:
    """One all-or-nothing act: None once done, or the refusal's messages (nothing saved)."""
    if not chosen:
        return [_("Choose a grade for at least one person.")]
    try:
        count = act(chosen)
    except (ValidationError, PermissionError) as exc:
        return refusal_messages(exc)
    messages.success(request, done % {"n": count})
    return None


@login_required
def propose(request, year_pk: int, code: str):
    """The leaders propose each person's annual grade with the comment (评语), from the roll-up's suggestion;
    "fill the suggestions" pre-selects it for every row. Rows without a grade stay where they are."""
    year = _year(request, year_pk)
    unit = _unit(request, year, code, Action.REVIEW)
    results = list(
        _queue(request, year, unit, Status.PROPOSAL, Action.REVIEW).select_related("person", "section").order_by(*ORDER)
    )
    here = request.path
    posted = request.POST if request.method == "POST" else {}
    fill = request.GET.get("fill") == "1"
    problems: list[str] = []
    row_problems: dict[int, list[str]] = {}
    if request.method == "POST":
        by_pk = {r.pk: r for r in results}
        common = posted.get("comment-all", "").strip()
        proposals = [
            services.Proposal(
                result=r,
                grade=_grade(posted[f"grade-{r.pk}"]),
                comment=posted.get(f"comment-{r.pk}", "").strip() or common,
                reason=posted.get(f"reason-{r.pk}", "").strip(),
            )
            for r in results
            if posted.get(f"grade-{r.pk}")
        ]
        problems = (
            _stale(posted, by_pk)
            or _too_long(posted)
            or _act(
                request,
                proposals,
                lambda chosen: services.annual_propose(proposals=chosen, by=request.user),
                done=_("%(n)s annual proposals sent to the committee."),
            )
        )
        if problems is None:
            return redirect(here)
        row_problems = {
            p.result.pk: found
            for p in proposals
            if (found := services.grade_problems(p.result, p.grade, reason=p.reason, comment=p.comment))
        }
    ranked = _ranks(unit, year)
    rows = []
    for r in results:
        suggested = r.suggested_grade if r.case == AnnualResult.Case.GRADED else NONE
        rank = ranked.get(r.pk)
        if rank is not None and rank.within_places and not rank.tied_at_cut:
            suggested = annual.EXCELLENT  # the ranking gives this candidate one of the places
        rows.append(
            {
                "result": r,
                "rank": rank,
                "options": _options(r),
                "grade": posted.get(f"grade-{r.pk}", suggested if fill else ""),
                "comment": posted.get(f"comment-{r.pk}", ""),
                "reason": posted.get(f"reason-{r.pk}", ""),
                "problems": row_problems.get(r.pk, []),
            }
        )
    return render(
        request,
        "assessment/year/chain/propose.html",
        {
            "year": year,
            "unit": unit,
            "rows": rows,
            "here": here,
            "comment_all": posted.get("comment-all", ""),
            "places": _places(unit, year),
            "problems": problems,
            "quarters": quarter_labels(),
        },
    )


@login_required
def decide(request, year_pk: int, code: str):
    """The committee decides each annual grade within the unit's places of 优秀, the grades pre-filled from
    the leaders' proposals; a grade that differs from the suggestion takes a reason."""
    year = _year(request, year_pk)
    unit = _unit(request, year, code, Action.DECIDE)
    if not scope_for(request.user, Action.DECIDE).covers_unit(unit):
        raise not_found(request, "annual_decide", f"unit={code}")
    sections = [(str(pk), name) for pk, name in Section.objects.filter(unit=unit).values_list("pk", "name")]
    found = listing(
        request,
        _queue(request, year, unit, Status.COMMITTEE, Action.DECIDE),
        filters=(Filter("section", "section_id", _("section"), [*sections, ("none", _("outside the sections"))]),),
        sorts={"name": ("person__name",), "section": ("section__order",), "score": ("-annual_score",)},
        default_sort=ORDER,
        per_page=QUEUE_PAGE,
    )
    results = list(found.rows)
    posted = request.POST if request.method == "POST" else {}
    problems: list[str] = []
    row_problems: dict[int, list[str]] = {}
    if request.method == "POST":
        verdicts = [
            services.Verdict(
                result=r,
                grade=_grade(posted[f"grade-{r.pk}"]),
                reason=posted.get(f"reason-{r.pk}", "").strip(),
                comment=posted.get(f"comment-{r.pk}", "").strip(),
            )
            for r in results
            if posted.get(f"grade-{r.pk}")
        ]
        problems = (
            _stale(posted, [r.pk for r in results])
            or _too_long(posted)
            or _act(
                request,
                verdicts,
                lambda chosen: services.annual_decide(verdicts=chosen, by=request.user),
                done=_("%(n)s annual grades decided."),
            )
        )
        if problems is None:
            return redirect(request.get_full_path())
        row_problems = {
            v.result.pk: found_
            for v in verdicts
            if (
                found_ := services.grade_problems(
                    v.result, v.grade, reason=v.reason, comment=v.comment or v.result.appraisal
                )
            )
        }
    ranked = _ranks(unit, year)
    rows = []
    for r in results:
        proposed = r.proposed_grade if r.case == AnnualResult.Case.GRADED else NONE
        rows.append(
            {
                "result": r,
                "rank": ranked.get(r.pk),
                "options": _options(r),
                "grade": posted.get(f"grade-{r.pk}", proposed),
                "reason": posted.get(f"reason-{r.pk}", ""),
                "comment": posted.get(f"comment-{r.pk}", ""),
                "problems": row_problems.get(r.pk, []),
            }
        )
    return render(
        request,
        "assessment/year/chain/decide.html",
        {
            "year": year,
            "unit": unit,
            "rows": rows,
            "listing": found,
            "places": _places(unit, year),
            "problems": problems,
            "quarters": quarter_labels(),
        },
    )


def _office_act(request, year_pk: int, code: str, act, what: str, done: str):
    year = _year(request, year_pk)
    unit = _unit(request, year, code, Action.RUN_PERIOD)
    if not scope_for(request.user, Action.RUN_PERIOD).covers_unit(unit):
        raise not_found(request, what, f"unit={code}")
    try:
        count = act(assessment_year=year, unit=unit, by=request.user)
    except (ValidationError, PermissionError) as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, done % {"n": count})
    return redirect("annual:unit_results", year_pk=year.pk, code=unit.code)


@login_required
@require_POST
def publish(request, year_pk: int, code: str):
    """The office publishes the unit's decided annual results (公示)."""
    return _office_act(
        request, year_pk, code, services.annual_publish, "annual_publish", _("%(n)s annual results published.")
    )


@login_required
@require_POST
def report(request, year_pk: int, code: str):
    """After publicity the office reports the unit's annual results to the organisation department."""
    return _office_act(
        request,
        year_pk,
        code,
        services.annual_report,
        "annual_report",
        _("%(n)s annual results reported to the organisation department."),
    )


@login_required
def reviews(request, year_pk: int, code: str):
    """The unit answers the reviews (复核) its people asked for: upheld, or a new grade within the rules and
    the places of 优秀. The service gives the answer to the committee (Action.DECIDE)."""
    year = _year(request, year_pk)
    unit = _unit(request, year, code, Action.DECIDE)
    if not scope_for(request.user, Action.DECIDE).covers_unit(unit):
        raise not_found(request, "annual_reviews", f"unit={code}")
    visible = selectors.annual_results_visible_to(user=request.user, assessment_year=year, action=Action.DECIDE)
    appeals = list(
        AnnualAppeal.objects.filter(
            kind=AnnualAppeal.Kind.REVIEW,
            result__in=visible.filter(unit=unit).exclude(person__user_id=request.user.pk).values("pk"),
        )
        .select_related("result__person", "result__section", "result__unit", "result__assessment_year", "answered_by")
        .order_by("answered_on", "answer_due", "pk")
    )
    posted = request.POST if request.method == "POST" else {}
    problems: list[str] = []
    failed = None
    if request.method == "POST":
        pk = as_pk(posted.get("appeal"))
        chosen = next((a for a in appeals if a.pk == pk), None)
        if chosen is None:
            raise not_found(request, "annual_review_answer", f"unit={code} appeal={posted.get('appeal')}")
        answer = posted.get(f"answer-{chosen.pk}", "")
        grade = posted.get(f"grade-{chosen.pk}", "") or None
        try:
            if len(answer) > TEXT_LIMIT:
                raise ValidationError(
                    _("An answer may be at most %(n)s characters; nothing was saved.") % {"n": TEXT_LIMIT}
                )
            services.annual_review_answer(appeal=chosen, answer=answer, grade=grade, by=request.user)
        except (ValidationError, PermissionError) as exc:
            problems, failed = refusal_messages(exc), chosen.pk
        else:
            messages.success(request, _("Answer recorded for %(name)s.") % {"name": chosen.result.person})
            return redirect("annual:reviews", year_pk=year.pk, code=unit.code)
    today = services.today()
    rows = [
        {
            "appeal": a,
            "grades": [g for g, _label in _options(a.result) if g not in (NONE, a.result.final_grade)],
            "overdue": a.is_open and today > a.answer_due,
            "answer": posted.get(f"answer-{a.pk}", "") if a.pk == failed else "",
            "grade": posted.get(f"grade-{a.pk}", "") if a.pk == failed else "",
            "problems": problems if a.pk == failed else [],
        }
        for a in appeals
    ]
    return render(
        request,
        "assessment/year/chain/reviews.html",
        {
            "year": year,
            "unit": unit,
            "open_rows": [row for row in rows if row["appeal"].is_open],
            "answered_rows": [row for row in rows if not row["appeal"].is_open],
        },
    )
