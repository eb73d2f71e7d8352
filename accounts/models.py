from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login. What it may see and do comes from its role assignments (units.RoleAssignment)."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for accounts created by an import: the first login asks for a new password."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username
