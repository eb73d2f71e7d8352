"""Checks on the resident ID number (居民身份证号码, GB 11643-1999)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper()


def validate_id_number(value: str) -> None:
    value = normalise_id_number(value)
    if not _PATTERN.match(value):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a final digit or X."), code="format")
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(_("The ID number's check digit is wrong; please check the number."), code="checksum")
    try:
        id_birth_date(value)
    except ValueError:
        raise ValidationError(_("The ID number does not contain a valid birth date."), code="birth_date") from None


def id_birth_date(value: str) -> datetime.date:
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_sex(value: str) -> str:
    """'M' or 'F': the 17th digit is odd for men, even for women."""
    return "M" if int(value[16]) % 2 else "F"


def mask_id_number(value: str) -> str:
    """Shown everywhere instead of the number: the first 4 and last 4 characters only."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
