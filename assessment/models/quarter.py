"""The quarter (平时考核): each person's result moving through the review chain, the unit's ratio of 好 and its
places (the ledger of the 优秀等次比例使用申报表), review requests (复核), work records (工作纪实) and the follow-ups
that the final grades call for."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from periods.models import AssessmentYear, Period, Step


class UnitYear(models.Model):
    """A unit's parameters for one year: its ratio of 好 (default from the region's year), with the reason."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="years", verbose_name=_("unit"))
    assessment_year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="unit_years", verbose_name=_("assessment year")
    )
    good_ratio = models.DecimalField(
        _("ratio of 好"),
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    reason = models.CharField(_("reason"), max_length=200)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("set by")
    )
    set_at = models.DateTimeField(_("set at"), auto_now=True)

    class Meta:
        verbose_name = _("unit parameters for a year")
        verbose_name_plural = _("unit parameters for a year")
        constraints = [models.UniqueConstraint(fields=["unit", "assessment_year"], name="one_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit} {self.assessment_year.year}: {self.good_ratio}"


class QuotaOpening(models.Model):
    """The opening balance of a section (or of the whole unit) that goes live mid-year: the earlier
    quarters' participants and nominations, added up."""

    assessment_year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="openings", verbose_name=_("assessment year")
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    section = models.ForeignKey(
        "units.Section",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("section"),
        help_text=_("Empty for the unit's own total."),
    )
    participants = models.PositiveIntegerField(_("earlier participants"))
    nominations = models.PositiveIntegerField(_("earlier nominations"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("quota opening balance")
        verbose_name_plural = _("quota opening balances")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment_year", "unit", "section"],
                name="one_opening_per_section",
                condition=models.Q(section__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["assessment_year", "unit"],
                name="one_opening_per_unit",
                condition=models.Q(section__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section or self.unit}: {self.participants}/{self.nominations}"


class QuotaLedger(models.Model):
    """The places of one section (or, with no section, the whole unit) in one period: the figures of the
    优秀等次比例使用申报表. Its row is also the lock that serialises acts racing for the last place."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="ledgers", verbose_name=_("period"))
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    section = models.ForeignKey(
        "units.Section", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("section")
    )
    ratio = models.DecimalField(_("ratio of 好"), max_digits=4, decimal_places=3)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    accumulated = models.DecimalField(_("accumulated places"), max_digits=9, decimal_places=3, default=0)
    places = models.PositiveIntegerField(_("places this quarter"), default=0)
    cumulative_places = models.PositiveIntegerField(_("places so far this year"), default=0)
    nominations = models.PositiveIntegerField(_("nominated"), default=0)
    approved = models.PositiveIntegerField(_("approved"), default=0)
    carried = models.DecimalField(_("carried forward"), max_digits=9, decimal_places=3, default=0)
    allocated_at = models.DateTimeField(_("allocated at"), auto_now=True)

    class Meta:
        verbose_name = _("quota ledger")
        verbose_name_plural = _("quota ledgers")
        ordering = ["period_id", "unit_id", "section_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit", "section"],
                name="one_ledger_per_section",
                condition=models.Q(section__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["period", "unit"], name="one_ledger_per_unit", condition=models.Q(section__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section or self.unit} {self.period}: {self.places}"


class Grade(models.TextChoices):
    GOOD = "好", _("好")
    FAIR = "较好", _("较好")
    ORDINARY = "一般", _("一般")
    POOR = "较差", _("较差")


# Best first: a grade may be lowered below what the score allows, never raised above it.
GRADE_ORDER = (Grade.GOOD, Grade.FAIR, Grade.ORDINARY, Grade.POOR)


class QuarterlyResult(models.Model):
    """One person's result in one period, moving through the review chain (seed 002 §五)."""

    # The steps of the review chain; they belong to the quarter's calendar, which dates each of them.
    Status = Step

    class Decision(models.TextChoices):
        NONE = "", _("no nomination")
        APPROVED = "approved", _("nomination approved")
        REJECTED = "rejected", _("nomination rejected")
        PICKED = "picked", _("picked by the committee")

    class Feedback(models.TextChoices):
        MEETING = "meeting", _("meeting")
        TALK = "talk", _("talk")
        WRITTEN = "written", _("written notice")

    person = models.ForeignKey(
        "units.Person", on_delete=models.PROTECT, related_name="results", verbose_name=_("person")
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="results", verbose_name=_("period"))
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("assessing unit"))
    section = models.ForeignKey(
        "units.Section",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessing section"),
    )
    sheet = models.OneToOneField(
        "scoring.ScoreSheet", on_delete=models.PROTECT, related_name="result", verbose_name=_("score sheet")
    )
    status = models.CharField(_("step"), max_length=20, choices=Step.choices, default=Step.SUMMARY)
    summary = models.TextField(_("self-summary"), blank=True)
    summary_at = models.DateTimeField(_("summary written at"), null=True, blank=True)
    proposed_grade = models.CharField(_("proposed grade"), max_length=4, choices=Grade.choices, blank=True)
    nominated = models.BooleanField(_("nominated for 好"), default=False)
    section_comment = models.TextField(_("review comment (评鉴)"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    leader_comment = models.TextField(_("leader's comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    decision = models.CharField(_("committee decision"), max_length=10, choices=Decision.choices, blank=True)
    final_grade = models.CharField(_("final grade"), max_length=4, choices=Grade.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decision recorded by"),
    )
    publicity_ends = models.DateField(_("publicity ends"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    feedback_method = models.CharField(_("feedback"), max_length=10, choices=Feedback.choices, blank=True)
    feedback_on = models.DateField(_("feedback given on"), null=True, blank=True)
    opinion = models.TextField(_("own opinion"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("quarterly result")
        verbose_name_plural = _("quarterly results")
        ordering = ["period_id", "unit_id", "section_id", "person__post_order", "person_id"]
        constraints = [models.UniqueConstraint(fields=["person", "period"], name="one_result_per_person_and_period")]
        indexes = [models.Index(fields=["period", "unit", "status"]), models.Index(fields=["period", "section"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.period}"


class ReviewRequest(models.Model):
    """复核: a person asks for a review of their published result; the office answers."""

    result = models.ForeignKey(
        QuarterlyResult, on_delete=models.PROTECT, related_name="review_requests", verbose_name=_("result")
    )
    reason = models.TextField(_("reason"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    grade_before = models.CharField(_("grade before"), max_length=4, blank=True)
    grade_after = models.CharField(_("grade after"), max_length=4, blank=True)

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.result} · {self.requested_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class FollowUp(models.Model):
    """What follows a result (seed 002 §六): 一般 → a reminder talk; 较差 → a criticism or admonition record."""

    class Kind(models.TextChoices):
        REMINDER_TALK = "reminder_talk", _("reminder talk (谈话提醒)")
        CRITICISM = "criticism", _("criticism or admonition (批评教育/诫勉)")
        MENTORING = "mentoring", _("mentoring (导师帮带)")

    person = models.ForeignKey(
        "units.Person", on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("person")
    )
    result = models.ForeignKey(
        QuarterlyResult,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("result"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["result", "kind"], name="one_follow_up_of_a_kind_per_result")]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_kind_display()}"


class WorkRecord(models.Model):
    """工作纪实: what a person records of their work during the quarter, seen beside the summary."""

    person = models.ForeignKey(
        "units.Person", on_delete=models.PROTECT, related_name="work_records", verbose_name=_("person")
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="work_records", verbose_name=_("period"))
    on = models.DateField(_("date"))
    content = models.TextField(_("content"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("work record")
        verbose_name_plural = _("work records")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.person} {self.on}"
