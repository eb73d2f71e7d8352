"""The year (年度考核, domain.md §6): the inputs beyond the quarters, sanctions, the ratio of 优秀 and its
ledger, each person's annual result and their reviews and appeals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from periods.models import AssessmentYear


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
    notice_acknowledged_at = models.DateTimeField(_("notice acknowledged at"), null=True, blank=True)
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
