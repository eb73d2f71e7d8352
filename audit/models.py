"""The audit trail (审计记录): one append-only table of every act, kept by the database itself.

One trail, one table. It began as the assessment's (results, periods, years: ``assessment_auditentry``) and
moved down here, under every app that acts, so that the organisation, the accounts and the scores write to the
same table through ``audit.services.record`` (imports flow down: ``tests/test_layers.py``). The table kept its
name and rows (``db_table``; the move is state only, ``audit`` 0001 and ``assessment`` 0010). The foreign keys
to the apps above (units, periods, assessment) are by name, not imports.

Append-only twice over:

- in Python, ``save()`` of a stored entry, ``delete()``, and ``update()`` / ``delete()`` / ``bulk_update`` of a
  queryset raise ``AppendOnly`` (``AppendOnlyQuerySet``; the score history, ``scoring.ScoreChange`` and
  ``scoring.MonthlyScoreChange``, uses it too);
- on PostgreSQL, a trigger (``audit`` 0004, ``audit.triggers``) refuses every UPDATE and DELETE of those three
  tables, so raw SQL and whatever role the application connects as cannot rewrite them either. The one
  sanctioned exception is ``audit.maintenance.erase``: see there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnly(PermissionError):
    """A rewrite of an append-only table was refused."""


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that may add and read rows, never change or remove them (``bulk_update`` goes through
    ``update``). ``audit.maintenance.erase`` is the sanctioned way round, for benchmarks resetting their runs."""

    def update(self, **kwargs):
        raise AppendOnly(f"{self.model._meta.label} is append-only: rows are never updated.")

    def delete(self):
        raise AppendOnly(f"{self.model._meta.label} is append-only: rows are never deleted.")

    # Both go round ``update``/``delete``; refused by name, so a refusal never depends on Django's inner path.
    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnly(f"{self.model._meta.label} is append-only: rows are never updated.")

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise AppendOnly(f"{self.model._meta.label} is append-only: rows are never updated.")


class AppendOnlyModel(models.Model):
    """A model whose rows, once stored, stay as they are (see the module's docstring)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnly(f"{self._meta.label} is append-only: rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(f"{self._meta.label} is append-only: rows are never deleted.")


class AuditEntry(AppendOnlyModel):
    """Who did what, when, to what, from where, with the before and after of every changed field.

    Each entry names what it is about as far as that is known: a result (quarterly or annual), a period, a year,
    a unit or region (for scoping: the office sees its unit's entries, the organisation department its region's),
    a person, and the object changed (``object_type`` and ``object_id``, e.g. ``placement`` 12). A failed login
    under an unknown name names none of them: only a system administrator sees it."""

    period = models.ForeignKey(
        "periods.Period",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit",
        verbose_name=_("period"),
    )
    assessment_year = models.ForeignKey(
        "periods.AssessmentYear",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit",
        verbose_name=_("assessment year"),
        help_text=_("For the acts of the annual assessment."),
    )
    region = models.ForeignKey(
        "units.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("For the acts of a region that belong to no period or year, such as a history import."),
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    person = models.ForeignKey(
        "units.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
        help_text=_("The person the act concerns."),
    )
    result = models.ForeignKey(
        "assessment.QuarterlyResult",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit",
        verbose_name=_("result"),
    )
    annual = models.ForeignKey(
        "assessment.AnnualResult",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit",
        verbose_name=_("annual result"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("act"), max_length=40)
    object_type = models.CharField(_("object"), max_length=40, blank=True)
    object_id = models.CharField(_("object key"), max_length=64, blank=True)
    address = models.GenericIPAddressField(_("network address"), null=True, blank=True)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        db_table = "assessment_auditentry"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["period", "unit", "at"], name="assessment__period__1196cd_idx"),
            models.Index(fields=["unit", "at"], name="audit_unit_at"),
            models.Index(fields=["region", "at"], name="audit_region_at"),
            models.Index(fields=["person", "at"], name="audit_person_at"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
