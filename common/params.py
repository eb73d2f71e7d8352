"""Request parameters read safely: a primary key or a small number is ASCII digits only (``"²".isdigit()`` is
true and ``int("²")`` fails), so a forged value is "not given", never a crash."""

from __future__ import annotations

import re

DIGITS = re.compile(r"[0-9]{1,18}")


def is_number(value) -> bool:
    """True for ASCII digits (at most 18 of them): what ``int()`` and a primary key accept."""
    return value is not None and DIGITS.fullmatch(str(value).strip()) is not None


def as_pk(value) -> int | None:
    """The value as a primary key, or None when it is not one."""
    return int(str(value).strip()) if is_number(value) else None
