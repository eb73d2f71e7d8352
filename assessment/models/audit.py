"""The audit trail (审计记录) of every act of the assessment, quarterly and annual."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from periods.models import AssessmentYear, Period


class AuditEntry(models.Model):
    """The append-only trail of every act on a result or a period: who, when, from, to, comment, and the
    before and after of every changed field. Rows are never updated or deleted. Each entry belongs to a
    period, a year or (for a region's acts outside both, such as importing earlier years' grades) a region."""

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, null=True, blank=True, related_name="audit", verbose_name=_("period")
    )
    assessment_year = models.ForeignKey(
        AssessmentYear,
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
    result = models.ForeignKey(
        "QuarterlyResult",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit",
        verbose_name=_("result"),
    )
    annual = models.ForeignKey(
        "AnnualResult",
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
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["period", "unit", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period__isnull=False)
                | models.Q(assessment_year__isnull=False)
                | models.Q(region__isnull=False),
                name="audit_entry_has_a_period_a_year_or_a_region",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")
