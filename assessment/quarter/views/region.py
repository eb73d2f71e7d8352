"""The organisation department's own pages for the quarter (组织部): its years and periods (set up a year,
open, close and reopen a period), the ratio of 好 of every unit for a year, and the confirmation queue
(核准) of a period. Thin, as the chain's pages are: each checks the region against the user's roles (an
outsider gets 404, logged), reads one selector, and posts to one service, saying what it refused and why."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.models import UnitYear
from assessment.quarter import region_selectors as selectors
from assessment.quarter import services
from assessment.quarter.forms import TEXT_LIMIT
from assessment.quarter.views.chain import _period, _submit
from common.numbers import NotANumber, parse_decimal
from common.params import as_pk, is_number
from common.refusals import not_found, refusal_messages
from periods.models import AssessmentYear
from units.permissions import Action, scope_for

RATIOS_PER_PAGE = 50
RATIO_REASON_LIMIT = UnitYear._meta.get_field("reason").max_length
YEARS = (2000, 2100)  # the years an assessment year may have (AssessmentYear.year's validators)


def _org_period(request, pk: int, what: str):
    """The period, if the user confirms its region's results (the acts on a period are the organisation
    department's); 404, logged, for anyone else."""
    period = _period(request, pk)
    if not scope_for(request.user, Action.CONFIRM).covers_region(period.assessment_year.region_id):
        raise not_found(request, what, f"period={pk}")
    return period


def _act(request, act, done: str) -> None:
    try:
        act()
    except (ValidationError, PermissionError) as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, done)


@login_required
def periods(request):
    """The years and periods of the regions the user sets ratios in, with what may be done to each."""
    if scope_for(request.user, Action.SET_RATIOS).is_empty:
        raise not_found(request, "quarter_region_periods", "")
    regions = selectors.years_for(user=request.user, today=services.today())
    if not regions:  # a unit-level grant of the action covers no whole region
        raise not_found(request, "quarter_region_periods", "no region")
    confirm_scope = scope_for(request.user, Action.CONFIRM)
    return render(
        request,
        "assessment/quarter/region/periods.html",
        {
            "regions": [(r, confirm_scope.covers_region(r.region.pk)) for r in regions],
            "years": YEARS,
        },
    )


@login_required
@require_POST
def year_create(request):
    """Set up an assessment year of a region: its four quarterly periods, as drafts, with their deadlines."""
    region = (
        selectors.regions_for(user=request.user, action=Action.SET_RATIOS)
        .filter(pk=as_pk(request.POST.get("region")))
        .first()
    )
    if region is None:
        raise not_found(request, "quarter_year_create", f"region={request.POST.get('region', '')[:20]}")
    raw = request.POST.get("year", "").strip()
    year = int(raw) if is_number(raw) and len(raw) == 4 else None
    if year is None or not YEARS[0] <= year <= YEARS[1]:
        messages.error(
            request,
            _("A year is written with four digits, from %(low)s to %(high)s.") % {"low": YEARS[0], "high": YEARS[1]},
        )
    elif AssessmentYear.objects.filter(region=region, year=year).exists():
        messages.error(
            request,
            _("The assessment year %(year)s of %(region)s is already set up.") % {"year": year, "region": region},
        )
    else:
        _act(
            request,
            lambda: services.year_create(region=region, year=year, by=request.user),
            _("The assessment year %(year)s of %(region)s is set up with its four quarters, as drafts.")
            % {"year": year, "region": region},
        )
    return redirect("quarter:region_periods")


@login_required
@require_POST
def period_open(request, period_pk: int):
    period = _org_period(request, period_pk, "quarter_period_open")
    _act(
        request,
        lambda: services.period_open(period=period, by=request.user),
        _("%(period)s is open: self-summaries begin.") % {"period": period},
    )
    return redirect("quarter:region_periods")


@login_required
@require_POST
def period_close(request, period_pk: int):
    period = _org_period(request, period_pk, "quarter_period_close")
    _act(
        request,
        lambda: services.period_close(period=period, by=request.user),
        _("%(period)s is closed: its results are read-only.") % {"period": period},
    )
    return redirect("quarter:region_periods")


@login_required
@require_POST
def period_reopen(request, period_pk: int):
    period = _org_period(request, period_pk, "quarter_period_reopen")
    reason = request.POST.get("reason", "")
    if len(reason) > TEXT_LIMIT:
        messages.error(request, _("A reason may be at most %(n)s characters; nothing was saved.") % {"n": TEXT_LIMIT})
    else:
        _act(
            request,
            lambda: services.period_reopen(period=period, by=request.user, reason=reason),
            _("%(period)s is open again.") % {"period": period},
        )
    return redirect("quarter:region_periods")


def parse_percent(raw: str) -> Decimal:
    """A ratio typed as a percentage ("40", "37.5", "40%") as the exact Decimal the ratio is stored as
    (0.40, 0.375): never through a float, and no finer than the ratio's three decimal places."""
    text = raw.strip().removesuffix("%").removesuffix("％").strip()
    try:
        percent = parse_decimal(text)
    except NotANumber:
        raise ValidationError(_("Write the ratio as a percentage, e.g. 40 or 37.5.")) from None
    if not Decimal(0) <= percent <= Decimal(100):
        raise ValidationError(_("A percentage lies between 0 and 100."))
    ratio = percent.scaleb(-2)
    if ratio != ratio.quantize(Decimal("0.001")):
        raise ValidationError(_("A percentage has at most one decimal place, e.g. 37.5."))
    return ratio


