"""The audit trail as a workbook: one row per entry, in the page's order, read in chunks so that memory holds
a chunk of entries at a time (write-only sheet)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.trail.selectors import action_label, changes_of
from common.workbooks import safe_row, template_workbook, workbook_bytes

CHUNK = 2000


def trail_workbook(entries: QuerySet) -> bytes:
    headers = (
        _("at"),
        _("by"),
        _("act"),
        _("unit"),
        _("person"),
        _("object"),
        _("network address"),
        _("changes"),
        _("comment"),
    )
    workbook, ws = template_workbook(
        title=_("Audit trail"), headers=headers, widths=(20, 14, 18, 22, 10, 16, 16, 60, 30)
    )
    for entry in entries.iterator(chunk_size=CHUNK):
        changes = "；".join(f"{c.field}: {c.before} → {c.after}" for c in changes_of(entry))
        ws.append(
            safe_row(
                ws,
                [
                    timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                    entry.actor.display_name() if entry.actor else "",
                    str(action_label(entry.action)),
                    entry.unit.name if entry.unit else "",
                    entry.person.name if entry.person else "",
                    f"{entry.object_type} {entry.object_id}".strip(),
                    entry.address or "",
                    changes,
                    entry.comment,
                ],
            )
        )
    return workbook_bytes(workbook)
