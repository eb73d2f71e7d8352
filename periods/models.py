"""The calendar of the assessment (考核年度与考核期): a region's assessment years with the parameters the
region applies that year, the four quarterly periods with their deadlines, the steps of a quarter that
those deadlines date, and the holiday calendar that working days are counted on. Every stage of the work
(scoring, the quarter, the year, the registers) happens inside a period, so this app sits under them all.

The tables keep the names they had when these models lived in ``assessment`` (``db_table``): the move
changed where the code lives, not a row of data.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from units.models import Region


def default_performance_ratios() -> dict[str, str]:
    """Seed 000: 20% for a unit rated excellent, 12% for average, 10% for poor, up to 30% for a major
    contribution."""
    return {"excellent": "0.20", "average": "0.12", "poor": "0.10", "major": "0.30"}


def default_rating_weights() -> dict[str, str]:
    """The weight of each measure in the unit rating (平时考核工作评价, domain.md §9): running the quarter on time
    and without rotation count double."""
    return {
        "deadlines": "2",
        "summaries": "1",
        "records": "1",
        "sent_back": "1",
        "reviews": "1",
        "rotation": "2",
        "leniency": "1",
        "silence": "1",
    }


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
    publicity_shows_scores = models.BooleanField(
        _("publicity shows the scores"),
        default=False,
        help_text=_("Whether the unit's 公示 lists each person's total score beside the grade."),
    )
    review_days = models.PositiveSmallIntegerField(_("days to ask for a review of a final result"), default=30)
    submit_day = models.PositiveSmallIntegerField(
        _("results due on day"), default=10, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    reminder_days = models.PositiveSmallIntegerField(_("remind this many days before a step is due"), default=3)
    follow_up_days = models.PositiveSmallIntegerField(_("days to hold a reminder talk"), default=15)
    borrowed_in_quota = models.BooleanField(_("borrowed career staff count in the quota"), default=True)
    # The annual assessment (domain.md §6).
    min_good_share = models.DecimalField(
        _("share of quarters graded 好 needed for 优秀"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.500"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    routine_weight = models.DecimalField(
        _("weight of the quarterly scores in the annual score"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.600"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    special_weight = models.DecimalField(
        _("weight of the special assessment in the annual score"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("The rest of the annual score comes from the annual review."),
    )
    default_excellent_ratio = models.DecimalField(
        _("default ratio of 优秀"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.200"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    excellent_ratio_min = models.DecimalField(
        _("lowest ratio of 优秀 a unit may be given"), max_digits=4, decimal_places=3, default=Decimal("0.100")
    )
    excellent_ratio_max = models.DecimalField(
        _("highest ratio of 优秀 a unit may be given"), max_digits=4, decimal_places=3, default=Decimal("0.300")
    )
    performance_ratios = models.JSONField(
        _("ratio of 优秀 by organisational performance"),
        default=default_performance_ratios,
        help_text=_("The ratio a unit is given for each organisational performance rating, unless set otherwise."),
    )
    leave_share = models.DecimalField(
        _("leave beyond this share of the year: not assessed"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.500"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    appeal_days = models.PositiveSmallIntegerField(_("days to appeal after a review's answer"), default=15)
    answer_days = models.PositiveSmallIntegerField(_("days to answer a review or an appeal"), default=30)
    merit_years = models.PositiveSmallIntegerField(_("优秀 years in a row for a merit recommendation"), default=3)
    dismissal_years = models.PositiveSmallIntegerField(_("不称职 years in a row for a dismissal review"), default=2)
    # Fairness (domain.md §9): what the analytics flag and how the unit rating weighs it.
    rotation_min_quarters = models.PositiveSmallIntegerField(
        _("quarters giving 好 before rotation is judged"), default=3, validators=[MinValueValidator(2)]
    )
    rotation_min_inversion = models.DecimalField(
        _("mean inversion rate that suggests rotation"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.250"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    leniency_min_sheets = models.PositiveSmallIntegerField(
        _("score sheets a reviewer scores before leniency is judged"), default=5, validators=[MinValueValidator(1)]
    )
    leniency_limit = models.DecimalField(
        _("points of leniency or severity flagged"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    rating_weights = models.JSONField(
        _("weights of the unit rating"),
        default=default_rating_weights,
        help_text=_("The weight of each measure in the rating of how a unit runs its assessment."),
    )

    class Meta:
        db_table = "assessment_assessmentyear"
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
        db_table = "assessment_period"
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


class Step(models.TextChoices):
    """The steps of a quarter's review chain (seed 002 §五), in the order a result moves through them. The
    period's deadlines date them; each person's result (``assessment``'s QuarterlyResult) stands at one."""

    SUMMARY = "summary", _("self-summary")
    SCORING = "scoring", _("section scoring and proposal")
    LEADER_REVIEW = "leader_review", _("leader review")
    COMMITTEE = "committee", _("committee decision")
    DECIDED = "decided", _("decided")
    PUBLICITY = "publicity", _("publicity")
    CONFIRMATION = "confirmation", _("confirmation by the organisation department")
    FINAL = "final", _("final")


class CalendarDay(models.Model):
    """A day that breaks the Monday-to-Friday rule: a holiday on a weekday, or a weekend working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        db_table = "assessment_calendarday"
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