@login_required
def ratios(request, year_pk: int):
    """The ratio of 好 of every active unit of the year's region, its own or the year's default, with the
    reason, who set it and when, and its history; searched by name or code, fifty to a page. A ratio is
    set with its reason, typed as a percentage."""
    year = selectors.years_visible_to(user=request.user).filter(pk=year_pk).first()
    if year is None:
        raise not_found(request, "quarter_ratios", f"year={year_pk}")
    q = request.GET.get("q", "")[:100]
    units = selectors.ratio_units(assessment_year=year, q=q)
    posted = request.POST if request.method == "POST" else {}
    problems: list[str] = []
    failed = None
    if request.method == "POST":
        raw_unit = posted.get("unit", "")
        unit = selectors.ratio_units(assessment_year=year).filter(pk=raw_unit).first() if is_number(raw_unit) else None
        reason = posted.get("reason", "")
        try:
            if unit is None:
                raise ValidationError(_("Choose a unit of this list."))
            failed = unit.pk
            if len(reason) > RATIO_REASON_LIMIT:
                raise ValidationError(
                    _("A reason may be at most %(n)s characters; nothing was saved.") % {"n": RATIO_REASON_LIMIT}
                )
            ratio = parse_percent(posted.get("percent", ""))
            services.ratio_set(
                unit=unit, assessment_year=year, good_ratio=ratio, reason=reason.strip(), by=request.user
            )
        except (ValidationError, PermissionError) as exc:
            problems = refusal_messages(exc)
        else:
            messages.success(
                request,
                _("The ratio of 好 of %(unit)s for %(year)s is now %(percent)s%%.")
                % {"unit": unit, "year": year.year, "percent": posted.get("percent", "").strip().rstrip("%％")},
            )
            query = urlencode({k: v for k, v in (("q", q), ("page", request.GET.get("page", ""))) if v})
            return redirect(f"{reverse('quarter:ratios', args=[year.pk])}{'?' + query if query else ''}")
    page = Paginator(units, RATIOS_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.ratio_rows(assessment_year=year, units=list(page.object_list))
    return render(
        request,
        "assessment/quarter/region/ratios.html",
        {
            "year": year,
            "default_percent": selectors.as_percent(year.default_good_ratio),
            "q": q,
            "page": page,
            "rows": rows,
            "failed": failed,
            "problems": problems,
            "posted": posted,
            # Problems about no row of the page (an unknown unit) are shown above the list.
            "loose_problems": problems if failed is None or failed not in {r.unit.pk for r in rows} else [],
            "reason_limit": RATIO_REASON_LIMIT,
            "query": urlencode({"q": q}) if q else "",
        },
    )


def queue_act(request, ready: list, *, confirm, send_back, confirmed: str) -> list[str] | None:
    """The POST of a 核准 queue, the quarter's or the year's: the ticked units among those ``ready``,
    confirmed or sent back with the reason, all or nothing. None once done (and said so), else the problems
    to show beside the form, nothing saved."""
    by_pk = {str(unit.pk): unit for unit in ready}
    ticked = request.POST.getlist("unit")
    act = request.POST.get("act", "")
    reason = request.POST.get("reason", "")
    if any(pk not in by_pk for pk in ticked):
        return [_("A ticked unit is not waiting for confirmation (any more); reload the page.")]
    chosen = [by_pk[pk] for pk in ticked]
    empty = _("Tick the units to confirm or send back.")
    if act == "confirm":
        return _submit(request, chosen, confirm, empty=empty, done=confirmed)
    if act == "send_back":
        if len(reason) > TEXT_LIMIT:
            return [_("A comment or reason may be at most %(n)s characters; nothing was saved.") % {"n": TEXT_LIMIT}]
        return _submit(
            request,
            chosen,
            lambda units: send_back(units, reason),
            empty=empty,
            done=_("Results of %(n)s people sent back to their committees."),
        )
    return [_("Choose to confirm or to send back.")]


@login_required
def confirm_queue(request, period_pk: int):
    """The organisation department's queue (核准): the region's units that reported the period's results,
    to confirm or send back with a reason, ticked together (all or nothing); and below, the units still
    before confirmation with the steps they stand at, to see who is late."""
    period = _org_period(request, period_pk, "quarter_confirm_queue")
    queue = selectors.confirmation_queue(user=request.user, period=period)
    problems: list[str] = []
    if request.method == "POST":
        problems = queue_act(
            request,
            [row.unit for row in queue.ready],
            confirm=lambda chosen: services.units_confirm(period=period, units=chosen, by=request.user),
            send_back=lambda chosen, reason: services.units_send_back(
                period=period, units=chosen, by=request.user, reason=reason
            ),
            confirmed=_("Results of %(n)s people confirmed; they are final."),
        )
        if problems is None:
            return redirect("quarter:confirm_queue", period_pk=period.pk)
    reason = request.POST.get("reason", "") if request.method == "POST" else ""
    return render(
        request,
        "assessment/quarter/region/confirm_queue.html",
        {
            "period": period,
            "queue": queue,
            "problems": problems,
            "reason": reason,
            "text_limit": TEXT_LIMIT,
            "ticked": set(request.POST.getlist("unit")) if request.method == "POST" else set(),
        },
    )
