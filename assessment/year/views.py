"""Pages of the annual assessment: a unit's results and candidates, the inputs import, one's own annual
results with review and appeal, and the consequences list of the organisation department. Thin: each
checks the scope, calls one selector or service, and renders."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import annual
from assessment.models import AnnualInput, AnnualLedger, AnnualResult, Sanction
from assessment.year import region_selectors, selectors, services
from assessment.year.forms import AskForm, InputsUploadForm, PersonInputsForm, SanctionForm, SanctionWithdrawForm
from assessment.year.inputs import annual_inputs_import, annual_inputs_template
from assessment.year.tasks import INPUTS_IMPORTED, ROLLED_UP, annual_inputs_import_task, annual_rollup_task
from common.imports import import_start, in_background
from common.listing import Filter, listing
from common.params import as_pk
from common.progress import shown_task, task_start
from common.refusals import log_refusal, not_found, refusal_messages, show_refusal
from common.workbooks import run_import
from periods.models import AssessmentYear
from units.permissions import Action, scope_for
from units.selectors import people_visible_to, units_visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _years(user) -> QuerySet[AssessmentYear]:
    regions = units_visible_to(user=user).values("region_id")
    return AssessmentYear.objects.filter(region_id__in=regions).select_related("region")


def _year(request, pk: int) -> AssessmentYear:
    year = _years(request.user).filter(pk=pk).first()
    if year is None:
        raise not_found(request, "annual_year", f"year={pk}")
    return year


def _unit(request, year: AssessmentYear, code: str, action: Action = Action.VIEW):
    unit = units_visible_to(user=request.user, action=action).filter(code=code, region=year.region_id).first()
    if unit is None:
        raise not_found(request, "annual_unit", f"unit={code} action={action}")
    return unit


def quarter_labels() -> list[str]:
    """The quarters' column headers (第一季度…第四季度)."""
    return [_("Quarter 1"), _("Quarter 2"), _("Quarter 3"), _("Quarter 4")]


def _may_roll(user, unit) -> bool:
    return scope_for(user, Action.RUN_PERIOD).covers_unit(unit) or scope_for(user, Action.CONFIRM).covers_unit(unit)


@login_required
def year_list(request):
    years = _years(request.user).order_by("-year")
    units = units_visible_to(user=request.user).order_by("order", "code")
    can_import = not scope_for(request.user, Action.RUN_PERIOD).is_empty
    can_review = not scope_for(request.user, Action.CONFIRM).is_empty
    can_set_ratios = not scope_for(request.user, Action.SET_RATIOS).is_empty
    return render(
        request,
        "assessment/year/year_list.html",
        {
            "years": years,
            "units": units,
            "can_import": can_import,
            "can_review": can_review,
            "can_set_ratios": can_set_ratios,
        },
    )


@login_required
def unit_results(request, year_pk: int, code: str):
    """A unit's annual results with their quarters, the suggestion, the places and the ranked candidates."""
    year = _year(request, year_pk)
    unit = _unit(request, year, code)
    results = (
        selectors.annual_results_visible_to(user=request.user, assessment_year=year)
        .filter(unit=unit)
        .order_by("section__order", "section_id", "person__post_order", "person_id")
    )
    ledger = AnnualLedger.objects.filter(unit=unit, assessment_year=year).first()
    covers_unit = scope_for(request.user, Action.VIEW).covers_unit(unit)
    ranked = services.candidates(unit=unit, assessment_year=year) if covers_unit else []
    can_roll = _may_roll(request.user, unit)
    roll_blocked = ""
    if can_roll:
        try:
            services.ensure_year_closed(year)
        except ValidationError as exc:
            roll_blocked = " ".join(exc.messages)
    results = list(results)
    return render(
        request,
        "assessment/year/unit_results.html",
        {
            "year": year,
            "unit": unit,
            "results": results,
            "ledger": ledger,
            "ratio_percent": f"{(ledger.ratio * 100).normalize():f}%" if ledger else "",
            "ranked": ranked,
            "can_roll": can_roll,
            "roll_blocked": roll_blocked,
            "task": shown_task(request),
            "quarters": quarter_labels(),
            **_chain_acts(request.user, year, unit, results),
        },
    )


