from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    default = True  # the module also holds a third-party app's config
    verbose_name = _("REST API")


class KnoxConfig(AppConfig):
    """django-rest-knox's tokens, named in Chinese in the admin: knox ships no AppConfig and names its model
    in English. The names are set on the model's options as the app loads; its migrations are knox's own,
    and a name is not part of a migration's state (``original_attrs`` stays as knox wrote it)."""

    name = "knox"
    verbose_name = _("API tokens")

    def ready(self) -> None:
        options = self.get_model("AuthToken")._meta
        options.verbose_name = _("API token")
        options.verbose_name_plural = _("API tokens")
