"""The quarter's forms, and how a page shows what a service refused."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

TEXT_LIMIT = 2000  # characters of a comment or a reason typed on the quarter's pages
SUMMARY_LIMIT = 5000  # characters of a quarterly summary


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("My quarterly summary"),
        max_length=SUMMARY_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8, "class": "form-control"}),
    )


class WorkRecordForm(forms.Form):
    on = forms.DateField(
        label=gettext_lazy("date"),
        # An HTML date input takes ISO dates only; the localised format would leave it empty.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
    )
    content = forms.CharField(
        label=gettext_lazy("What was done"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class ReviewRequestForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What should be reviewed, and why"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label=gettext_lazy("My opinion on the result"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


def problems_of(exc: Exception) -> list[str]:
    """What a refused act says, message by message."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return list(getattr(exc, "messages", [str(exc)]))


def show_refusal(form: forms.Form, exc: Exception) -> None:
    """Put a service's refusal on the form: each message beside its field, the rest above the form."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, problems in exc.message_dict.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
    else:
        for problem in problems_of(exc):
            form.add_error(None, problem)