def _chain_acts(user, year: AssessmentYear, unit, results: list[AnnualResult]) -> dict:
    """Which of the chain's pages and acts the user has on the unit's annual page, and, for the office's
    publish and report, how many people they move or the sentence why not yet."""
    Status = AnnualResult.Status
    counts = Counter(r.status for r in results)
    runs = scope_for(user, Action.RUN_PERIOD).covers_unit(unit)
    review = scope_for(user, Action.REVIEW)
    decides = scope_for(user, Action.DECIDE).covers_unit(unit)
    before_decided = counts[Status.PROPOSAL] + counts[Status.COMMITTEE]
    publish_count = counts[Status.DECIDED] if runs and not before_decided else 0
    publish_why = ""
    if runs and not publish_count:
        if not results:
            publish_why = _("Nothing to publish: roll the year up first.")
        elif before_decided:
            publish_why = _("%(n)s annual results are not decided yet; publish when all are.") % {"n": before_decided}
    report_count, report_why = 0, ""
    behind = before_decided + counts[Status.DECIDED]
    if runs and counts[Status.PUBLICITY]:
        ends = max((r.publicity_ends for r in results if r.publicity_ends), default=None)
        if behind:
            report_why = _("Report the unit's annual results after they are all published.")
        elif ends and services.today() <= ends:
            report_why = _("Publicity lasts until %(date)s.") % {"date": ends}
        else:
            report_count = counts[Status.PUBLICITY]
    return {
        "can_propose": review.covers_unit(unit)
        or any(review.covers_place(unit=unit, section=r.section) for r in results),
        "can_decide": decides,
        "can_answer_reviews": decides and counts[Status.FINAL] > 0,
        "runs": runs,
        "publish_count": publish_count,
        "publish_why": publish_why,
        "report_count": report_count,
        "report_why": report_why,
    }


