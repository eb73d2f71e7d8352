"""Reminders inside the app: the daily reminders of steps that fall due land here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A reminder inside the app (no e-mail or SMS on a closed network)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=120, help_text=_("The same reminder is sent once."))
    message = models.CharField(_("message"), max_length=300)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_key")]

    def __str__(self) -> str:
        return self.message
