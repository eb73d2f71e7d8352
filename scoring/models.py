"""Indicator templates, score sheets, monthly performance, bonus and deduction events (domain.md §4).

The sheet stores the last computed parts and total for lists and registers; ``scoring.services`` is the
only writer and recomputes them with ``scoring.rules`` whenever an input changes.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.models import AppendOnlyModel
from common.storage import PrivateStorage
from periods.models import Period
from units.models import Person, Region, Section, Unit, UnitCategory

POINTS = {"max_digits": 6, "decimal_places": 2}


class IndicatorTemplate(models.Model):
    """考核指标模板 per unit category and year. Frozen once a period uses it; a change makes a new version."""

    category = models.ForeignKey(
        UnitCategory, on_delete=models.PROTECT, related_name="templates", verbose_name=_("unit category")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    individual_weight = models.DecimalField(
        _("individual weight"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.400"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("A fraction: the quarter's average monthly score times this gives the individual points."),
    )
    bonus_cap = models.DecimalField(
        _("bonus cap"), **POINTS, default=Decimal("5"), validators=[MinValueValidator(Decimal("0"))]
    )
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("indicator template")
        verbose_name_plural = _("indicator templates")
        ordering = ["year", "category__order", "version"]
        constraints = [models.UniqueConstraint(fields=["category", "year", "version"], name="template_version_unique")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class IndicatorItem(models.Model):
    class Kind(models.TextChoices):
        COMMON = "common", _("common indicator")
        INDIVIDUAL = "individual", _("individual indicator")
        DISTINCTIVE = "distinctive", _("distinctive indicator")
        BONUS = "bonus", _("bonus indicator")
        NEGATIVE = "negative", _("negative indicator")

    class Dimension(models.TextChoices):
        MORALITY = "de", _("morality (德)")
        ABILITY = "neng", _("ability (能)")
        DILIGENCE = "qin", _("diligence (勤)")
        PERFORMANCE = "ji", _("performance (绩)")
        INTEGRITY = "lian", _("integrity (廉)")

    # The kinds a sheet scores by hand; the individual part comes from monthly scores, bonus and negative
    # from events.
    ENTERED = (Kind.COMMON, Kind.DISTINCTIVE)

    template = models.ForeignKey(
        IndicatorTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("indicator template")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices, blank=True)
    name = models.CharField(_("name"), max_length=100)
    max_points = models.DecimalField(_("maximum points"), **POINTS, validators=[MinValueValidator(Decimal("0"))])
    description = models.TextField(_("scoring standard"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator item")
        verbose_name_plural = _("indicator items")
        ordering = ["template_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "name"], name="item_name_unique_in_template")]

    def __str__(self) -> str:
        return f"{self.name}（{self.max_points}）"


class ScoreSheet(models.Model):
    """考核评分表: one per person per period, assessed by the unit and section the placements decide."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="score_sheets", verbose_name=_("person"))
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="score_sheets", verbose_name=_("period"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="score_sheets", verbose_name=_("assessing unit")
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="score_sheets",
        verbose_name=_("assessing section"),
    )
    template = models.ForeignKey(
        IndicatorTemplate, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("indicator template")
    )
    common_points = models.DecimalField(_("common and distinctive points"), **POINTS, default=Decimal("0"))
    monthly_average = models.DecimalField(_("average monthly score"), **POINTS, null=True, blank=True)
    months_scored = models.PositiveSmallIntegerField(_("months scored"), default=0)
    individual_points = models.DecimalField(_("individual points"), **POINTS, default=Decimal("0"))
    bonus_points = models.DecimalField(_("bonus points"), **POINTS, default=Decimal("0"))
    deduction_points = models.DecimalField(_("deduction points"), **POINTS, default=Decimal("0"))
    total = models.DecimalField(_("total"), **POINTS, default=Decimal("0"))
    is_complete = models.BooleanField(_("complete"), default=False)
    vetoed = models.BooleanField(_("veto item (一票否优)"), default=False)
    eligible_grade = models.CharField(_("eligible grade"), max_length=4, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    # Bumped on every write: a form posted against an older version is refused, not silently merged.
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["period_id", "unit_id", "section_id", "person__post_order", "person_id"]
        constraints = [models.UniqueConstraint(fields=["person", "period"], name="one_sheet_per_person_and_period")]
        indexes = [models.Index(fields=["period", "unit", "section"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.period}"


class ScoreEntry(models.Model):
    sheet = models.ForeignKey(
        ScoreSheet, on_delete=models.CASCADE, related_name="entries", verbose_name=_("score sheet")
    )
    item = models.ForeignKey(
        IndicatorItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator item")
    )
    points = models.DecimalField(_("points"), **POINTS)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)

    class Meta:
        verbose_name = _("score entry")
        verbose_name_plural = _("score entries")
        constraints = [models.UniqueConstraint(fields=["sheet", "item"], name="one_entry_per_item")]

    def __str__(self) -> str:
        return f"{self.item.name}: {self.points}"


class ScoreChange(AppendOnlyModel):
    """The history of a sheet: every changed entry and every changed part or total, with who and when. Append-only
    (audit.models), in the database too."""

    # PROTECT: the history outlives nothing it records; a sheet with a history is never deleted.
    sheet = models.ForeignKey(
        ScoreSheet, on_delete=models.PROTECT, related_name="changes", verbose_name=_("score sheet")
    )
    field = models.CharField(_("what changed"), max_length=100)
    old = models.DecimalField(_("old value"), **POINTS, null=True, blank=True)
    new = models.DecimalField(_("new value"), **POINTS, null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("score change")
        verbose_name_plural = _("score changes")
        ordering = ["sheet_id", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


class MonthlyImport(models.Model):
    """One imported monthly performance file (月度绩效), saved whole or not at all."""

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="monthly_imports", verbose_name=_("period")
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
        help_text=_("Empty for a region-wide file."),
    )
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("checksum"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("new scores"), default=0)
    replaced = models.PositiveIntegerField(_("replaced scores"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("monthly performance import")
        verbose_name_plural = _("monthly performance imports")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.file_name


class MonthlyScore(models.Model):
    """月度绩效得分 (0–100) of one person in one month. A re-import replaces it; the old value is kept."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="monthly_scores", verbose_name=_("person")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    score = models.DecimalField(
        _("score"), **POINTS, validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
    )
    batch = models.ForeignKey(MonthlyImport, on_delete=models.PROTECT, related_name="scores", verbose_name=_("import"))

    class Meta:
        verbose_name = _("monthly score")
        verbose_name_plural = _("monthly scores")
        ordering = ["person_id", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year", "month"], name="one_monthly_score"),
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=100), name="monthly_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}-{self.month:02d}: {self.score}"


class MonthlyScoreChange(AppendOnlyModel):
    """What a re-import replaced. Append-only (audit.models), in the database too."""

    # PROTECT, as the sheet's history: nothing it records is deleted from under it.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    old = models.DecimalField(_("old value"), **POINTS)
    new = models.DecimalField(_("new value"), **POINTS)
    batch = models.ForeignKey(MonthlyImport, on_delete=models.PROTECT, related_name="changes", verbose_name=_("import"))

    class Meta:
        verbose_name = _("monthly score change")
        verbose_name_plural = _("monthly score changes")

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}-{self.month:02d}: {self.old} → {self.new}"


class EventStandard(models.Model):
    """加减分标准: the catalogue of bonus and deduction standards, e.g. city-level commendation +2."""

    class Kind(models.TextChoices):
        BONUS = "bonus", _("bonus")
        DEDUCTION = "deduction", _("deduction")
        VETO = "veto", _("veto item (一票否优)")

    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty for a standard every region uses."),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.DecimalField(
        _("points"), **POINTS, help_text=_("Positive for a bonus, negative for a deduction, 0 allowed for a veto.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("bonus or deduction standard")
        verbose_name_plural = _("bonus and deduction standards")
        ordering = ["kind", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="standard_code_unique_in_region"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(region__isnull=True), name="standard_code_unique_default"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="bonus", points__gt=0)
                | models.Q(kind="deduction", points__lt=0)
                | models.Q(kind="veto", points__lte=0),
                name="standard_points_match_kind",
            ),
        ]

    def __str__(self) -> str:
        sign = "+" if self.points > 0 else ""
        return f"{self.name}（{sign}{self.points}）"


class Event(models.Model):
    """A bonus or deduction event: a matter, the standard applied, the points, evidence, and who shares it.

    Entered by the office, it counts at once. Declared by the person, it goes to the head of the person's
    section, who checks it (把关, CHECKED) or returns it with a reason (RETURNED); the office then approves
    (审核, APPROVED) or rejects it (REJECTED). It counts only once approved. A returned declaration ends
    there: the person corrects it by declaring again, so every declaration keeps the history it had.
    """

    class Status(models.TextChoices):
        DECLARED = "declared", _("declared")
        CHECKED = "checked", _("checked by the section")
        RETURNED = "returned", _("returned by the section")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="events", verbose_name=_("period"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events", verbose_name=_("unit"))
    matter = models.CharField(
        _("matter"),
        max_length=200,
        help_text=_("Events naming the same matter count once, at the higher value."),
    )
    standard = models.ForeignKey(
        EventStandard, on_delete=models.PROTECT, related_name="events", verbose_name=_("standard")
    )
    points = models.DecimalField(_("points"), **POINTS)
    evidence = models.TextField(_("evidence"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DECLARED)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("declared by")
    )
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    check_note = models.CharField(_("section's note"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("bonus or deduction event")
        verbose_name_plural = _("bonus and deduction events")
        ordering = ["period_id", "unit_id", "-declared_at"]
        indexes = [models.Index(fields=["period", "unit", "status"])]

    def __str__(self) -> str:
        return f"{self.matter} · {self.standard}"

    @property
    def matter_key(self) -> str:
        """The grouping key of one-matter-once: the matter text without case or surrounding space."""
        return " ".join(self.matter.split()).casefold()


class EventShare(models.Model):
    """One person's share of an event, set explicitly by the unit."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="shares", verbose_name=_("event"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="event_shares", verbose_name=_("person"))
    points = models.DecimalField(_("points"), **POINTS)

    class Meta:
        verbose_name = _("share of an event")
        verbose_name_plural = _("shares of events")
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="one_share_per_person")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.points}"


def private_storage() -> PrivateStorage:
    """Under PRIVATE_ROOT, which no web server serves (a callable, so migrations name no path)."""
    return PrivateStorage()


def evidence_path(instance: EventEvidence, filename: str) -> str:
    """A random name under the event's period: the uploader's file name is kept in ``name`` only, so it never
    decides where a file lands nor what a later download is called on disk."""
    return f"evidence/{instance.event.period_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class EventEvidence(models.Model):
    """证明材料: a file attached to an event (PDF, JPEG, PNG, Word, Excel), kept under PRIVATE_ROOT and sent
    only by a view that checks who asks (``scoring.selectors.evidence_for``)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="files", verbose_name=_("event"))
    file = models.FileField(_("file"), storage=private_storage, upload_to=evidence_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["event_id", "id"]

    def __str__(self) -> str:
        return self.name
