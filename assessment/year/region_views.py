"""The organisation department's pages for the year (年度考核, issue #16): the ratios of 优秀 of many units
at once, the confirmation queue (核准), the appeals (申诉) it decides, the year's dashboard, and the import of
the grades from before the region went live (历史等次). Thin, as the
quarter's region pages are: each checks the region against the user's roles (an outsider gets 404, logged),
reads one selector, and posts to one service, saying what it refused and why; nothing is saved on a
refusal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from assessment.models import AnnualGrade, ExcellentRatio
from assessment.quarter.forms import TEXT_LIMIT
from assessment.quarter.services import today
from assessment.quarter.views.region import parse_percent, queue_act
from assessment.year import region_selectors as selectors
from assessment.year import services
from assessment.year.forms import HistoryUploadForm
from assessment.year.history import history_import, history_template
from assessment.year.tasks import HISTORY_IMPORTED, history_import_task
from common.imports import import_start, in_background
from common.listing import Filter, Listing, listing
from common.params import as_pk
from common.progress import shown_task
from common.refusals import not_found, refusal_messages
from common.workbooks import run_import
from units.permissions import Action

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORTS_SHOWN = 20
REASON_LIMIT = ExcellentRatio._meta.get_field("reason").max_length


def _org_year(request, pk: int, action: Action, what: str):
    """The assessment year, if the user's roles cover its whole region for ``action``; 404, logged, else."""
    year = selectors.years_visible_to(user=request.user, action=action).filter(pk=pk).first()
    if year is None:
        raise not_found(request, what, f"year={pk}")
    return year


def _back(name: str, year, found: Listing) -> str:
    """The list's page as it was (search, filters, sort and page), after a post."""
    page = found.page.number
    query = found.query(page=page if page > 1 else None)
    return reverse(name, args=[year.pk]) + (query if query != "?" else "")


def _units(request, year) -> Listing:
    """The region's active units, searched by name or code, in the region's order, fifty to a page."""
    return listing(
        request,
        selectors.region_units(assessment_year=year),
        search=("name", "code"),
        id_field=None,
        sorts={"name": ("name",), "code": ("code",)},
        default_sort=("order", "code"),
        per_page=PER_PAGE,
    )


# Ratios of 优秀 ----------------------------------------------------------------------------------------


def _ratio_changes(posted, units: dict[int, object], current: dict[int, str]):
    """The rows of the posted form that change something, as services.RatioChange, and the problems of
    rows that cannot be read (keyed by the unit's pk; "" for the whole form)."""
    changes, problems = [], {}
    for raw in posted.getlist("unit"):
        pk = as_pk(raw)
        if pk is None or pk not in units:
            problems[""] = [_("Choose a unit of this list.")]
            continue
        performance = posted.get(f"performance-{pk}", "")
        percent = posted.get(f"percent-{pk}", "").strip()
        reason = posted.get(f"reason-{pk}", "")
        if performance == current.get(pk, "") and not percent and not reason.strip():
            continue  # the row is as it was
        if len(reason) > REASON_LIMIT:
            problems[str(pk)] = [
                _("A reason may be at most %(n)s characters; nothing was saved.") % {"n": REASON_LIMIT}
            ]
            continue
        try:
            ratio = parse_percent(percent) if percent else None
        except ValidationError as exc:
            problems[str(pk)] = exc.messages
            continue
        changes.append(services.RatioChange(unit=units[pk], performance=performance, reason=reason, ratio=ratio))
    return changes, problems


