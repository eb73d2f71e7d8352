"""Django's password backend, loading the user of each request with their count of unread notifications in the
same query: the header shows the count on every page, and a query of its own there would cost every page one."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from assessment.home.selectors import with_unread_count


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = with_unread_count(get_user_model()._default_manager.all()).get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
