"""The API's throttles (settings REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], from API_THROTTLE_USER and
API_THROTTLE_ANON): an account's requests, by token or session, per account; requests that are not
authenticated, per address. Over the rate: 429 with Retry-After (api.exceptions).

DRF checks throttles after authentication and permissions, so a request without valid credentials would be
answered 401 without ever being counted, and guessing tokens would go unthrottled. The exception handler
therefore counts each refused authentication with ``AnonRateThrottle`` (``throttle_refused``): an address that
keeps failing gets 429 instead of 401 until its rate allows again."""

from __future__ import annotations

from rest_framework import exceptions, throttling
from rest_framework.settings import api_settings


class _RatesFromSettings:
    """Reads the rate when asked, not when the class is defined (as DRF does), so that a changed setting
    (a test's) is seen."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonRateThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    pass


def throttle_refused(request, view) -> exceptions.Throttled | None:
    """Count a request whose authentication was refused against its address's rate; the 429 to give instead
    of the refusal once the rate is used up."""
    throttle = AnonRateThrottle()
    if throttle.rate is None or throttle.allow_request(request, view):
        return None
    return exceptions.Throttled(wait=throttle.wait())
