import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from audit.admin import TrailedAdmin
from audit.services import record
from units.models import Person, Placement, Region, RoleAssignment, RosterImport, Section, Unit, UnitCategory
from units.services import role_scope
from units.validators import normalise_id_number, validate_id_number


@admin.register(Region)
class RegionAdmin(TrailedAdmin, GuardedModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def trail_scope(self, obj) -> dict:
        return {"region": obj}


@admin.register(UnitCategory)
class UnitCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]
    ordering = ["order"]


class SectionInline(admin.TabularInline):
    model = Section
    fields = ["name", "parent", "order"]
    extra = 0
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            unit_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Section.objects.filter(unit_id=unit_id) if unit_id else Section.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Unit)
class UnitAdmin(TrailedAdmin, GuardedModelAdmin):
    list_display = ["code", "name", "category", "region", "order", "is_active", "is_cadre_group"]
    list_filter = ["region", "category", "is_active", "is_cadre_group"]
    search_fields = ["code", "name"]
    list_select_related = ["region", "category"]
    inlines = [SectionInline]

    def trail_scope(self, obj) -> dict:
        return {"unit": obj if isinstance(obj, Unit) else obj.unit_id}


@admin.register(Section)
class SectionAdmin(TrailedAdmin, GuardedModelAdmin):
    list_display = ["name", "unit", "parent", "order"]

    def get_readonly_fields(self, request, obj=None):
        return ["unit"] if obj is not None else []

    list_filter = ["unit__region", "unit__category"]
    search_fields = ["name", "unit__name", "unit__code"]
    list_select_related = ["unit", "parent"]
    autocomplete_fields = ["unit", "parent"]

    def trail_scope(self, obj) -> dict:
        return {"unit": obj.unit_id}


class PersonForm(forms.ModelForm):
    """The ID number is entered once and never shown again in full; a correction replaces it."""

    new_id_number = forms.CharField(
        label=_("correct the ID number"),
        required=False,
        max_length=18,
        help_text=_("Leave empty to keep the stored number."),
    )

    class Meta:
        model = Person
        fields = [
            "id_number",
            "name",
            "sex",
            "birth_date",
            "political_status",
            "post",
            "rank",
            "duties",
            "post_order",
            "took_post_on",
            "staffing_type",
            "managed_by",
            "unit",
            "section",
            "user",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "id_number" in self.fields:
            del self.fields["id_number"]

    def clean_new_id_number(self):
        value = normalise_id_number(self.cleaned_data.get("new_id_number", ""))
        if value:
            validate_id_number(value)
            if Person.objects.exclude(pk=self.instance.pk).filter(id_number=value).exists():
                raise forms.ValidationError(_("A person with this ID number already exists."))
            self.instance.id_number = value
        return value


class PlacementFormSet(forms.BaseInlineFormSet):
    """Rows saved together are checked against each other too: each row's clean() only sees the database."""

    def clean(self):
        super().clean()
        rows = [
            Placement(**{k: form.cleaned_data.get(k) for k in ("kind", "unit", "section", "start_date", "end_date")})
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("start_date")
        ]
        for i, row in enumerate(rows):
            for other in rows[i + 1 :]:
                if row.overlaps(other):
                    raise ValidationError(
                        gettext("Two placements of the same side overlap (from %(a)s and from %(b)s).")
                        % {"a": row.start_date, "b": other.start_date}
                    )


class PlacementInline(admin.TabularInline):
    model = Placement
    formset = PlacementFormSet
    fields = ["kind", "unit", "section", "start_date", "end_date", "note"]
    autocomplete_fields = ["unit", "section"]
    extra = 0


@admin.register(Person)
class PersonAdmin(TrailedAdmin, GuardedModelAdmin):
    form = PersonForm
    trail_hidden = ("id_number", "new_id_number")
    list_display = [
        "name",
        "sex",
        "masked_id",
        "unit",
        "section",
        "post",
        "rank",
        "staffing_type",
        "managed_by",
        "is_active",
    ]
    list_filter = [
        "staffing_type",
        "managed_by",
        "sex",
        "political_status",
        "is_active",
        "unit__region",
        "unit__category",
    ]
    search_fields = ["name", "=id_number", "unit__name", "section__name"]
    list_select_related = ["unit", "section"]
    autocomplete_fields = ["unit", "section", "user"]
    readonly_fields = ["masked_id"]
    inlines = [PlacementInline]

    def trail_scope(self, obj) -> dict:
        # An inline placement's entries belong to the person too.
        person = obj if isinstance(obj, Person) else obj.person
        return {"person": person, "unit": person.unit_id}

    @admin.display(description=_("ID number"))
    def masked_id(self, obj: Person) -> str:
        return obj.masked_id_number

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in ("id_number", "masked_id", "new_id_number")]
        if obj is None:
            return ["id_number", *fields]
        return ["masked_id", "new_id_number", *fields]

    def get_readonly_fields(self, request, obj=None):
        # A move of home unit or section goes through units.services.person_move, which ends the old
        # home placement; editing the fields here would leave the old unit in charge.
        if obj is not None:
            return ["masked_id", "unit", "section"]
        return ["masked_id"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        person = form.instance
        if not person.placements.filter(kind=Placement.Kind.HOME).exists():
            start = person.took_post_on or timezone.localdate().replace(month=1, day=1)
            home = Placement.objects.create(
                person=person,
                kind=Placement.Kind.HOME,
                unit=person.unit,
                section=person.section,
                start_date=min(start, datetime.date.today()),
            )
            record(
                action="placement_create",
                by=request.user,
                obj=home,
                person=person,
                changes={"start_date": [None, str(home.start_date)]},
                comment="admin",
            )


@admin.register(Placement)
class PlacementAdmin(TrailedAdmin, admin.ModelAdmin):
    list_display = ["person", "kind", "unit", "section", "start_date", "end_date"]
    list_filter = ["kind", "unit__region"]
    search_fields = ["person__name", "unit__name"]
    list_select_related = ["person", "unit", "section"]
    autocomplete_fields = ["person", "unit", "section"]

    def trail_scope(self, obj) -> dict:
        return {"person": obj.person, "unit": obj.person.unit_id}


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(TrailedAdmin, admin.ModelAdmin):
    list_display = ["user", "role", "region", "unit", "section", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "unit__name", "section__name"]
    list_select_related = ["user", "region", "unit", "section"]
    autocomplete_fields = ["user", "unit", "section"]
    readonly_fields = ["granted_by", "granted_at"]

    def trail_scope(self, obj) -> dict:
        return role_scope(obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    """A record of what an import did: read-only."""

    list_display = [
        "file_name",
        "unit",
        "region",
        "rows",
        "created",
        "updated",
        "moved",
        "placements",
        "accounts_created",
        "accounts_linked",
        "imported_by",
        "imported_at",
    ]
    list_filter = ["region"]
    list_select_related = ["unit", "region", "imported_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The administration pages are for system administrators; every role works in the application's own
# pages, which scope what they show. A staff flag alone does not open them.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
