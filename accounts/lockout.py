"""The login lockout, on django-axes: an account is locked after ``LOGIN_FAILURES_PER_ACCOUNT`` failed logins
from anywhere, an address after ``LOGIN_FAILURES_PER_ADDRESS`` failed logins of any accounts, for
``LOGIN_LOCKOUT_MINUTES`` after the last failure (0: until unlocked). A locked login is refused before its
password is checked, so the right password does not get in either.

Axes records every attempt (its ``AccessAttempt``, ``AccessFailureLog`` and ``AccessLog`` tables, in the admin)
and keeps one running count per user name, address and browser; this handler reads two sums from those rows,
the account's and the address's, against their own limits. Axes compares a single number with a single limit
(``AXES_FAILURE_LIMIT``, the account's), so the handler reports the failures counted towards whichever limit
is nearer, on the account's scale: the login is locked exactly when either count has reached its limit.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.shortcuts import render
from django.utils import timezone


@dataclass(frozen=True)
class Failures:
    """Failed logins still counting (within the lockout time) for one account and one address."""

    account: int
    address: int

    @property
    def account_locked(self) -> bool:
        return self.account >= settings.LOGIN_FAILURES_PER_ACCOUNT

    @property
    def address_locked(self) -> bool:
        return self.address >= settings.LOGIN_FAILURES_PER_ADDRESS

    @property
    def on_account_scale(self) -> int:
        """The failures towards the nearer of the two limits, as a count against the account's limit."""
        per_account = settings.LOGIN_FAILURES_PER_ACCOUNT
        left = min(per_account - self.account, settings.LOGIN_FAILURES_PER_ADDRESS - self.address)
        return max(per_account - left, 0)


def counting_attempts() -> QuerySet[AccessAttempt]:
    """The attempt rows whose failures still count: all of them without a lockout time, else the recent ones (a
    row's time is that of its latest failure)."""
    attempts = AccessAttempt.objects.all()
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def _sum(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def failures(*, username: str | None, address: str | None) -> Failures:
    attempts = counting_attempts()
    return Failures(
        account=_sum(attempts.filter(username=username)) if username else 0,
        address=_sum(attempts.filter(ip_address=address)) if address else 0,
    )


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Axes' database handler with one limit per account and another per address."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        return failures(username=username, address=request.axes_ip_address).on_account_scale

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a successful login, forget the account's failures, not the address's: otherwise anyone with one
        account could clear the address's count by logging in between guesses at other accounts."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


class LockoutBackend(AxesStandaloneBackend):
    """Axes' backend, first in AUTHENTICATION_BACKENDS. A check of a password without a request (``manage.py``,
    the test client's ``login``) comes from nobody at an address and is not a login to throttle; axes would
    refuse it outright, so it is passed on to the password backends."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_address(request) -> str | None:
    """The client's address: the connection's, or with PROXY_COUNT proxies in front, the address the outermost
    of them saw in X-Forwarded-For (anything further left was written by the client and is not trusted)."""
    address = request.META.get("REMOTE_ADDR")
    if settings.PROXY_COUNT:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= settings.PROXY_COUNT:
            address = forwarded[-settings.PROXY_COUNT]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked login gets (429): which lock, how long it lasts, and who can lift it sooner."""
    username = get_client_username(request, credentials) or ""
    counted = failures(username=username, address=getattr(request, "axes_ip_address", None))
    cool_off: timedelta | None = get_cool_off(request)
    context = {
        "username": username,
        "account_locked": counted.account_locked or not counted.address_locked,
        "address_locked": counted.address_locked,
        "per_account": settings.LOGIN_FAILURES_PER_ACCOUNT,
        "per_address": settings.LOGIN_FAILURES_PER_ADDRESS,
        "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "accounts/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
