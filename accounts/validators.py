"""Password rules beyond Django's own (settings.AUTH_PASSWORD_VALIDATORS): enough different characters, not one
short run repeated or counted up, and none of the account's last few passwords."""

from __future__ import annotations

from itertools import pairwise

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import PasswordHistory


def repeats_a_run(text: str) -> bool:
    """One shorter run of characters over and over: ``abcabcabc``, ``12121212``, ``Pass1Pass1``."""
    return any(
        all(text[i] == text[i - period] for i in range(period, len(text))) for period in range(1, len(text) // 2 + 1)
    )


def counts_up_or_down(text: str) -> bool:
    """Each character the next or the previous of the one before: ``abcdefgh``, ``87654321``."""
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    return len(text) > 2 and steps in ({1}, {-1})


class VarietyValidator:
    """Refuses passwords of too few different characters (``aaaaaaaaaaaa``, ``aAaAaAaA``), one short run repeated,
    or a plain sequence. Letters are compared without their case."""

    def __init__(self, min_distinct: int = 5):
        self.min_distinct = min_distinct

    def validate(self, password: str, user=None) -> None:
        folded = password.casefold()
        if len(set(folded)) < self.min_distinct:
            raise ValidationError(
                ngettext(
                    "This password uses fewer than %(min_distinct)d different character.",
                    "This password uses fewer than %(min_distinct)d different characters.",
                    self.min_distinct,
                ),
                code="password_too_uniform",
                params={"min_distinct": self.min_distinct},
            )
        if repeats_a_run(folded):
            raise ValidationError(_("This password is one short run of characters repeated."), code="password_repeats")
        if counts_up_or_down(folded):
            raise ValidationError(
                _("This password only counts up or down, like abcdefgh or 87654321."), code="password_sequence"
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must use at least %(min_distinct)d different character, and not be one short run "
            "repeated or counted up.",
            "Your password must use at least %(min_distinct)d different characters, and not be one short run "
            "repeated or counted up.",
            self.min_distinct,
        ) % {"min_distinct": self.min_distinct}


class HistoryValidator:
    """Refuses the account's present password and the ones before it: ``keep`` passwords in all. Each new
    password's hash is kept (accounts.models.PasswordHistory), the oldest beyond ``keep`` dropped."""

    def __init__(self, keep: int = 5):
        self.keep = keep

    def _recent_hashes(self, user) -> list[str]:
        hashes = [user.password] if user.password else []
        # The newest history row is usually the present password again; it is checked once.
        for encoded in user.password_history.values_list("password", flat=True)[: self.keep]:
            if encoded not in hashes:
                hashes.append(encoded)
        return hashes[: self.keep]

    def validate(self, password: str, user=None) -> None:
        if not self.keep or user is None or user.pk is None:
            return
        if any(check_password(password, encoded) for encoded in self._recent_hashes(user)):
            raise ValidationError(
                ngettext(
                    "You used this password recently: choose one different from your last %(keep)d password.",
                    "You used this password recently: choose one different from your last %(keep)d passwords.",
                    self.keep,
                ),
                code="password_reused",
                params={"keep": self.keep},
            )

    def password_changed(self, password: str, user=None) -> None:
        if not self.keep or user is None or user.pk is None or not user.has_usable_password():
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = list(user.password_history.values_list("pk", flat=True)[self.keep :])
        if stale:
            PasswordHistory.objects.filter(pk__in=stale).delete()

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must differ from your last %(keep)d password.",
            "Your password must differ from your last %(keep)d passwords.",
            self.keep,
        ) % {"keep": self.keep}
