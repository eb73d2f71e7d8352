"""The administrator's page of service-account tokens (knox's ``AuthToken``), in place of knox's own.

Knox's admin lists digests and lets a token be created without an expiry, and changed afterwards. Here the
list shows whose token it is, its first characters, when it was made and until when it lasts; a new token
lasts ``API_TOKEN_DAYS`` unless told otherwise and is shown once, in the page's message (only its digest
is kept); a token is never edited; deleting it revokes it at once. ``manage.py api_token`` does the same
from the command line.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from api.services import token_issue, token_revoke
from common import numbers


class TokenCreateForm(forms.ModelForm):
    days = numbers.IntegerField(
        label=_("valid for (days)"),
        min_value=1,
        max_value=3650,
        initial=settings.API_TOKEN_DAYS,
        help_text=_("The token stops working after this many days, or when it is deleted."),
    )

    class Meta:
        model = AuthToken
        fields = ["user"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["user"].help_text = _("The service account; its roles limit what the token sees and does.")


if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ServiceTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "token_key", "created", "expiry", "in_force"]
    list_select_related = ["user"]
    list_filter = ["created"]
    search_fields = ["user__username", "token_key"]
    ordering = ["-created"]
    readonly_fields = ["user", "token_key", "created", "expiry"]

    @admin.display(boolean=True, description=_("in force"))
    def in_force(self, token: AuthToken) -> bool:
        return token.expiry is None or token.expiry > timezone.now()

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a token is created or revoked, never edited

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TokenCreateForm
            kwargs["fields"] = ["user", "days"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "days"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def delete_model(self, request, obj):
        token_revoke(tokens=[obj], by=request.user)

    def delete_queryset(self, request, queryset):
        token_revoke(tokens=queryset.select_related("user"), by=request.user)

    def save_model(self, request, obj, form, change):
        made, token = token_issue(user=obj.user, days=form.cleaned_data["days"], by=request.user)
        # The page goes on with the row the service made (its log entry, the redirect).
        obj.digest, obj.token_key, obj.created, obj.expiry, obj._state = (
            made.digest,
            made.token_key,
            made.created,
            made.expiry,
            made._state,
        )
        messages.warning(
            request,
            _("The token of %(user)s, shown this once (only its digest is kept): %(token)s")
            % {"user": obj.user, "token": token},
        )
        if not obj.user.is_superuser and not obj.user.role_assignments.exists():
            messages.warning(
                request,
                _("%(user)s holds no role: the token will see nothing until roles are granted.") % {"user": obj.user},
            )
