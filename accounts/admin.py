from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import User
from audit.admin import TrailedAdmin
from units.models import Person, RoleAssignment
from units.services import role_scope


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    fields = ["role", "region", "unit", "section"]
    autocomplete_fields = ["unit", "section"]
    extra = 0


@admin.register(User)
class UserAdmin(TrailedAdmin, BaseUserAdmin):
    list_display = ["username", "full_name", "is_active", "is_staff", "must_change_password", "last_login"]
    search_fields = ["username", "full_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Assessment"), {"fields": ("full_name", "must_change_password")}),
    )
    inlines = [RoleAssignmentInline]
    actions = ["unlock"]

    @admin.action(description=_("Unlock the selected accounts (failed logins forgotten)"))
    def unlock(self, request, queryset):
        for user in queryset:
            try:
                services.account_unlock(username=user.username, by=request.user)
            except PermissionError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
        self.message_user(request, _("The selected accounts are unlocked."), messages.SUCCESS)

    def trail_scope(self, obj) -> dict:
        if isinstance(obj, RoleAssignment):
            return role_scope(obj)
        person = Person.objects.filter(user=obj).first()
        return {"person": person}

    def save_formset(self, request, form, formset, change):
        if formset.model is RoleAssignment:
            write = self.trail_formset(request, formset)
            for assignment in formset.save(commit=False):
                if assignment.pk is None:
                    assignment.granted_by = request.user
                assignment.save()
            for gone in formset.deleted_objects:
                gone.delete()
            formset.save_m2m()
            write()
            return
        super().save_formset(request, form, formset, change)

    def user_change_password(self, request, id, form_url=""):
        """Django's page setting a user's password; a password it changed lands in the trail."""
        before = User.objects.filter(pk=id).values_list("password", flat=True).first()
        response = super().user_change_password(request, id, form_url)
        user = User.objects.filter(pk=id).first()
        if user is not None and before is not None and user.password != before:
            services.password_change_record(user=user, by=request.user)
        return response
