"""The quarter's forms."""

from __future__ import annotations

from django import forms
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
