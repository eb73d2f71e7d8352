"""Assessment years and quarterly periods. The review workflow, quotas and annual results build on these."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.rules import ScoringParams
from units.models import Region


class AssessmentYear(models.Model):
    """考核年度 of one region, with the grade thresholds the region applies that year (domain.md §5)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="years", verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    good_threshold = models.DecimalField(_("threshold for 好"), max_digits=5, decimal_places=2, default=Decimal("90"))
    fair_threshold = models.DecimalField(_("threshold for 较好"), max_digits=5, decimal_places=2, default=Decimal("80"))
    ordinary_threshold = models.DecimalField(
        _("threshold for 一般"), max_digits=5, decimal_places=2, default=Decimal("60")
    )
    default_good_ratio = models.DecimalField(
        _("default ratio of 好"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.400"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    publicity_days = models.PositiveSmallIntegerField(_("publicity working days"), default=5)
    review_days = models.PositiveSmallIntegerField(_("days to ask for a review of a final result"), default=30)
    submit_day = models.PositiveSmallIntegerField(
        _("results due on day"), default=10, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    reminder_days = models.PositiveSmallIntegerField(_("remind this many days before a step is due"), default=3)
    follow_up_days = models.PositiveSmallIntegerField(_("days to hold a reminder talk"), default=15)
    borrowed_in_quota = models.BooleanField(_("borrowed career staff count in the quota"), default=True)

    class Meta:
        verbose_name = _("assessment year")
        verbose_name_plural = _("assessment years")
        ordering = ["region_id", "-year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="one_assessment_year_per_region")]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"


class Period(models.Model):
    """A quarterly period (平时考核期) of an assessment year."""

    class Status(models.TextChoices):
        """The period as a whole; each person's result moves through its own steps (QuarterlyResult)."""

        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    assessment_year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="periods", verbose_name=_("assessment year")
    )
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    summary_due = models.DateField(_("self-summaries due"), null=True, blank=True)
    section_due = models.DateField(_("section proposals due"), null=True, blank=True)
    leader_due = models.DateField(_("leader review due"), null=True, blank=True)
    committee_due = models.DateField(_("committee decision due"), null=True, blank=True)
    submit_by = models.DateField(
        _("results submitted by"), null=True, blank=True, help_text=_("Day N of the month after the quarter.")
    )

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["assessment_year_id", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["assessment_year", "quarter"], name="one_period_per_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="quarter_1_to_4"),
        ]

    def __str__(self) -> str:
        return _("%(year)s Q%(quarter)s") % {"year": self.year, "quarter": self.quarter}

    @property
    def year(self) -> int:
        return self.assessment_year.year

    @property
    def months(self) -> tuple[int, int, int]:
        first = self.quarter * 3 - 2
        return (first, first + 1, first + 2)

    @property
    def start_date(self) -> datetime.date:
        return datetime.date(self.year, self.months[0], 1)

    @property
    def end_date(self) -> datetime.date:
        last = self.months[2]
        following = datetime.date(self.year + (last == 12), last % 12 + 1, 1)
        return following - datetime.timedelta(days=1)

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def scoring_params(self, *, individual_weight: Decimal, bonus_cap: Decimal) -> ScoringParams:
        """The rules' parameters: the template's weight and cap, the region's thresholds for the year."""
        year = self.assessment_year
        return ScoringParams(
            individual_weight=individual_weight,
            bonus_cap=bonus_cap,
            good_threshold=year.good_threshold,
            fair_threshold=year.fair_threshold,
            ordinary_threshold=year.ordinary_threshold,
        )


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

    class Status(models.TextChoices):
        SUMMARY = "summary", _("self-summary")
        SCORING = "scoring", _("section scoring and proposal")
        LEADER_REVIEW = "leader_review", _("leader review")
        COMMITTEE = "committee", _("committee decision")
        DECIDED = "decided", _("decided")
        PUBLICITY = "publicity", _("publicity")
        CONFIRMATION = "confirmation", _("confirmation by the organisation department")
        FINAL = "final", _("final")

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
    status = models.CharField(_("step"), max_length=20, choices=Status.choices, default=Status.SUMMARY)
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


class AuditEntry(models.Model):
    """The append-only trail of every act on a result or a period: who, when, from, to, comment, and the
    before and after of every changed field. Rows are never updated or deleted."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="audit", verbose_name=_("period"))
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    result = models.ForeignKey(
        QuarterlyResult,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit",
        verbose_name=_("result"),
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

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")


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


class Notification(models.Model):
    """A reminder inside the app (no e-mail or SMS on a closed network)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=120, help_text=_("The same reminder is sent once."))
    message = models.CharField(_("message"), max_length=300)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_key")]

    def __str__(self) -> str:
        return self.message


class CalendarDay(models.Model):
    """A day that breaks the Monday-to-Friday rule: a holiday on a weekday, or a weekend working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
