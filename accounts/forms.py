from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is wrong. Note that both are case-sensitive."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django gives the user name field its max_length after building it, so nothing checks the length: a name
        # of thousands of characters went on to django-axes, whose record of the attempt holds 255 (PostgreSQL
        # refused the insert: a 500). Longer than any account's name, it is refused here, before any attempt.
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))