@login_required
def ratios(request, year_pk: int):
    """Every active unit of the year's region with its organisational performance and the ratio of 优秀 it
    gives, the reason, who set it, and its history; the officer changes several rows and saves them in one
    post, all or nothing. Searched by name or code, fifty to a page."""
    year = _org_year(request, year_pk, Action.SET_RATIOS, "annual_ratios")
    found = _units(request, year)
    problems: dict[str, list[str]] = {}
    posted = request.POST if request.method == "POST" else None
    if posted is not None:
        pks = [pk for pk in (as_pk(raw) for raw in posted.getlist("unit")) if pk is not None]
        units = {u.pk: u for u in selectors.region_units(assessment_year=year).filter(pk__in=pks)}
        current = dict(
            ExcellentRatio.objects.filter(assessment_year=year, unit__in=list(units)).values_list(
                "unit_id", "performance"
            )
        )
        changes, problems = _ratio_changes(posted, units, current)
        if not problems:
            try:
                done = services.excellent_ratios_set(assessment_year=year, changes=changes, by=request.user)
            except ValidationError as exc:
                problems = exc.message_dict if hasattr(exc, "error_dict") else {"": refusal_messages(exc)}
            except PermissionError as exc:
                problems = {"": refusal_messages(exc)}
            else:
                messages.success(request, _("Ratios of 优秀 of %(n)s units saved.") % {"n": done})
                return redirect(_back("annual:ratios", year, found))
    rows = selectors.excellent_rows(assessment_year=year, units=list(found.rows))
    shown = {str(r.unit.pk) for r in rows}
    lines = [
        (
            row,
            {
                "performance": posted.get(f"performance-{row.unit.pk}", "") if posted else row.performance,
                "percent": posted.get(f"percent-{row.unit.pk}", "") if posted else "",
                "reason": posted.get(f"reason-{row.unit.pk}", "") if posted else "",
            },
            problems.get(str(row.unit.pk), []),
        )
        for row in rows
    ]
    return render(
        request,
        "assessment/year/region/ratios.html",
        {
            "year": year,
            "listing": found,
            "lines": lines,
            "loose_problems": [m for key, ms in problems.items() if key not in shown for m in ms],
            "performances": selectors.performance_percents(year),
            "default_percent": selectors.as_percent(year.default_excellent_ratio),
            "low": selectors.as_percent(year.excellent_ratio_min),
            "high": selectors.as_percent(year.excellent_ratio_max),
            "reason_limit": REASON_LIMIT,
        },
    )


# The confirmation queue (核准) ----------------------------------------------------------------------------


@login_required
def confirm_queue(request, year_pk: int):
    """The units that reported their annual results, with their grades and places of 优秀 used, to confirm
    (核准) or send back with a reason, ticked together (all or nothing); below, the units still before
    confirmation with their steps."""
    year = _org_year(request, year_pk, Action.CONFIRM, "annual_confirm_queue")
    queue = selectors.annual_confirmation_queue(assessment_year=year)
    problems: list[str] = []
    if request.method == "POST":
        problems = queue_act(
            request,
            [row.unit for row in queue.ready],
            confirm=lambda chosen: services.annual_units_confirm(assessment_year=year, units=chosen, by=request.user),
            send_back=lambda chosen, reason: services.annual_units_send_back(
                assessment_year=year, units=chosen, by=request.user, reason=reason
            ),
            confirmed=_("Annual results of %(n)s people confirmed; each person has the written notice."),
        )
        if problems is None:
            return redirect("annual:confirm_queue", year_pk=year.pk)
    reason = request.POST.get("reason", "") if request.method == "POST" else ""
    return render(
        request,
        "assessment/year/region/confirm_queue.html",
        {
            "year": year,
            "queue": queue,
            "problems": problems,
            "reason": reason,
            "text_limit": TEXT_LIMIT,
            "ticked": set(request.POST.getlist("unit")) if request.method == "POST" else set(),
        },
    )


# Appeals (申诉) -------------------------------------------------------------------------------------------


