"""Grades from before the system (历史等次): earlier years' annual grades and the quarterly grades of the
quarters before a region went live, imported by the organisation department from its workbook
(``assessment.year.history``). The rules that look back (三等功 after ``merit_years`` of 优秀 in a row, 辞退审查
after ``dismissal_years`` of 不称职) and the registers read them beside the live results, so they are right
from the first year. Where a live result exists for the same person and year (or quarter), it wins."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessment.models.quarter import Grade
from assessment.models.year import AnnualGrade
from periods.models import AssessmentYear

# An annual grade may also be recorded as not given (不定等次: probation, investigation, a sanction), which
# breaks a run of 优秀 or 不称职 as a missing year does, but keeps the register complete.
NO_GRADE = "不定等次"
QUARTER_GRADES = tuple(Grade.values)
YEAR_GRADES = (*AnnualGrade.values, NO_GRADE)
GRADE_CHOICES = [*Grade.choices, *AnnualGrade.choices, (NO_GRADE, _("不定等次"))]
# The years a history may name: those an assessment year may have.
YEAR_VALIDATORS = AssessmentYear._meta.get_field("year").validators


class GradeHistory(models.Model):
    """One imported grade (历史等次) of a person: a quarter's (好 / 较好 / 一般 / 较差) or, with no quarter, a
    year's (优秀 / 称职 / 基本称职 / 不称职, or 不定等次), with the file it came from and who imported it."""

    person = models.ForeignKey(
        "units.Person", on_delete=models.PROTECT, related_name="grade_history", verbose_name=_("person")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), null=True, blank=True, help_text=_("Empty for the annual grade.")
    )
    grade = models.CharField(_("grade"), max_length=4, choices=GRADE_CHOICES)
    file_name = models.CharField(_("source file"), max_length=200)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        verbose_name = _("imported grade")
        verbose_name_plural = _("imported grades")
        ordering = ["person_id", "year", models.F("quarter").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year", "quarter"],
                condition=models.Q(quarter__isnull=False),
                name="one_imported_grade_per_quarter",
            ),
            models.UniqueConstraint(
                fields=["person", "year"], condition=models.Q(quarter__isnull=True), name="one_imported_grade_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__isnull=True, grade__in=YEAR_GRADES)
                | models.Q(quarter__gte=1, quarter__lte=4, grade__in=QUARTER_GRADES),
                name="imported_grade_fits_its_kind",
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.year} Q{self.quarter}" if self.quarter else str(self.year)
        return f"{self.person} {when}: {self.grade}"

    @property
    def is_annual(self) -> bool:
        return self.quarter is None
