"""The assessment office's (考核办) end of the quarter in the browser: it starts the unit's period, reports the
results to the organisation department after publicity (上报), and records how each person was told of the
final result (反馈). Thin, like the chain's pages: each checks that RUN_PERIOD covers the unit (404 for anyone
else, logged), reads one selector, and calls one service, showing what it refused and why."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessment.models import Grade, QuarterlyResult
from assessment.quarter import selectors, services
from assessment.quarter.views.chain import _period, _unit
from common.params import is_number
from common.refusals import not_found, refusal_messages, show_refusal
from units.models import Section
from units.permissions import Action, scope_for

FEEDBACK_PAGE = 50


def _office_unit(request, period, code: str, what: str):
    """The unit, when the user runs its period; 404 (logged) otherwise, whatever else they may see of it."""
    unit = _unit(request, period, code, Action.RUN_PERIOD)
    if not scope_for(request.user, Action.RUN_PERIOD).covers_unit(unit):
        raise not_found(request, what, f"unit={code}")
    return unit


def _act(request, period, unit, act, *, done: str):
    """Run one act on the whole unit and go back to the board, saying what was done or why not."""
    try:
        count = act()
    except (ValidationError, PermissionError) as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, done % {"n": count})
    return redirect("quarter:board", period_pk=period.pk, code=unit.code)


@login_required
@require_POST
def start(request, period_pk: int, code: str):
    """The office starts its unit's period: a score sheet and a result for everyone the unit assesses."""
    period = _period(request, period_pk)
    unit = _office_unit(request, period, code, "quarter_unit_start")
    return _act(
        request,
        period,
        unit,
        lambda: services.unit_start(period=period, unit=unit, by=request.user),
        done=_("%(n)s people started."),
    )


@login_required
@require_POST
def report(request, period_pk: int, code: str):
    """After publicity, the office reports the unit's results to the organisation department (上报)."""
    period = _period(request, period_pk)
    unit = _office_unit(request, period, code, "quarter_report")
    return _act(
        request,
        period,
        unit,
        lambda: services.unit_report(period=period, unit=unit, by=request.user),
        done=_("%(n)s results reported to the organisation department."),
    )


class FeedbackForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("told by"),
        choices=QuarterlyResult.Feedback.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    on = forms.DateField(
        label=gettext_lazy("date"),
        # An HTML date input takes ISO dates only; the localised format would leave it empty.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control form-control-sm"}),
    )


def _filtered(results, params, sections: dict[int, Section]):
    """The GET filters of the feedback page: section, grade, those not told yet, a name."""
    chosen = {
        "section": params.get("section", ""),
        "grade": params.get("grade", ""),
        "untold": params.get("untold", "") == "1",
        "q": params.get("q", "").strip()[:50],
    }
    if is_number(chosen["section"]) and int(chosen["section"]) in sections:
        results = results.filter(section_id=int(chosen["section"]))
    else:
        chosen["section"] = ""
    if chosen["grade"] in Grade.values:
        results = results.filter(final_grade=chosen["grade"])
    else:
        chosen["grade"] = ""
    if chosen["untold"]:
        results = results.filter(feedback_method="")
    if chosen["q"]:
        results = results.filter(person__name__icontains=chosen["q"])
    return results, chosen


@login_required
def feedback(request, period_pk: int, code: str):
    """The office records how the unit's people were told of their final result (反馈): tick people, choose
    the way and the day, all at once. Those not told yet come first; filters, a name search and pages of 50
    keep a large unit workable."""
    period = _period(request, period_pk)
    unit = _office_unit(request, period, code, "quarter_feedback")
    every = selectors.feedback_results_for(user=request.user, period=period, unit=unit)
    sections = {s.pk: s for s in Section.objects.filter(unit=unit).order_by("order", "pk")}
    shown, chosen = _filtered(every, request.GET, sections)
    today = services.today()
    form = FeedbackForm(initial={"method": QuarterlyResult.Feedback.MEETING, "on": today})
    problems: list[str] = []
    if request.method == "POST":
        form = FeedbackForm(request.POST)
        ticked = [pk for pk in request.POST.getlist("result") if is_number(pk)]
        if not ticked:
            problems = [_("Tick the people who were told.")]
        elif form.is_valid():
            # Only rows of this page's own list: a number from elsewhere is no one to tell.
            results = list(every.filter(pk__in=ticked))
            try:
                count = services.feedback_record_bulk(
                    results=results, method=form.cleaned_data["method"], on=form.cleaned_data["on"], by=request.user
                )
            except (ValidationError, PermissionError) as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Feedback recorded for %(n)s people.") % {"n": count})
                return redirect(request.get_full_path())
        problems += [error for errors in form.errors.values() for error in errors]
    page = Paginator(shown, FEEDBACK_PAGE).get_page(request.GET.get("page"))
    confirmed = selectors.confirmed_on(result_ids=every.values("pk"))
    picker = form.fields["on"].widget
    picker.attrs.update(max=today.isoformat(), **({"min": confirmed.isoformat()} if confirmed else {}))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessment/quarter/feedback.html",
        {
            "period": period,
            "unit": unit,
            "page": page,
            "form": form,
            "problems": problems,
            "ticked": set(request.POST.getlist("result")) if request.method == "POST" else set(),
            "sections": list(sections.values()),
            "grades": Grade.values,
            "chosen": chosen,
            "query": query.urlencode(),
            "untold": every.filter(feedback_method="").count(),
            "confirmed": confirmed,
        },
    )