@login_required
@require_POST
def unit_rollup(request, year_pk: int, code: str):
    year = _year(request, year_pk)
    unit = _unit(request, year, code)
    if not _may_roll(request.user, unit):
        log_refusal(request.user, "annual_rollup", f"unit={code}")
        return HttpResponse(_("Your roles do not allow this action."), status=403)
    try:
        services.ensure_year_closed(year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("annual:unit_results", year_pk=year.pk, code=unit.code)
    # Queued once the request's transaction commits; without a broker it runs at once.
    task = task_start(
        request,
        annual_rollup_task,
        year.pk,
        request.user.pk,
        unit.pk,
        label=_("Roll-up of %(unit)s for %(year)s") % {"unit": unit.name, "year": year.year},
        outcome=ROLLED_UP,
    )
    return redirect(f"{reverse('annual:unit_results', args=[year.pk, unit.code])}?task={task}")


@login_required
def inputs(request, year_pk: int):
    """The office imports special-assessment and annual-review scores, leave, probation, investigations and
    sanctions from its workbook: all or nothing."""
    year = _year(request, year_pk)
    if scope_for(request.user, Action.RUN_PERIOD).is_empty:
        raise not_found(request, "annual_inputs", f"year={year_pk}")
    form = InputsUploadForm()
    errors: list = []
    if request.method == "POST":
        form = InputsUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if in_background(upload):
                label = _("Import of %(file)s") % {"file": upload.name}
                task = import_start(
                    request, upload, annual_inputs_import_task, year.pk, label=label, outcome=INPUTS_IMPORTED
                )
                return redirect(f"{reverse('annual:inputs', args=[year.pk])}?task={task}")
            done, errors = run_import(
                upload,
                lambda content: annual_inputs_import(
                    content=content, file_name=upload.name, assessment_year=year, by=request.user
                ),
            )
            if done is not None:
                messages.success(
                    request,
                    _("Imported %(rows)s rows: %(created)s new, %(updated)s changed, %(sanctions)s sanctions.") % done,
                )
                return redirect("annual:inputs", year_pk=year.pk)
    return render(
        request,
        "assessment/year/inputs.html",
        {"year": year, "form": form, "errors": errors, "task": shown_task(request)},
    )


@login_required
def person_inputs(request, year_pk: int, person_pk: str):
    """The office enters and corrects one person's annual inputs, and records their sanctions, one by one:
    through the same services as the workbook import; a sanction recorded in error is withdrawn here, with the
    reason, until a result it bears on is final. A refusal is shown beside the form; nothing is saved."""
    year = _year(request, year_pk)
    pk = as_pk(person_pk)
    person = (
        people_visible_to(user=request.user, action=Action.RUN_PERIOD)
        .filter(pk=pk, unit__region_id=year.region_id)
        .first()
        if pk is not None
        else None
    )
    if person is None:
        raise not_found(request, "annual_person_inputs", f"year={year_pk} person={person_pk}")
    stored = AnnualInput.objects.filter(person=person, assessment_year=year).first()
    initial = {name: getattr(stored, name) for name in PersonInputsForm.base_fields} if stored else {"leave_days": 0}
    form, sanction_form, withdraw_form = PersonInputsForm(initial=initial), SanctionForm(), SanctionWithdrawForm()
    status = 200
    if request.method == "POST":
        status = 400
        act = request.POST.get("act")
        try:
            if act == "inputs":
                form = PersonInputsForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    services.annual_input_set(
                        person=person,
                        assessment_year=year,
                        by=request.user,
                        **data | {"leave_days": 0 if data["leave_days"] is None else data["leave_days"]},
                    )
                    messages.success(request, _("Saved the annual inputs of %(name)s.") % {"name": person.name})
                    return redirect("annual:person_inputs", year_pk=year.pk, person_pk=person.pk)
            elif act == "sanction":
                sanction_form = SanctionForm(request.POST)
                if sanction_form.is_valid():
                    services.sanction_record(person=person, by=request.user, **sanction_form.cleaned_data)
                    messages.success(request, _("Recorded the sanction of %(name)s.") % {"name": person.name})
                    return redirect("annual:person_inputs", year_pk=year.pk, person_pk=person.pk)
            elif act == "withdraw":
                withdraw_form = SanctionWithdrawForm(request.POST)
                chosen_pk = as_pk(request.POST.get("sanction"))
                chosen = Sanction.objects.filter(pk=chosen_pk, person=person).first() if chosen_pk else None
                if chosen is None:
                    raw = str(request.POST.get("sanction", ""))[:20]
                    raise not_found(request, "sanction_withdraw", f"person={person.pk} sanction={raw}")
                if withdraw_form.is_valid():
                    services.sanction_withdraw(
                        sanction=chosen, by=request.user, reason=withdraw_form.cleaned_data["reason"]
                    )
                    messages.success(
                        request,
                        _("Withdrew the sanction of %(name)s. Roll the unit's year up again for its result to follow.")
                        % {"name": person.name},
                    )
                    return redirect("annual:person_inputs", year_pk=year.pk, person_pk=person.pk)
            else:
                messages.error(request, _("Choose what to save."))
        except (ValidationError, PermissionError) as exc:
            show_refusal({"sanction": sanction_form, "withdraw": withdraw_form}.get(act, form), exc)
    # The person's results of every year, a row per year: this year's step, and the years already final.
    results = list(AnnualResult.objects.filter(person=person).select_related("assessment_year"))
    result = next((r for r in results if r.assessment_year_id == year.pk), None)
    final_years = {r.assessment_year.year for r in results if r.status == AnnualResult.Status.FINAL}
    failed = withdraw_form.data.get("sanction")
    sanctions = [
        {
            "sanction": s,
            # The first year it bears on whose result is final: it is no longer withdrawn here.
            "final_year": next((y for y in range(s.starts_on.year, s.ends_on.year + 1) if y in final_years), None),
            "form": withdraw_form if failed == str(s.pk) else SanctionWithdrawForm(),
        }
        for s in Sanction.objects.filter(person=person).select_related("kind").order_by("-starts_on", "-pk")
    ]
    return render(
        request,
        "assessment/year/person_inputs.html",
        {
            "year": year,
            "person": person,
            "stored": stored,
            "result": result,
            "is_final": result is not None and result.status == AnnualResult.Status.FINAL,
            "form": form,
            "sanction_form": sanction_form,
            "sanctions": sanctions,
        },
        status=status,
    )


@login_required
def inputs_template(request, year_pk: int):
    year = _year(request, year_pk)
    if scope_for(request.user, Action.RUN_PERIOD).is_empty:
        raise not_found(request, "annual_inputs_template", f"year={year_pk}")
    response = HttpResponse(annual_inputs_template(assessment_year=year, by=request.user), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="annual-inputs-{year.year}.xlsx"'
    return response


@login_required
def mine(request):
    """A civil servant's own annual results once final: the written notice, and review then appeal."""
    person = getattr(request.user, "person", None)
    results = (
        selectors.own_annual_results(user=request.user)
        .select_related("assessment_year", "unit")
        .prefetch_related("appeals")
        .order_by("-assessment_year__year")
    )
    publicity_years = AssessmentYear.objects.filter(
        annual_results__unit__in=AnnualResult.objects.filter(person=person).values("unit_id"),
        annual_results__status=AnnualResult.Status.PUBLICITY,
    ).distinct()
    return render(
        request,
        "assessment/year/mine.html",
        {"results": results, "form": AskForm(), "publicity_years": publicity_years if person else []},
    )


@login_required
@require_POST
def acknowledge(request, pk: int):
    """The person acknowledges the written notice of their own final result (签收)."""
    person = getattr(request.user, "person", None)
    result = AnnualResult.objects.filter(pk=pk, person=person).first() if person is not None else None
    if result is None:
        raise not_found(request, "annual_acknowledge", f"annual={pk}")
    try:
        services.notice_acknowledge(result=result, by=request.user)
    except (ValidationError, PermissionError) as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, _("Acknowledged. The notice stays here for you to read again."))
    return redirect("annual:mine")


@login_required
def publicity(request, year_pk: int):
    """The annual publicity (公示) of one's own unit: its 优秀 with their quarterly grades."""
    person = getattr(request.user, "person", None)
    year = AssessmentYear.objects.filter(pk=year_pk, region_id=person.unit.region_id).first() if person else None
    if year is None:
        raise not_found(request, "annual_publicity", f"year={year_pk}")
    rows = selectors.annual_publicity_for(user=request.user, assessment_year=year)
    return render(request, "assessment/year/publicity.html", {"year": year, "rows": rows})


@login_required
@require_POST
def ask(request, pk: int, kind: str):
    """Ask for a review (复核) of one's own final result, or appeal (申诉) after the review's answer."""
    person = getattr(request.user, "person", None)
    result = AnnualResult.objects.filter(pk=pk, person=person).first() if person is not None else None
    if result is None or kind not in ("review", "appeal"):
        raise not_found(request, "annual_ask", f"annual={pk} kind={kind}")
    form = AskForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what should be reviewed and why."))
        return redirect("annual:mine")
    act = services.annual_review_request if kind == "review" else services.annual_appeal_request
    try:
        act(result=result, reason=form.cleaned_data["reason"], by=request.user)
    except (ValidationError, PermissionError) as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, _("Sent. The answer is due within the time shown."))
    return redirect("annual:mine")


