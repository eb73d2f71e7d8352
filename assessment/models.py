"""Assessment years and quarterly periods. The review workflow, quotas and annual results build on these."""

from __future__ import annotations

import datetime
from decimal import Decimal

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
        DRAFT = "draft", _("draft")
        OPEN = "open", _("self-summaries")
        SCORING = "scoring", _("scoring")
        SECTION_REVIEW = "section_review", _("section review")
        LEADER_REVIEW = "leader_review", _("leader review")
        COMMITTEE = "committee", _("committee")
        PUBLICITY = "publicity", _("publicity")
        CONFIRMATION = "confirmation", _("confirmation")
        CLOSED = "closed", _("closed")

    assessment_year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="periods", verbose_name=_("assessment year")
    )
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)

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
