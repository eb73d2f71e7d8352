from axes import apps as axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    default = True  # the module also holds a third-party app's config
    verbose_name = _("Accounts")

    def ready(self):
        from accounts import signals  # noqa: F401  (connects the logins to the audit trail)


class AxesConfig(axes_apps.AppConfig):
    """django-axes (login lockout), named in Chinese in the admin like the project's own apps."""

    verbose_name = _("Login protection")