def consequence_labels() -> dict[str, str]:
    return {
        annual.COMMENDATION: _("commendation (嘉奖)"),
        annual.MERIT: _("merit recommendation (三等功)"),
        annual.ADMONITION: _("admonition talk (诫勉谈话)"),
        annual.DISMISSAL_REVIEW: _("dismissal review (辞退审查)"),
    }


@login_required
def consequences(request, year_pk: int):
    """For the organisation department: what the year's final grades call for, to act on elsewhere; searched
    by name, filtered by consequence and unit, paged."""
    year = _year(request, year_pk)
    if scope_for(request.user, Action.CONFIRM).is_empty:
        raise not_found(request, "annual_consequences", f"year={year_pk}")
    labels = consequence_labels()
    found = listing(
        request,
        selectors.consequences_for(user=request.user, assessment_year=year),
        filters=(
            Filter("kind", "", _("calls for"), list(labels.items()), where=selectors.consequence_conditions(year)),
            Filter("unit", "unit_id", _("unit"), region_selectors.unit_choices(assessment_year=year)),
        ),
        sorts={"unit": ("unit__order", "unit_id"), "name": ("person__name",)},
        default_sort=("unit__order", "unit_id", "person__post_order", "person_id"),
    )
    rows = [
        {"result": c.result, "kinds": [labels[kind] for kind in c.kinds]}
        for c in selectors.consequences_of(found.rows, year)
    ]
    return render(request, "assessment/year/consequences.html", {"year": year, "rows": rows, "listing": found})
