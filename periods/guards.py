"""The one check every write on a quarter's data makes: the period is not closed.

A closed period (平时考核期已关闭) is the record of its quarter: its sheets, events, results, places, feedback and
opinions are read, never changed, until the organisation department reopens it (an audited act). Every write
service of scoring and the quarter calls ``ensure_open`` before it changes anything; tests/test_closed_periods.py
walks them all, so a new one cannot forget.

The refusal is a ``ValidationError`` with the code ``closed``: the pages show its message beside the form, the
API answers it with 409 (api.exceptions.CONFLICTS), and the act changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from periods.models import Period

CLOSED = "closed"


def ensure_open(period: Period) -> None:
    """Refuse a write on ``period`` once it is closed.

    ``period`` is the row the service just read or locked (its result's, its sheet's, or the one the page
    asked for): the check costs no query. Closing needs every result final and locks the period, so what could
    still race a close is an act on a final result (feedback, an opinion), which the next request refuses."""
    if period.status == Period.Status.CLOSED:
        raise ValidationError(_("The period %(period)s is closed and read-only.") % {"period": period}, code=CLOSED)
