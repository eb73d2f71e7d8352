"""Reads of the accounts pages, scoped to the reader: the logins locked after failed attempts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Q, QuerySet, Sum

from accounts.lockout import counting_attempts
from accounts.models import User
from units.permissions import Action, Scope, scope_for


@dataclass(frozen=True)
class LockedLogin:
    """A user name or an address whose failed logins have reached its limit."""

    key: str  # the user name, or the address
    failures: int
    last_failure: datetime.datetime
    user: User | None = None


def accounts_covered(scope: Scope) -> QuerySet[User]:
    """The accounts a scope of the organisation department covers: the people of its regions' units and whoever
    holds a role there. Administrators' accounts only for a scope that covers everything (a superuser)."""
    users = User.objects.all()
    if scope.everything:
        return users
    regions = scope.region_ids
    return (
        users.filter(
            Q(person__unit__region_id__in=regions)
            | Q(role_assignments__region_id__in=regions)
            | Q(role_assignments__unit__region_id__in=regions)
            | Q(role_assignments__section__unit__region_id__in=regions)
        )
        .filter(is_superuser=False, is_staff=False)
        .distinct()
    )


def locked_accounts_visible_to(*, user, q: str = "") -> list[LockedLogin]:
    """The locked user names the user may unlock, the most recent failure first. A superuser also sees names no
    account has (someone guessing); the organisation department only accounts of its regions."""
    scope = scope_for(user, Action.UNLOCK_ACCOUNTS)
    if scope.is_empty:
        return []
    attempts = counting_attempts().exclude(username=None)
    if q:
        named = User.objects.filter(full_name__icontains=q).values("username")
        attempts = attempts.filter(Q(username__icontains=q) | Q(username__in=named))
    rows = list(
        attempts.values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.LOGIN_FAILURES_PER_ACCOUNT)
        .order_by("-last")
    )
    accounts = {
        account.username: account
        for account in accounts_covered(scope).filter(username__in=[row["username"] for row in rows])
    }
    return [
        LockedLogin(
            key=row["username"], failures=row["failures"], last_failure=row["last"], user=accounts.get(row["username"])
        )
        for row in rows
        if row["username"] in accounts or scope.everything
    ]


def locked_addresses_visible_to(*, user) -> list[LockedLogin]:
    """The locked addresses: only a superuser's, since an address belongs to no region."""
    if not (user.is_active and user.is_superuser):
        return []
    rows = (
        counting_attempts()
        .exclude(ip_address=None)
        .values("ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.LOGIN_FAILURES_PER_ADDRESS)
        .order_by("-last")
    )
    return [LockedLogin(key=row["ip_address"], failures=row["failures"], last_failure=row["last"]) for row in rows]
