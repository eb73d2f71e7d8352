"""List filters of the API. References are filtered by id with integer filters, never by a choice among
all rows: a choice would answer "not a valid choice" for an id outside the caller's scope and so tell
that it exists."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import get_override, set_override
from drf_spectacular.utils import extend_schema_field

from assessment.models import (
    AnnualResult,
    Grade,
    GradeHistory,
    QuarterlyResult,
    QuotaLedger,
    RegisterExport,
    ReviewRequest,
)
from assessment.registers.export import KINDS
from periods.models import Period
from scoring.models import Event, EventStandard, MonthlyImport, MonthlyScore, ScoreSheet
from units.models import Person, Placement, Section, Unit

# The largest id a database column holds: a bigger number is refused as input instead of overflowing.
MAX_ID = 2**63 - 1


class Described:
    """A filter whose schema is given by ``extend_schema_field``: drf-spectacular then leaves out the help
    text, so it is put back into the schema of each instance."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = self.extra.get("help_text")
        if help_text:
            set_override(self, "field", {**get_override(type(self), "field"), "description": help_text})


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_ID})
class IdFilter(Described, filters.NumberFilter):
    field_class = filters.fields.forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "boolean"})
class BoolFilter(Described, filters.TypedChoiceFilter):
    """true or false; anything else is refused (400), where django-filter's own would ignore it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 12})
class MonthFilter(IdFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=12, **kwargs)


def unit_code(field: str = "unit__code"):
    return filters.CharFilter(field_name=field, help_text=_("Unit code."))


def ref(field: str, help_text):
    return IdFilter(field_name=field, help_text=help_text)


class UnitFilter(filters.FilterSet):
    code = filters.CharFilter(help_text=_("Unit code."))
    region = ref("region", _("Region id."))
    category = filters.CharFilter(field_name="category__code", help_text=_("Code of the unit category."))
    is_active = BoolFilter(help_text=_("Active or not."))

    class Meta:
        model = Unit
        fields = ["code", "region", "category", "is_active"]


class SectionFilter(filters.FilterSet):
    unit = ref("unit", _("Unit id."))
    unit_code = unit_code()
    parent = ref("parent", _("Id of the parent section."))

    class Meta:
        model = Section
        fields = ["unit", "unit_code", "parent"]


class PersonFilter(filters.FilterSet):
    unit = ref("unit", _("Home unit id."))
    unit_code = unit_code()
    section = ref("section", _("Home section id."))
    is_active = BoolFilter(help_text=_("In service or not."))

    class Meta:
        model = Person
        fields = ["unit", "unit_code", "section", "is_active", "staffing_type"]


class PlacementFilter(filters.FilterSet):
    person = ref("person", _("Person id."))
    unit = ref("unit", _("Assessing unit id."))
    unit_code = unit_code()
    section = ref("section", _("Assessing section id."))

    class Meta:
        model = Placement
        fields = ["person", "unit", "unit_code", "section", "kind"]


class PeriodFilter(filters.FilterSet):
    year = IdFilter(field_name="assessment_year__year", help_text=_("Assessment year."))
    region = ref("assessment_year__region", _("Region id."))
    quarter = IdFilter(help_text=_("Quarter, 1 to 4."))

    class Meta:
        model = Period
        fields = ["year", "region", "quarter", "status"]


class PlaceFilter(filters.FilterSet):
    """Rows that sit in a unit and section and belong to a period."""

    period = ref("period", _("Period id."))
    unit = ref("unit", _("Assessing unit id."))
    unit_code = unit_code()
    section = ref("section", _("Assessing section id."))
    person = ref("person", _("Person id."))


class ScoreSheetFilter(PlaceFilter):
    is_complete = BoolFilter(help_text=_("Complete or not."))
    eligible_grade = filters.ChoiceFilter(
        choices=Grade.choices, help_text=_("The best grade the score allows: 好, 较好, 一般 or 较差.")
    )

    class Meta:
        model = ScoreSheet
        fields = ["period", "unit", "unit_code", "section", "person", "is_complete", "eligible_grade"]


class QuarterlyResultFilter(PlaceFilter):
    class Meta:
        model = QuarterlyResult
        fields = ["period", "unit", "unit_code", "section", "person", "status", "proposed_grade", "final_grade"]


class QuotaLedgerFilter(filters.FilterSet):
    period = ref("period", _("Period id."))
    unit = ref("unit", _("Unit id."))
    unit_code = unit_code()
    section = ref("section", _("Section id."))

    class Meta:
        model = QuotaLedger
        fields = ["period", "unit", "unit_code", "section"]


class AnnualResultFilter(filters.FilterSet):
    year = IdFilter(field_name="assessment_year__year", help_text=_("Assessment year."))
    assessment_year = ref("assessment_year", _("Assessment year id."))
    unit = ref("unit", _("Assessing unit id."))
    unit_code = unit_code()
    section = ref("section", _("Assessing section id."))
    person = ref("person", _("Person id."))

    class Meta:
        model = AnnualResult
        fields = [
            "year",
            "assessment_year",
            "unit",
            "unit_code",
            "section",
            "person",
            "status",
            "case",
            "suggested_grade",
            "final_grade",
        ]


class MonthlyScoreFilter(filters.FilterSet):
    period = IdFilter(method="in_period", help_text=_("Period id: the three months of its quarter."))
    person = ref("person", _("Person id."))
    unit = ref("person__unit", _("Home unit id of the person."))
    unit_code = unit_code("person__unit__code")
    year = IdFilter(help_text=_("Year."))
    month = MonthFilter(help_text=_("Month, 1 to 12."))
    batch = ref("batch", _("Id of the import that brought the score."))

    class Meta:
        model = MonthlyScore
        fields = ["period", "person", "unit", "unit_code", "year", "month", "batch"]

    def in_period(self, queryset, name, value):
        period = Period.objects.filter(pk=value).select_related("assessment_year").first()
        if period is None:
            return queryset.none()
        return queryset.filter(year=period.year, month__in=period.months)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 4})
class QuarterFilter(IdFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=4, **kwargs)


class GradeHistoryFilter(filters.FilterSet):
    person = ref("person", _("Person id."))
    unit_code = unit_code("person__unit__code")
    year = IdFilter(help_text=_("Year."))
    quarter = QuarterFilter(help_text=_("Quarter, 1 to 4."))
    annual = BoolFilter(
        field_name="quarter", lookup_expr="isnull", help_text=_("true: the annual grades only; false: the quarters.")
    )

    class Meta:
        model = GradeHistory
        fields = ["person", "unit_code", "year", "quarter", "annual", "grade"]


class MonthlyImportFilter(filters.FilterSet):
    period = ref("period", _("Period id."))
    unit = ref("unit", _("Unit id."))
    unit_code = unit_code()

    class Meta:
        model = MonthlyImport
        fields = ["period", "unit", "unit_code"]


class EventFilter(filters.FilterSet):
    period = ref("period", _("Period id."))
    unit = ref("unit", _("Unit id."))
    unit_code = unit_code()
    person = ref("shares__person", _("Id of a person sharing the event."))
    kind = filters.ChoiceFilter(
        field_name="standard__kind", choices=EventStandard.Kind.choices, help_text=_("Bonus, deduction or veto item.")
    )

    class Meta:
        model = Event
        fields = ["period", "unit", "unit_code", "person", "status", "kind"]


class ReviewRequestFilter(filters.FilterSet):
    result = ref("result", _("Result id."))
    period = ref("result__period", _("Period id."))
    person = ref("result__person", _("Person id."))
    is_open = BoolFilter(field_name="answered_at", method="open_or_not", help_text=_("Waiting for its answer or not."))

    class Meta:
        model = ReviewRequest
        fields = ["result", "period", "person", "is_open"]

    def open_or_not(self, queryset, name, value):
        return queryset.filter(answered_at__isnull=value)


class RegisterExportFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=[(kind, kind) for kind in KINDS], help_text=_("Which register."))

    class Meta:
        model = RegisterExport
        fields = ["status", "kind"]
