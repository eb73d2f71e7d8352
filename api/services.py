"""The API's writes of its own: issuing and revoking the tokens of service accounts (``manage.py api_token`` and
the administration's token page both come here), each in the audit trail. The token itself is never recorded:
only its first characters (knox's ``token_key``), by which the administration lists it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from knox.models import AuthToken

from accounts.services import account_scope
from audit.services import entry, record, record_all


@transaction.atomic
def token_issue(*, user, days: int, by=None) -> tuple[AuthToken, str]:
    """A new token for ``user`` lasting ``days``; returns the row and the token, which is shown once."""
    if days < 1:
        raise ValueError("A token lasts at least one day.")
    instance, token = AuthToken.objects.create(user=user, expiry=datetime.timedelta(days=days))
    record(
        action="token_issue",
        by=by,
        object_type="authtoken",
        object_id=instance.token_key,
        changes={"user": [None, user.username], "expiry": [None, instance.expiry.isoformat()]},
        **account_scope(user),
    )
    return instance, token


@transaction.atomic
def token_revoke(*, tokens: Iterable[AuthToken], by=None) -> int:
    """Delete ``tokens``: they stop working at once. Returns how many."""
    tokens = list(tokens)
    scopes: dict[int, dict] = {}
    entries = []
    for token in tokens:
        scope = scopes.setdefault(token.user_id, account_scope(token.user))
        entries.append(
            entry(
                action="token_revoke",
                by=by,
                object_type="authtoken",
                object_id=token.token_key,
                changes={"user": [token.user.username, None], "expiry": [plain_time(token.expiry), None]},
                **scope,
            )
        )
    AuthToken.objects.filter(pk__in=[t.pk for t in tokens]).delete()
    record_all(entries)
    return len(tokens)


def plain_time(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None
