from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from scoring.models import (
    Event,
    EventEvidence,
    EventShare,
    EventStandard,
    IndicatorItem,
    IndicatorTemplate,
    MonthlyImport,
)
from scoring.services import template_problems


class ItemFormSet(forms.BaseInlineFormSet):
    """A template is refused on save unless its parts add up (the same check the services apply)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        items = [
            (form.cleaned_data["kind"], form.cleaned_data.get("max_points") or Decimal(0))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        weight = self.instance.individual_weight
        cap = self.instance.bonus_cap
        problems = template_problems(individual_weight=weight, bonus_cap=cap, items=items)
        if problems:
            raise ValidationError(problems)


class ItemInline(admin.TabularInline):
    model = IndicatorItem
    formset = ItemFormSet
    fields = ["order", "kind", "dimension", "name", "max_points", "description"]
    extra = 0

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen


@admin.register(IndicatorTemplate)
class IndicatorTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "year", "version", "individual_weight", "bonus_cap", "frozen_at"]
    list_filter = ["year", "category"]
    readonly_fields = ["frozen_at"]
    inlines = [ItemInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return ["category", "year", "version", "name", "individual_weight", "bonus_cap", "frozen_at"]
        return self.readonly_fields


@admin.register(EventStandard)
class EventStandardAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "points", "region", "is_active", "order"]
    list_filter = ["kind", "is_active", "region"]
    search_fields = ["name", "code"]


class EventShareInline(admin.TabularInline):
    model = EventShare
    fields = ["person", "points"]
    autocomplete_fields = ["person"]
    extra = 0

    def has_change_permission(self, request, obj=None):
        return False


class EventEvidenceInline(admin.TabularInline):
    """The files' names and types only: the files themselves are sent by ``scoring:evidence``, which checks
    who asks."""

    model = EventEvidence
    fields = ["name", "size", "content_type", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only here: events are recorded and decided through the services, which check and recompute."""

    list_display = ["matter", "standard", "points", "status", "unit", "period", "declared_at"]
    list_filter = ["status", "standard__kind", "period"]
    search_fields = ["matter", "unit__name"]
    inlines = [EventShareInline, EventEvidenceInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(MonthlyImport)
class MonthlyImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "period", "unit", "rows", "created", "replaced", "imported_by", "imported_at"]
    list_filter = ["period"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


admin.site.empty_value_display = _("(none)")
