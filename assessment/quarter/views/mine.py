"""A civil servant's own quarters (个人小结, 工作纪实, declared bonus items, the published result and the
review request). Thin: each page finds the user's own rows, calls one service, and shows what was refused,
keeping what was typed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessment.models import QuarterlyResult
from assessment.quarter import selectors, services
from assessment.quarter.forms import OpinionForm, ReviewRequestForm, SummaryForm, WorkRecordForm
from common.refusals import not_found, show_refusal
from periods.models import Period

Step = QuarterlyResult.Status


def _person(request, what: str, detail: str = ""):
    person = getattr(request.user, "person", None)
    if person is None:
        raise not_found(request, what, detail)
    return person


def _bar(result: QuarterlyResult) -> int:
    """The width of a result's bar, in percent of the 100-point scale."""
    return max(0, min(100, int(result.sheet.total)))


@login_required
def my_quarters(request):
    """My quarters, newest first, each with the step of my result; and my published results over time."""
    _person(request, "my_quarters")
    periods = list(selectors.own_periods(user=request.user))
    mine = {
        r.period_id: r
        for r in QuarterlyResult.objects.filter(person=request.user.person, period__in=periods).select_related("sheet")
    }
    published = list(selectors.own_results(user=request.user))
    return render(
        request,
        "assessment/quarter/my_quarters.html",
        {
            "rows": [(period, mine.get(period.pk)) for period in periods],
            "published": [(r, _bar(r)) for r in published],
            "shown": set(selectors.PUBLISHED),
        },
    )


def _acts(user, period: Period, result: QuarterlyResult | None) -> dict[str, tuple]:
    """What each ``act`` of the quarter page posts: its form, the one service it calls, and what is said
    once done."""
    return {
        "summary": (
            SummaryForm,
            lambda data: services.summary_submit(result=result, summary=data["summary"], by=user),
            _("Your summary is in; your section head scores it next."),
        ),
        "record": (
            WorkRecordForm,
            lambda data: services.work_record_add(period=period, on=data["on"], content=data["content"], by=user),
            _("Work record added."),
        ),
        "review": (
            ReviewRequestForm,
            lambda data: services.review_request(result=result, reason=data["reason"], by=user),
            _("Your review request is sent; the assessment office answers it."),
        ),
        "opinion": (
            OpinionForm,
            lambda data: services.opinion_record(result=result, opinion=data["opinion"], by=user),
            _("Your opinion is recorded."),
        ),
    }


@login_required
def my_quarter(request, period_pk: int):
    """One quarter of mine: write the summary, keep work records, see my declarations, and once published
    my score and grade, with a review request during publicity and my opinion once final. POSTs carry
    ``act``: summary, record, review or opinion; a refusal shows the reason beside the form, with what was typed."""
    person = _person(request, "my_quarter", f"period={period_pk}")
    period = selectors.own_periods(user=request.user).filter(pk=period_pk).first()
    if period is None:
        raise not_found(request, "my_quarter", f"period={period_pk}")
    result = selectors.own_result(user=request.user, period=period)
    forms_ = {
        "summary": SummaryForm(),
        "record": WorkRecordForm(initial={"on": services.today()}),
        "review": ReviewRequestForm(),
        "opinion": OpinionForm(initial={"opinion": result.opinion if result else ""}),
    }
    if request.method == "POST":
        act = request.POST.get("act", "")
        if act not in forms_ or (act != "record" and result is None):
            raise not_found(request, "my_quarter", f"period={period_pk} act={act} result={result and result.pk}")
        form_class, run, done = _acts(request.user, period, result)[act]
        form = forms_[act] = form_class(request.POST)
        if form.is_valid():
            try:
                run(form.cleaned_data)
            except (ValidationError, PermissionError) as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, done)
                return redirect("quarter:my_quarter", period_pk=period.pk)
    # The phone's date picker offers the quarter's days only; the service still checks them.
    picker = forms_["record"].fields["on"].widget
    picker.attrs.update(min=period.start_date.isoformat(), max=period.end_date.isoformat())
    published = result is not None and result.status in selectors.PUBLISHED
    requests_ = list(result.review_requests.all()) if result is not None else []
    may_ask = (
        published
        and result.status == Step.PUBLICITY
        and result.publicity_ends is not None
        and services.today() <= result.publicity_ends
        and not any(r.is_open for r in requests_)
    )
    return render(
        request,
        "assessment/quarter/my_quarter.html",
        {
            "period": period,
            "person": person,
            "result": result,
            "published": published,
            "may_write": result is not None and result.status == Step.SUMMARY and not period.is_closed,
            "summary_form": forms_["summary"],
            "record_form": forms_["record"],
            "may_record": not period.is_closed,
            "records": selectors.own_work_records(user=request.user, period=period),
            "declared": selectors.own_declarations(user=request.user, period=period),
            "review_requests": requests_,
            "review_form": forms_["review"],
            "may_ask": may_ask,
            "opinion_form": forms_["opinion"],
            "may_give_opinion": result is not None and result.status == Step.FINAL and not period.is_closed,
        },
    )
