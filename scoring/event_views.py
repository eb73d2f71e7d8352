"""The pages of bonus and deduction events: the office's list and record form, a person's declaration, the
section's check (把关) queue and the evidence download.

A declared bonus goes person → head of the person's section (check or return) → office (approve or
reject). What the office records itself counts at once.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common import numbers
from common.params import as_pk
from common.refusals import log_refusal, not_found, refusal_messages, show_refusal
from periods.models import Period
from scoring import evidence as evidence_rules
from scoring import selectors, services
from scoring.models import Event, EventStandard, ScoreSheet
from scoring.views import _period, _unit
from units.models import Person
from units.permissions import Action, scope_for
from units.selectors import people_visible_to

PAGE_SIZE = 50
SHARE_ROWS = 5
MAX_SHARE_ROWS = 50
ACCEPT = ",".join(evidence_rules.KINDS)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content in the service (``scoring.evidence``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT, "class": "form-control"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(one, initial) for one in data if one]
        return [super().clean(data, initial)] if data else []


def _files_help() -> str:
    return _("PDF, JPEG, PNG, Word or Excel; each at most %(max)s.") % {
        "max": filesizeformat(settings.EVIDENCE_MAX_BYTES)
    }


def standards_for(period: Period):
    """The standards a period's region uses: the shared ones and its own, active only."""
    return EventStandard.objects.filter(
        Q(region__isnull=True) | Q(region_id=period.assessment_year.region_id), is_active=True
    )


class StandardChoice(forms.ModelChoiceField):
    """A standard named with its kind, so that a veto item (一票否优) reads as one in the list."""

    def label_from_instance(self, obj):
        if obj.kind == EventStandard.Kind.VETO:
            return _("[veto item] %(standard)s") % {"standard": obj}
        return str(obj)


