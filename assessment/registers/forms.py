"""The register centre's forms: which register, of which year and quarter, of which unit."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.registers.export import QUARTER_NAMES, TITLES, Request
from assessment.registers.selectors import export_years
from periods.models import AssessmentYear
from units.permissions import Action
from units.selectors import units_visible_to


class RegisterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("register"), choices=list(TITLES.items()))
    year = forms.ModelChoiceField(label=gettext_lazy("year"), queryset=AssessmentYear.objects.none())
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("quarter"),
        choices=[("", gettext_lazy("— (annual registers)")), *QUARTER_NAMES.items()],
        coerce=int,
        empty_value=None,
        required=False,
    )
    # Set by the button pressed: the workbook, or the same register as a PDF made by LibreOffice.
    format = forms.ChoiceField(
        label=gettext_lazy("file format"), choices=[("xlsx", "Excel"), ("pdf", "PDF")], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].queryset = export_years(user=user)
        self.fields["year"].initial = self.fields["year"].queryset.values_list("pk", flat=True).first()
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def choices(self):
        """The fields chosen in the form's selects (the format is chosen by the button pressed)."""
        return [field for field in self if field.name != "format"]

    def request(self, unit=None) -> Request:
        data = self.cleaned_data
        return Request(
            kind=data["kind"],
            assessment_year=data["year"],
            quarter=data["quarter"],
            unit=unit,
            format=data.get("format") or "xlsx",
        )


class UnitRegisterForm(RegisterForm):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("unit"), queryset=units_visible_to(user=None), to_field_name="code"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["unit"].queryset = units_visible_to(user=user, action=Action.EXPORT).order_by("order", "code")
        self.fields["unit"].initial = self.fields["unit"].queryset.values_list("code", flat=True).first()
        self.fields["unit"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        unit, year = data.get("unit"), data.get("year")
        if unit is not None and year is not None and unit.region_id != year.region_id:
            raise ValidationError(_("The unit is not in the year's region."))
        return data
