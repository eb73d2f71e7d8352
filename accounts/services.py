"""Writes of the accounts: lifting a login lockout, and the audit trail of logins, lockouts and password changes.

The logins are reported by signals (``accounts.signals``: Django's and django-axes'), which only hand them here."""

from __future__ import annotations

import ipaddress
import logging

from axes.handlers.proxy import AxesProxyHandler
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import accounts_covered
from audit.services import record
from common.refusals import refusal
from units.models import Person, RoleAssignment
from units.permissions import Action, scope_for

HIDDEN = "(hidden)"

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
    user = User.objects.filter(username=username).first()
    record(
        action="account_unlock",
        by=by,
        object_type="user",
        object_id=getattr(user, "pk", ""),
        changes={"username": [username, username], "failures_counted": [dropped, 0]},
        **account_scope(user),
    )
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
    record(action="address_unlock", by=by, address=address, changes={"failures_counted": [dropped, 0]})
    return dropped


# The trail of the accounts -------------------------------------------------------------------------------------


def account_scope(user) -> dict:
    """Whose trail an account's entries join: the person it is (their unit), or else the node of its first role
    (an officer of the organisation department is no person of a unit); nobody's for an unknown name."""
    if user is None:
        return {}
    person = Person.objects.filter(user=user).only("pk", "unit_id").first()
    if person is not None:
        return {"person": person}
    role = RoleAssignment.objects.filter(user=user).select_related("section").order_by("pk").first()
    if role is None:
        return {}
    return {"unit": role.unit_id or (role.section.unit_id if role.section_id else None), "region": role.region_id}


def login_record(*, user, address: str | None) -> None:
    """A successful login."""
    record(action="login", by=user, obj=user, address=address, **account_scope(user))


def login_failure_record(*, username: str, address: str | None, locked: bool = False) -> None:
    """A failed login (``locked``: the lockout refused it, or it locked the account or address). The account is
    named when the name is one; the name tried is kept either way, the password never."""
    username = (username or "")[:150]
    user = User.objects.filter(username=username).first() if username else None
    record(
        action="login_locked" if locked else "login_failed",
        object_type="user",
        object_id=getattr(user, "pk", ""),
        address=address,
        changes={"username": [None, username]},
        **account_scope(user),
    )


def password_change_record(*, user, by) -> None:
    """A password set: by its owner (the password page) or by a system administrator (the administration)."""
    record(action="password_change", by=by, obj=user, changes={"password": [HIDDEN, HIDDEN]}, **account_scope(user))
