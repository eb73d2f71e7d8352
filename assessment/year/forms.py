"""The year's forms."""

from django import forms
from django.utils.translation import gettext_lazy


class InputsUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Annual inputs file (.xlsx)"))


class AskForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
