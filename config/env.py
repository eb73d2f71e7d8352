"""Strict reading of environment variables.

django-environ reads the values; these wrappers make a malformed value stop start-up with a message
that names the variable, instead of silently falling back (``environ`` reads ``DEBUG=ture`` as False).
"""

from __future__ import annotations

import os
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DB_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}
_REDIS_SCHEMES = {"redis", "rediss"}

_UNSET = object()


def _raw(name: str) -> str | None:
    return os.environ.get(name)


def _missing(name: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Environment variable {name} is required but not set.")


def env_str(name: str, default: Any = _UNSET) -> str:
    value = _raw(name)
    if value is None:
        if default is _UNSET:
            raise _missing(name)
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={value!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"Environment variable {name}={number} must be at least {minimum}.")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(name)
    if value is None:
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} must be one of {', '.join(choices)}.")
    return value


_RATE_PERIODS = ("s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day")


def env_rate(name: str, default: str) -> str:
    """A throttle rate as Django REST framework reads it: requests per period, ``600/minute``, ``10/s``."""
    value = _raw(name)
    if value is None:
        return default
    count, _, period = value.strip().partition("/")
    if not (count.isdigit() and int(count) > 0 and period in _RATE_PERIODS):
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} is not a rate; write requests per period, e.g. 600/minute."
        )
    return value.strip()


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_database(name: str, default: str | None) -> dict[str, Any]:
    value = _raw(name)
    if value is None:
        if default is None:
            raise _missing(name)
        value = default
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme not in _DB_SCHEMES:
        raise ImproperlyConfigured(
            f"Environment variable {name}={_redact(value)!r} is not a database URL; "
            "expected postgres://user@host:port/name or sqlite:///path."
        )
    try:
        config = _env.db_url_config(value)
    except Exception as exc:  # environ raises several types for broken URLs
        raise ImproperlyConfigured(f"Environment variable {name} is malformed: {exc}") from None
    if config["ENGINE"] != "django.db.backends.sqlite3" and not config.get("NAME"):
        raise ImproperlyConfigured(f"Environment variable {name} names no database.")
    return config


def env_redis_url(name: str) -> str | None:
    value = _raw(name)
    if value is None or value == "":
        return None
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme not in _REDIS_SCHEMES:
        raise ImproperlyConfigured(
            f"Environment variable {name}={_redact(value)!r} is not a Redis URL; expected redis://host:port/db."
        )
    return value


def _redact(url: str) -> str:
    """Hide a password in a URL before it reaches a log or an error message."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
