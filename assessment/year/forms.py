"""The year's forms."""

from django import forms
from django.utils.translation import gettext_lazy

from assessment.models import SanctionType
from common import numbers


class InputsUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Annual inputs file (.xlsx)"))


class HistoryUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Earlier grades file (.xlsx)"))


class AskForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )


class PersonInputsForm(forms.Form):
    """What the office enters for one person's year; the service checks the ranges and says what is wrong."""

    special_score = numbers.DecimalField(
        label=gettext_lazy("special-assessment score"), max_digits=5, decimal_places=2, required=False
    )
    review_score = numbers.DecimalField(
        label=gettext_lazy("annual-review score"), max_digits=5, decimal_places=2, required=False
    )
    leave_days = numbers.IntegerField(label=gettext_lazy("days of leave"), required=False)
    probation = forms.BooleanField(label=gettext_lazy("on probation (新录用试用期)"), required=False)
    under_investigation = forms.BooleanField(label=gettext_lazy("under investigation (立案审查)"), required=False)
    note = forms.CharField(label=gettext_lazy("note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_box = isinstance(field, forms.BooleanField)
            field.widget.attrs.setdefault("class", "form-check-input" if is_box else "form-control")


class SanctionForm(forms.Form):
    kind = forms.ModelChoiceField(label=gettext_lazy("sanction"), queryset=SanctionType.objects.all())
    starts_on = forms.DateField(label=gettext_lazy("from"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=gettext_lazy("decision and reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name == "kind" else "form-control")


class SanctionWithdrawForm(forms.Form):
    """Why a sanction is withdrawn (it was recorded in error); the page names which, as ``sanction``."""

    reason = forms.CharField(
        label=gettext_lazy("why it is withdrawn"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
