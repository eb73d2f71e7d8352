"""The writes of the home stage: a notification is read when its user opens it, or marks them all read."""

from __future__ import annotations

from django.utils import timezone

from assessment.home.selectors import notifications_of, unread_of
from assessment.models import Notification


def notification_open(*, user, pk: int) -> Notification:
    """The user's notification ``pk``, now read. Another user's answers DoesNotExist, and nothing changes."""
    note = notifications_of(user=user).get(pk=pk)
    if note.read_at is None:
        # Conditional: opened twice at once (two tabs), the first time read is the one kept.
        unread_of(user=user).filter(pk=note.pk).update(read_at=timezone.now())
    return note


def notifications_mark_read(*, user) -> int:
    """Every unread notification of the user, read now, in one statement. Returns how many."""
    return unread_of(user=user).update(read_at=timezone.now())