@login_required
def appeals(request, year_pk: int):
    """The appeals to the organisation department, open ones first with their due date; each is decided
    with a written answer, the grade kept or changed (a changed grade passes the rules and the places).
    Searched by name, filtered by state and unit, paged."""
    year = _org_year(request, year_pk, Action.CONFIRM, "annual_appeals")
    every = selectors.appeals_for(assessment_year=year)
    found = listing(
        request,
        every,
        search=("result__person__name",),
        id_field="result__person__id_number",
        filters=(
            Filter(
                "state",
                "",
                _("status"),
                [("open", _("Waiting for an answer")), ("answered", _("Answered"))],
                where={"open": Q(answered_on__isnull=True), "answered": Q(answered_on__isnull=False)},
            ),
            Filter("unit", "result__unit_id", _("unit"), selectors.unit_choices(assessment_year=year)),
        ),
        sorts={"due": ("answer_due",), "name": ("result__person__name",)},
        default_sort=(F("answered_on").desc(nulls_first=True), "answer_due", "pk"),
        per_page=PER_PAGE,
    )
    problems: list[str] = []
    failed = None
    posted = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        appeal = every.filter(pk=as_pk(posted.get("appeal"))).first() if as_pk(posted.get("appeal")) else None
        if appeal is None:
            raise not_found(request, "annual_appeal_decide", f"appeal={str(posted.get('appeal', ''))[:20]}")
        failed = appeal.pk
        answer = posted.get("answer", "")
        grade = posted.get("grade", "")
        if len(answer) > TEXT_LIMIT:
            problems = [
                _("A comment or reason may be at most %(n)s characters; nothing was saved.") % {"n": TEXT_LIMIT}
            ]
        elif grade and grade not in AnnualGrade.values:
            problems = [_("Choose a grade of the list.")]
        else:
            try:
                services.annual_appeal_decide(appeal=appeal, answer=answer, grade=grade or None, by=request.user)
            except (ValidationError, PermissionError) as exc:
                problems = refusal_messages(exc)
            else:
                messages.success(request, _("The appeal of %(name)s is decided.") % {"name": appeal.result.person.name})
                return redirect(_back("annual:appeals", year, found))
    return render(
        request,
        "assessment/year/region/appeals.html",
        {
            "year": year,
            "listing": found,
            "today": today(),
            "grades": AnnualGrade.choices,
            "problems": problems,
            "failed": failed,
            "posted": posted,
            "open_count": every.filter(answered_on__isnull=True).count(),
            "text_limit": TEXT_LIMIT,
        },
    )


# The year's dashboard -------------------------------------------------------------------------------------


@login_required
def dashboard(request, year_pk: int):
    """Per unit of the region: ratio and places of 优秀 used, grades, cases without a grade, reviews and
    appeals open with their deadlines, consequences due (each unit's leading to its consequences). Searched
    and paged like the ratios."""
    year = _org_year(request, year_pk, Action.CONFIRM, "annual_dashboard")
    found = _units(request, year)
    board = selectors.dashboard(user=request.user, assessment_year=year, units=list(found.rows))
    return render(
        request,
        "assessment/year/region/dashboard.html",
        {"year": year, "board": board, "listing": found, "today": today()},
    )


# Earlier grades (历史等次) ----------------------------------------------------------------------------------


def _org_region(request, pk: int, what: str):
    """The region, if the user's roles cover it whole as its organisation department; 404, logged, else."""
    region = selectors.regions_for(user=request.user, action=Action.CONFIRM).filter(pk=pk).first()
    if region is None:
        raise not_found(request, what, f"region={pk}")
    return region


@login_required
def history(request, region_pk: int):
    """The organisation department imports its region's grades from before the system (earlier years' annual
    grades, the quarters before the first live one) from a workbook, all or nothing; the page shows what each
    import did, or every problem of a refused file, and how many grades each year holds."""
    region = _org_region(request, region_pk, "grade_history")
    form = HistoryUploadForm()
    errors: list = []
    if request.method == "POST":
        form = HistoryUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if in_background(upload):
                label = _("Import of %(file)s") % {"file": upload.name}
                task = import_start(
                    request, upload, history_import_task, region.pk, label=label, outcome=HISTORY_IMPORTED
                )
                return redirect(f"{reverse('annual:history', args=[region.pk])}?task={task}")
            done, errors = run_import(
                upload,
                lambda content: history_import(content=content, file_name=upload.name, region=region, by=request.user),
            )
            if done is not None:
                messages.success(
                    request,
                    _(
                        "Imported %(annual)s annual and %(quarterly)s quarterly grades: %(created)s new, "
                        "%(updated)s changed, %(unchanged)s already there."
                    )
                    % {
                        "annual": done.annual,
                        "quarterly": done.quarterly,
                        "created": done.created,
                        "updated": done.updated,
                        "unchanged": done.unchanged,
                    },
                )
                return redirect("annual:history", region_pk=region.pk)
    return render(
        request,
        "assessment/year/region/history.html",
        {
            "region": region,
            "form": form,
            "errors": errors,
            "counts": selectors.history_counts(region=region),
            "imports": selectors.history_imports(region=region)[:IMPORTS_SHOWN],
            "task": shown_task(request),
        },
    )


@login_required
def history_template_download(request, region_pk: int):
    region = _org_region(request, region_pk, "grade_history_template")
    response = HttpResponse(history_template(region=region, by=request.user), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="history-{region.code}.xlsx"'
    return response
