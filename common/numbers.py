"""Numbers typed by people or sent by machines, read by one function.

Python and the database each accept more than a person means by a number, and some of it ends in a 500:
``Decimal("1e308")`` parses, then rounding it to cents raises ``InvalidOperation``; ``"²".isdigit()`` is true
and ``int("²")`` raises; ``Decimal("１２")`` and ``int("٣")`` quietly read full-width and Arabic-Indic digits;
``int("9" * 5000)`` exceeds the interpreter's digit limit; a form's ``IntegerField`` passes 10**30 on to a column
that cannot hold it. So every number read from a cell, a form or a request goes through ``parse_decimal`` or
``parse_integer``: ASCII digits 0–9 only (a full-width digit is refused with a message saying to type half-width
digits, rather than guessed at: "²" is not "2"), no NaN or infinity, an exponent only as far as the digits allow,
and at most ``NUMBER_MAX_DIGITS`` digits. A refusal is a ``NotANumber`` (a ``ValueError``) whose text says why, in
Chinese; the form field and the API field built on these turn it into their own validation error.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# ASCII only: [0-9], never \d (which matches every script's digits).
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_UNSIGNED = re.compile(r"[0-9]+")


class NotANumber(ValueError):
    """A value that is not a number this application reads; ``str()`` says why, for the person who typed it."""


def max_digits() -> int:
    return settings.NUMBER_MAX_DIGITS


def _text(raw: object, digits: int) -> str:
    """The number as text, for the checks; refuses what is no number whatever its text."""
    if isinstance(raw, bool) or raw is None:
        raise NotANumber(_("not a number"))
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise NotANumber(_("not a number"))
        return repr(raw)
    if isinstance(raw, int):
        # str() of an int beyond the interpreter's digit limit raises; its bit length says enough.
        if raw.bit_length() > digits * 4:
            raise _too_many(digits)
        return str(raw)
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise NotANumber(_("not a number"))
        return str(raw)
    text = str(raw).strip()
    # A sign, a point and an exponent beside the digits; anything longer is refused before it is read.
    if len(text) > digits + 8:
        raise _too_many(digits)
    return text


def _refuse_text(text: str) -> None:
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        raise NotANumber(_("use the half-width digits 0–9"))
    raise NotANumber(_("not a number"))


def _too_many(digits: int) -> NotANumber:
    return NotANumber(_("too many digits: at most %(digits)s") % {"digits": digits})


def parse_decimal(raw: object, *, places: int | None = None, digits: int | None = None) -> Decimal:
    """``raw`` (text, int, float or Decimal) as a finite Decimal with at most ``digits`` digits, or NotANumber.

    ``places``: refuse more decimal places than this (trailing zeros aside: ``1.50`` has two). The range is the
    caller's to check: this only makes sure the value can be compared and rounded without an error. The digits
    are counted from the value's own tuple, never through a context operation, which a huge exponent would
    overflow."""
    digits = digits or max_digits()
    text = _text(raw, digits)
    if not _DECIMAL.fullmatch(text):
        _refuse_text(text)
    try:
        value = Decimal(text)
    except InvalidOperation:  # an exponent beyond what Decimal stores at all
        raise _too_many(digits) from None
    _sign, coefficient, exponent = value.as_tuple()
    significant = "".join(map(str, coefficient)).rstrip("0") or "0"
    exponent += len(coefficient) - len(significant)  # 1.50 has the places of 1.5
    whole = max(value.adjusted() + 1, 0)
    fraction = max(-exponent, 0) if value else 0
    if whole + fraction > digits:
        raise _too_many(digits)
    if places is not None and fraction > places:
        raise NotANumber(_("at most %(places)s decimal places") % {"places": places})
    return value


def parse_integer(raw: object, *, signed: bool = True, digits: int | None = None) -> int:
    """``raw`` as an int of at most ``digits`` ASCII digits (a sign too if ``signed``), or NotANumber. A float or
    a Decimal is accepted when it is whole (a spreadsheet cell holds 12 as 12.0)."""
    digits = digits or max_digits()
    if isinstance(raw, (float, Decimal)):
        value = parse_decimal(raw, digits=digits)
        if value != value.to_integral_value() or (value < 0 and not signed):
            raise NotANumber(_("not a whole number"))
        return int(value)
    text = _text(raw, digits)
    if not (_INTEGER if signed else _UNSIGNED).fullmatch(text):
        if any(ch.isdigit() and not ch.isascii() for ch in text):
            _refuse_text(text)
        raise NotANumber(_("not a whole number"))
    if len(text.lstrip("+-").lstrip("0")) > digits:
        raise _too_many(digits)
    return int(text)


# Form fields ----------------------------------------------------------------------------------------------------


class DecimalField(forms.DecimalField):
    """Django's DecimalField reading through ``parse_decimal``: a full-width digit, a huge exponent or NaN is a
    form error in Chinese, never a value the database or the rules choke on. ``max_digits`` and
    ``decimal_places`` are still checked by Django's validators, with their own messages."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_decimal(value)
        except NotANumber as refused:
            raise ValidationError(str(refused), code="invalid") from None


class IntegerField(forms.IntegerField):
    """Django's IntegerField reading through ``parse_integer``; without a ``max_value`` it still refuses more
    digits than ``NUMBER_MAX_DIGITS`` (a value no column holds)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_integer(value)
        except NotANumber as refused:
            raise ValidationError(str(refused), code="invalid") from None
