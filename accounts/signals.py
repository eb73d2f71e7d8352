"""The edge where logins reach the audit trail: Django's login signals and django-axes' lockout signal, each
handed to ``accounts.services`` as it is."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts import services
from accounts.lockout import client_address


def _address(request) -> str | None:
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or client_address(request)


@receiver(user_logged_in, dispatch_uid="kaohe_trail_login")
def logged_in(sender, request, user, **kwargs):
    services.login_record(user=user, address=_address(request))


@receiver(user_login_failed, dispatch_uid="kaohe_trail_login_failed")
def login_failed(sender, credentials, request=None, **kwargs):
    # A login the lockout refused is reported by axes (below) as well; it is recorded once, as locked.
    if request is not None and getattr(request, "axes_locked_out", False):
        return
    services.login_failure_record(username=credentials.get("username", ""), address=_address(request))


@receiver(user_locked_out, dispatch_uid="kaohe_trail_locked_out")
def locked_out(sender, request, username, ip_address, **kwargs):
    services.login_failure_record(username=username or "", address=ip_address or _address(request), locked=True)
