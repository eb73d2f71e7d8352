"""The reads of the home stage: a user's own notifications, and how many of them are unread."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from assessment.models import Notification


def notifications_of(*, user) -> QuerySet[Notification]:
    """The user's own notifications, newest first: nobody reads another's."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_of(*, user) -> QuerySet[Notification]:
    return notifications_of(user=user).filter(read_at__isnull=True)


def with_unread_count(users: QuerySet) -> QuerySet:
    """``users`` with ``unread_notifications``: a subquery in the query that loads them, not one of its own."""
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return users.annotate(unread_notifications=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))


def unread_count(*, user) -> int:
    """How many of the user's notifications are unread: read from the user when the request loaded it with the
    count (``backends.UserBackend``), else counted."""
    count = getattr(user, "unread_notifications", None)
    return unread_of(user=user).count() if count is None else count
