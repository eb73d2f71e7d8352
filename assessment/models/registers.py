"""Registers (登记表) of a whole region, built in the background and kept for a while."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.storage import PrivateStorage
from periods.models import AssessmentYear


def private_storage():
    """Files with people's data: under PRIVATE_ROOT, which no web server serves (no URL at all)."""
    return PrivateStorage()


def private_register_name(instance, filename: str) -> str:
    """A random name: the file cannot be guessed from the export's number."""
    return f"registers/{uuid.uuid4().hex}.xlsx"


class RegisterExport(models.Model):
    """A register of a whole region, built by a Celery task with its progress, then kept for download for
    ``REGISTER_KEEP_DAYS`` days. Only its requester sees it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("register"), max_length=30)
    assessment_year = models.ForeignKey(
        AssessmentYear, on_delete=models.CASCADE, related_name="+", verbose_name=_("assessment year")
    )
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
        help_text=_("Empty for every unit of the region."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("units done"), default=0)
    total = models.PositiveIntegerField(_("units in all"), default=0)
    file = models.FileField(_("file"), storage=private_storage, upload_to=private_register_name, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    sheets = models.PositiveIntegerField(_("sheets"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)

    class Meta:
        verbose_name = _("register export")
        verbose_name_plural = _("register exports")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.assessment_year.year} {self.quarter or ''}"

    @property
    def format(self) -> str:
        """The file's kind, "pdf" or "xlsx", read from the name it was asked for under (a PDF is the same
        register converted, so the request needs no column of its own)."""
        return "pdf" if self.file_name.endswith(".pdf") else "xlsx"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
