"""The review workflow, quotas and annual results, built on the calendar of ``periods``."""

from __future__ import annotations

import uuid
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


class AuditEntry(models.Model):
    """The append-only trail of every act on a result or a period: who, when, from, to, comment, and the
    before and after of every changed field. Rows are never updated or deleted."""

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
                condition=models.Q(period__isnull=False) | models.Q(assessment_year__isnull=False),
                name="audit_entry_has_a_period_or_a_year",
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


# The annual assessment (年度考核, domain.md §6) ----------------------------------------------------------


class AnnualGrade(models.TextChoices):
    EXCELLENT = "优秀", _("优秀")
    COMPETENT = "称职", _("称职")
    BASIC = "基本称职", _("基本称职")
    INCOMPETENT = "不称职", _("不称职")


class Performance(models.TextChoices):
    """A unit's organisational performance rating (组织绩效), which sets its ratio of 优秀."""

    MAJOR = "major", _("major contribution")
    EXCELLENT = "excellent", _("excellent")
    AVERAGE = "average", _("average")
    POOR = "poor", _("poor")


class SanctionType(models.Model):
    """The parameter table of sanctions (处分) and what each does to the annual grade."""

    class Effect(models.TextChoices):
        BAR_EXCELLENT = "bar_excellent", _("bars 优秀 that year")
        NO_GRADE = "no_grade", _("no grade during the sanction")

    name = models.CharField(_("name"), max_length=20, unique=True)
    effect = models.CharField(_("effect"), max_length=20, choices=Effect.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("sanction type")
        verbose_name_plural = _("sanction types")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class Sanction(models.Model):
    """A sanction in force over a period (受处分期间)."""

    person = models.ForeignKey(
        "units.Person", on_delete=models.PROTECT, related_name="sanctions", verbose_name=_("person")
    )
    kind = models.ForeignKey(SanctionType, on_delete=models.PROTECT, related_name="+", verbose_name=_("sanction"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("decision and reason"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["person_id", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="sanction_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.kind} {self.starts_on}–{self.ends_on}"


class AnnualInput(models.Model):
    """What the annual rules need beyond the quarters, per person and year: entered or imported."""

    person = models.ForeignKey(
        "units.Person", on_delete=models.PROTECT, related_name="annual_inputs", verbose_name=_("person")
    )
    assessment_year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="inputs", verbose_name=_("assessment year")
    )
    special_score = models.DecimalField(
        _("special-assessment score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    review_score = models.DecimalField(_("annual-review score"), max_digits=5, decimal_places=2, null=True, blank=True)
    leave_days = models.PositiveSmallIntegerField(_("days of leave"), default=0)
    probation = models.BooleanField(_("on probation (新录用试用期)"), default=False)
    under_investigation = models.BooleanField(_("under investigation (立案审查)"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("updated by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("annual input")
        verbose_name_plural = _("annual inputs")
        constraints = [models.UniqueConstraint(fields=["person", "assessment_year"], name="one_annual_input")]

    def __str__(self) -> str:
        return f"{self.person} {self.assessment_year.year}"


class ExcellentRatio(models.Model):
    """A unit's ratio of 优秀 for one year, from its organisational performance, with the reason."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    assessment_year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="excellent_ratios", verbose_name=_("assessment year")
    )
    performance = models.CharField(_("organisational performance"), max_length=20, choices=Performance.choices)
    ratio = models.DecimalField(_("ratio of 优秀"), max_digits=4, decimal_places=3)
    reason = models.CharField(_("reason"), max_length=300)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("set by")
    )
    set_at = models.DateTimeField(_("set at"), auto_now=True)

    class Meta:
        verbose_name = _("ratio of 优秀")
        verbose_name_plural = _("ratios of 优秀")
        constraints = [models.UniqueConstraint(fields=["unit", "assessment_year"], name="one_excellent_ratio")]

    def __str__(self) -> str:
        return f"{self.unit} {self.assessment_year.year}: {self.ratio}"


class AnnualLedger(models.Model):
    """A unit's places of 优秀 in one year and their use. Its row is also the lock that serialises acts
    racing for the last place."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    assessment_year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="annual_ledgers", verbose_name=_("assessment year")
    )
    ratio = models.DecimalField(_("ratio of 优秀"), max_digits=4, decimal_places=3, default=0)
    graded = models.PositiveIntegerField(_("people graded"), default=0)
    places = models.PositiveIntegerField(_("places of 优秀"), default=0)
    proposed = models.PositiveIntegerField(_("proposed 优秀"), default=0)
    excellent = models.PositiveIntegerField(_("decided 优秀"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("annual ledger")
        verbose_name_plural = _("annual ledgers")
        constraints = [models.UniqueConstraint(fields=["unit", "assessment_year"], name="one_annual_ledger")]

    def __str__(self) -> str:
        return f"{self.unit} {self.assessment_year.year}: {self.excellent}/{self.places}"


class AnnualResult(models.Model):
    """One person's annual result (年度考核结果): the quarters rolled up, the suggestion, the chain of
    proposal → committee → publicity → confirmation → final, and the reason wherever the final grade
    differs from the suggestion."""

    class Case(models.TextChoices):
        GRADED = "graded", _("graded")
        NO_GRADE = "no_grade", _("no grade (不定等次)")
        NOT_ASSESSED = "not_assessed", _("not assessed (不参加考核)")

    class Status(models.TextChoices):
        PROPOSAL = "proposal", _("leader proposal")
        COMMITTEE = "committee", _("committee decision")
        DECIDED = "decided", _("decided")
        PUBLICITY = "publicity", _("publicity")
        CONFIRMATION = "confirmation", _("confirmation by the organisation department")
        FINAL = "final", _("final")

    person = models.ForeignKey(
        "units.Person", on_delete=models.PROTECT, related_name="annual_results", verbose_name=_("person")
    )
    assessment_year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="annual_results", verbose_name=_("assessment year")
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("assessing unit"))
    section = models.ForeignKey(
        "units.Section",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessing section"),
    )
    status = models.CharField(_("step"), max_length=20, choices=Status.choices, default=Status.PROPOSAL)
    # Rolled up from the quarters and the inputs; rewritten by each roll-up while the result is open.
    case = models.CharField(_("case"), max_length=20, choices=Case.choices, default=Case.GRADED)
    case_reason = models.CharField(_("why not graded"), max_length=300, blank=True)
    quarter_grades = models.JSONField(_("quarterly grades"), default=dict)
    quarters = models.PositiveSmallIntegerField(_("quarters assessed"), default=0)
    goods = models.PositiveSmallIntegerField(_("quarters graded 好"), default=0)
    average_quarterly = models.DecimalField(
        _("average quarterly score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    special_score = models.DecimalField(
        _("special-assessment score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    review_score = models.DecimalField(_("annual-review score"), max_digits=5, decimal_places=2, null=True, blank=True)
    annual_score = models.DecimalField(_("annual score"), max_digits=5, decimal_places=2, null=True, blank=True)
    suggested_grade = models.CharField(_("suggested grade"), max_length=4, choices=AnnualGrade.choices, blank=True)
    ceiling = models.CharField(_("best grade allowed"), max_length=4, choices=AnnualGrade.choices, blank=True)
    excellent_eligible = models.BooleanField(_("eligible for 优秀"), default=False)
    excellent_barred = models.CharField(_("why 优秀 is barred"), max_length=300, blank=True)
    inputs_key = models.CharField(_("fingerprint of the inputs"), max_length=64, blank=True)
    rolled_at = models.DateTimeField(_("rolled up at"), null=True, blank=True)
    # The chain.
    proposed_grade = models.CharField(_("proposed grade"), max_length=4, choices=AnnualGrade.choices, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    appraisal = models.TextField(_("appraisal (评语)"), blank=True)
    final_grade = models.CharField(_("final grade"), max_length=4, choices=AnnualGrade.choices, blank=True)
    reason = models.TextField(_("reason the grade differs from the suggestion"), blank=True)
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
    notified_on = models.DateField(_("written notice given on"), null=True, blank=True)
    notice = models.TextField(_("written notice"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("annual result")
        verbose_name_plural = _("annual results")
        ordering = ["assessment_year_id", "unit_id", "section_id", "person__post_order", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "assessment_year"], name="one_annual_result_per_person")
        ]
        indexes = [models.Index(fields=["assessment_year", "unit", "status"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.assessment_year.year}"

    @property
    def grades_by_quarter(self) -> list[str]:
        """Q1–Q4, empty where the person was not assessed."""
        return [self.quarter_grades.get(str(q), "") for q in range(1, 5)]

    @property
    def grade_shown(self) -> str:
        if self.case != self.Case.GRADED:
            return self.get_case_display()
        return self.final_grade or self.proposed_grade or ""


class AnnualAppeal(models.Model):
    """复核 (asked of the unit within ``review_days`` of the notice) and 申诉 (to the organisation
    department within ``appeal_days`` of the review's answer), each with its deadline and decision."""

    class Kind(models.TextChoices):
        REVIEW = "review", _("review (复核)")
        APPEAL = "appeal", _("appeal (申诉)")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("grade upheld")
        CHANGED = "changed", _("grade changed")

    result = models.ForeignKey(AnnualResult, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("result"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    requested_on = models.DateField(_("asked on"))
    answer_due = models.DateField(_("answer due by"))
    answer = models.TextField(_("answer"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    grade_before = models.CharField(_("grade before"), max_length=4, blank=True)
    grade_after = models.CharField(_("grade after"), max_length=4, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("annual review or appeal")
        verbose_name_plural = _("annual reviews and appeals")
        ordering = ["result_id", "requested_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["result", "kind"], name="one_review_and_one_appeal")]

    def __str__(self) -> str:
        return f"{self.result} · {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.answered_on is None


# Register exports (登记表) built in the background --------------------------------------------------------


def private_storage():
    """Files with people's data: under PRIVATE_ROOT, which no web server serves (no URL at all)."""
    from common.storage import PrivateStorage

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
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
