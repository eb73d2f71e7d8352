"""The trail's one write: an export of it is itself an act in the trail (who took which entries away)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from assessment.trail.export import trail_workbook
from audit.services import record
from common.refusals import refusal
from units.permissions import Action, scope_for


def trail_export(*, entries: QuerySet, by, params: dict[str, str]) -> bytes:
    """The workbook of ``entries`` (already scoped and filtered by the page), recorded with the filters used.
    Refused above TRAIL_EXPORT_MAX_ROWS entries: narrow the dates or the filters first."""
    if scope_for(by, Action.AUDIT).is_empty:
        raise refusal(by, "trail_export", "", _("You may not read the audit trail."))
    count = entries.count()
    if count > settings.TRAIL_EXPORT_MAX_ROWS:
        raise ValidationError(
            _("%(count)s entries are more than one export holds (%(max)s): narrow the dates or the filters.")
            % {"count": count, "max": settings.TRAIL_EXPORT_MAX_ROWS},
            code="too_many",
        )
    content = trail_workbook(entries)
    record(action="trail_export", by=by, changes={"entries": [None, count], "filters": [None, params]})
    return content