class DeclareForm(forms.Form):
    standard = forms.ModelChoiceField(label=gettext_lazy("standard"), queryset=EventStandard.objects.none())
    matter = forms.CharField(label=gettext_lazy("matter"), max_length=200)
    evidence = forms.CharField(label=gettext_lazy("evidence"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=gettext_lazy("evidence files"))

    def __init__(self, *args, period: Period, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = standards_for(period).filter(kind=EventStandard.Kind.BONUS)
        self.fields["files"].help_text = _files_help()
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name == "standard" else "form-control")


class RecordForm(forms.Form):
    standard = StandardChoice(label=gettext_lazy("standard"), queryset=EventStandard.objects.none())
    matter = forms.CharField(label=gettext_lazy("matter"), max_length=200)
    points = numbers.DecimalField(
        label=gettext_lazy("points"),
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("Left empty: the standard's points."),
    )
    evidence = forms.CharField(label=gettext_lazy("evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=gettext_lazy("evidence files"))

    def __init__(self, *args, period: Period, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = standards_for(period).order_by("kind", "order", "code")
        self.fields["files"].help_text = _files_help()
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name == "standard" else "form-control")


class ShareForm(forms.Form):
    """One person and their share of the event's points; an empty row is left out.

    The people are read once for all the rows (``people``: ``{pk: Person}``), not once per row's select.
    """

    person = forms.TypedChoiceField(label=gettext_lazy("person"), required=False, coerce=int, empty_value=None)
    points = numbers.DecimalField(label=gettext_lazy("share"), max_digits=6, decimal_places=2, required=False)

    def __init__(self, *args, people: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        field = self.fields["person"]
        field.choices = [("", "—"), *((pk, f"{p.name}（{p.section or p.unit}）") for pk, p in people.items())]
        field.widget.attrs["class"] = "form-select form-select-sm share-person"
        self.fields["points"].widget.attrs.update({"class": "form-control form-control-sm", "step": "0.01"})

    def clean_person(self):
        pk = self.cleaned_data.get("person")
        return None if pk is None else self.people[pk]

    def clean(self):
        data = super().clean()
        if (data.get("person") is None) != (data.get("points") is None) and not self.errors:
            raise ValidationError(_("Give both the person and their share, or leave the row empty."))
        return data


ShareFormSet = forms.formset_factory(
    ShareForm, extra=0, max_num=MAX_SHARE_ROWS, absolute_max=MAX_SHARE_ROWS, validate_max=True
)


def _recordable_people(user, period: Period, unit):
    """Whom the user may record an event for: the people the unit assesses or holds, inside the user's
    scope for events, the user's own record left out (nobody records on their own result)."""
    # Where the period assesses each person decides (services._records_for): the unit's sheets this quarter
    # (a cadre group's 县管干部, people seconded in), and its own people who have no sheet anywhere yet.
    scope = scope_for(user, Action.APPROVE_EVENTS)
    assessed = ScoreSheet.objects.filter(period=period, unit=unit).filter(scope.place_q()).values("person_id")
    sheetless = (
        people_visible_to(user=user, action=Action.APPROVE_EVENTS)
        .filter(unit=unit)
        .exclude(score_sheets__period=period)
    )
    people = Person.objects.filter(Q(pk__in=assessed) | Q(pk__in=sheetless.values("pk")))
    people = (
        people.filter(is_active=True)
        .exclude(user_id=user.pk)
        .select_related("unit", "section")
        .order_by("post_order", "name", "pk")
    )
    return {person.pk: person for person in people}


def _share_rows(request) -> int:
    try:
        wanted = int(request.GET.get("rows", SHARE_ROWS))
    except ValueError:
        wanted = SHARE_ROWS
    return max(1, min(wanted, MAX_SHARE_ROWS))


def _events_page(request, period: Period, unit, *, form=None, shares=None, status: int = 200):
    user = request.user
    can_decide = scope_for(user, Action.APPROVE_EVENTS).covers_unit(unit)
    events = selectors.events_visible_to(user=user, period=period, unit=unit)
    counts = dict(events.order_by().values_list("status").annotate(n=Count("pk")))
    shown = request.GET.get("status", "")
    if shown in Event.Status.values:
        events = events.filter(status=shown)
    query = request.GET.get("q", "").strip()[:50]
    if query:
        events = events.filter(Q(matter__icontains=query) | Q(shares__person__name__icontains=query)).distinct()
    page = Paginator(events.order_by("-declared_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    if can_decide and form is None:
        people = _recordable_people(user, period, unit)
        form = RecordForm(period=period)
        shares = ShareFormSet(prefix="share", form_kwargs={"people": people}, initial=[{}] * _share_rows(request))
    statuses = [(value, label, counts.get(value, 0)) for value, label in Event.Status.choices]
    return render(
        request,
        "scoring/events.html",
        {
            "period": period,
            "unit": unit,
            "page": page,
            "events": page.object_list,
            "statuses": statuses,
            "shown": shown,
            "query": query,
            "can_decide": can_decide and not period.is_closed,
            "checks": not scope_for(user, Action.PROPOSE).is_empty,
            "form": form,
            "shares": shares,
            "more_rows": _share_rows(request) + SHARE_ROWS,
            "searchable": shares is not None and len(shares.form_kwargs["people"]) > 15,
        },
        status=status,
    )


@login_required
def events(request, period_pk: int, code: str):
    """The unit's events, with the office's record form and its approve and reject for checked declarations."""
    period = _period(request, period_pk)
    unit = _unit(request, code)
    if request.method != "POST":
        return _events_page(request, period, unit)
    if not scope_for(request.user, Action.APPROVE_EVENTS).covers_unit(unit):
        log_refusal(request.user, "event_decide", f"unit={code}")
        return HttpResponse(_("Your roles do not allow this action."), status=403)
    event = Event.objects.filter(pk=as_pk(request.POST.get("event")), unit=unit, period=period).first()
    if event is None:
        raise not_found(request, "event_decide", f"event={request.POST.get('event')}")
    note = request.POST.get("note", "")[:200]
    try:
        if request.POST.get("decision") == "approve":
            services.event_approve(event=event, by=request.user, note=note)
        else:
            services.event_reject(event=event, by=request.user, note=note)
    except (ValidationError, PermissionError) as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, _("Decided."))
    return redirect(f"{request.path}?status={Event.Status.CHECKED}")


@login_required
@require_POST
def event_record(request, period_pk: int, code: str):
    """The office records a deduction, a veto item or a bonus for one person or several, each with a share."""
    period = _period(request, period_pk)
    unit = _unit(request, code, Action.APPROVE_EVENTS)
    people = _recordable_people(request.user, period, unit)
    form = RecordForm(request.POST, request.FILES, period=period)
    shares = ShareFormSet(request.POST, prefix="share", form_kwargs={"people": people})
    if form.is_valid() and shares.is_valid():
        rows = [(row["person"], row["points"]) for row in shares.cleaned_data if row.get("person") is not None]
        try:
            event = services.event_record(
                period=period,
                unit=unit,
                matter=form.cleaned_data["matter"],
                standard=form.cleaned_data["standard"],
                evidence=form.cleaned_data["evidence"],
                shares=rows,
                points=form.cleaned_data["points"],
                files=form.cleaned_data["files"],
                by=request.user,
            )
        except (ValidationError, PermissionError) as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("Recorded: %(matter)s, for %(n)s people; their sheets count it now.")
                % {"matter": event.matter, "n": len(rows)},
            )
            return redirect("scoring:events", period_pk=period.pk, code=unit.code)
    return _events_page(request, period, unit, form=form, shares=shares, status=400)


@login_required
def declare(request, period_pk: int):
    """A civil servant declares a bonus item of their own, with evidence; the section checks it first."""
    person = getattr(request.user, "person", None)
    period = None
    if person is not None:
        period = (
            Period.objects.select_related("assessment_year")
            .filter(pk=period_pk, assessment_year__region_id=person.unit.region_id)
            .first()
        )
    if period is None:
        raise not_found(request, "declare", f"period={period_pk}")
    form = DeclareForm(request.POST or None, request.FILES or None, period=period)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_declare(
                period=period,
                matter=form.cleaned_data["matter"],
                standard=form.cleaned_data["standard"],
                evidence=form.cleaned_data["evidence"],
                files=form.cleaned_data["files"],
                by=request.user,
            )
        except (ValidationError, PermissionError) as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request, _("Declared; the head of your section checks it, then the assessment office approves it.")
            )
            return redirect("scoring:declare", period_pk=period.pk)
    mine = selectors.own_declarations(user=request.user, period=period)
    return render(
        request,
        "scoring/declare.html",
        {"period": period, "form": form, "mine": mine},
        status=400 if form.is_bound else 200,
    )


@login_required
def event_checks(request, period_pk: int):
    """The section head's queue: the declarations of their people waiting for the check (把关)."""
    period = _period(request, period_pk)
    if scope_for(request.user, Action.PROPOSE).is_empty:
        raise not_found(request, "event_checks", f"period={period_pk}")
    waiting = selectors.events_to_check(user=request.user, period=period)
    if request.method == "POST":
        event = waiting.filter(pk=as_pk(request.POST.get("event"))).first()
        if event is None:
            raise not_found(request, "event_check", f"event={request.POST.get('event')}")
        note = request.POST.get("note", "")[:200]
        try:
            if request.POST.get("decision") == "check":
                services.event_check(event=event, by=request.user, note=note)
                messages.success(request, _("Checked; it goes to the assessment office."))
            else:
                services.event_return(event=event, by=request.user, reason=note)
                messages.success(request, _("Returned to the person with your reason."))
        except (ValidationError, PermissionError) as exc:
            messages.error(request, " ".join(refusal_messages(exc)))
        return redirect("scoring:event_checks", period_pk=period.pk)
    done = selectors.events_checked_by(user=request.user, period=period)[:20]
    return render(
        request,
        "scoring/event_checks.html",
        {"period": period, "waiting": waiting, "done": done, "closed": period.is_closed},
    )


@login_required
def evidence_download(request, pk: int):
    """An evidence file, as an attachment, to the person themself or whoever's roles cover them."""
    evidence = selectors.evidence_for(user=request.user, pk=pk)
    if evidence is None:
        raise not_found(request, "evidence", f"evidence={pk}")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise not_found(request, "evidence", f"evidence={pk} missing on disk") from None
    response = FileResponse(handle, as_attachment=True, filename=evidence.name, content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
