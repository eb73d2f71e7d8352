"""The count of the user's unread notifications, for the bell in the header of every page."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from assessment.home.selectors import unread_count


def unread_notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: a page that does not draw the header (an htmx fragment) asks nothing.
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user=user))}
