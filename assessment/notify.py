"""The one way a notification is created: ``notify`` writes the new ones (a reminder already sent is not sent
again: one per user and key) and, where the region has enabled it (``NOTIFY_EMAIL``), e-mails each new one to
the user's address once the transaction has committed, so a rolled-back act sends nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessment.models import Notification

log = logging.getLogger(__name__)

# The users looked up at once for the e-mails of new notifications (a bound on a query's parameters).
CHUNK = 500


def notify(notes: Iterable[Notification]) -> int:
    """Create the notifications not created before; returns how many were new."""
    notes = list(notes)
    if not notes:
        return 0
    started = timezone.now()
    before = Notification.objects.count()
    Notification.objects.bulk_create(notes, ignore_conflicts=True, batch_size=1000)
    created = Notification.objects.count() - before
    if created and settings.NOTIFY_EMAIL:
        messages = _mails(started, sorted({n.user_id for n in notes}))
        if messages:
            # robust: a mail server that is down must not fail the act (or the daily reminders) after the fact.
            transaction.on_commit(lambda: _send(messages), robust=True)
    return created


def _mails(since, user_ids: list[int]) -> list[tuple[str, str, str, list[str]]]:
    """The e-mails of the notifications just created for users with an address: read now, inside the
    transaction that wrote them, and sent after it commits."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("A reminder from the assessment system")
    mails = []
    for start in range(0, len(user_ids), CHUNK):
        rows = (
            Notification.objects.filter(user_id__in=user_ids[start : start + CHUNK], created_at__gte=since)
            .exclude(user__email="")
            .values_list("user__email", "message", "url")
        )
        for email, message, url in rows:
            body = f"{message}\n\n{settings.SITE_URL}{url}" if url else message
            mails.append((subject, body, settings.DEFAULT_FROM_EMAIL, [email]))
    return mails


def _send(mails: list[tuple[str, str, str, list[str]]]) -> None:
    sent = send_mass_mail(mails, fail_silently=False)
    log.info("notifications e-mailed: %s of %s", sent, len(mails))
