"""Writes of the accounts pages: lifting a login lockout."""

from __future__ import annotations

import ipaddress
import logging

from axes.handlers.proxy import AxesProxyHandler
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.selectors import accounts_covered
from common.refusals import refusal
from units.permissions import Action, scope_for

security_log = logging.getLogger("kaohe.security")


@transaction.atomic
def account_unlock(*, username: str, by) -> int:
    """Forget the failed logins of ``username`` (from every address), so that it may log in again at once.
    The organisation department for the accounts of its regions, a superuser for any name. Returns how many
    attempt records were dropped; the individual failures stay in the failure log."""
    scope = scope_for(by, Action.UNLOCK_ACCOUNTS)
    if not (scope.everything or (not scope.is_empty and accounts_covered(scope).filter(username=username).exists())):
        raise refusal(by, "account_unlock", f"username={username}", _("You may not unlock this account."))
    dropped = AxesProxyHandler.reset_attempts(username=username)
    security_log.warning("unlocked account=%s by=%s attempts=%d", username, by.username, dropped)
    return dropped


@transaction.atomic
def address_unlock(*, address: str, by) -> int:
    """Forget the failed logins from ``address``, of every account: a superuser's act."""
    if not (by.is_active and by.is_superuser):
        raise refusal(
            by, "address_unlock", f"address={address}", _("Only a system administrator may unlock an address.")
        )
    try:
        address = str(ipaddress.ip_address(address.strip()))
    except ValueError:
        raise ValidationError(_("This is not a network address."), code="invalid") from None
    dropped = AxesProxyHandler.reset_attempts(ip_address=address)
    security_log.warning("unlocked address=%s by=%s attempts=%d", address, by.username, dropped)
    return dropped
