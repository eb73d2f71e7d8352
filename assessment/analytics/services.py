"""Writes of the fairness analytics: the region's weights of the unit rating, and adopting a rating's suggested
ratio of 优秀 for the next year, which goes through the ratio-setting act of the year (``excellent_ratio_set``)
with the rating as its recorded reason. Nothing here changes a grade."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessment.analytics import selectors
from assessment.models import ExcellentRatio
from assessment.year import services as year_services
from audit.services import record
from common.numbers import NotANumber, parse_decimal
from common.refusals import refusal
from periods.models import AssessmentYear
from units.models import Unit
from units.permissions import Action, scope_for

MAX_WEIGHT = Decimal("100")


def _weight(raw) -> Decimal:
    try:
        value = parse_decimal(raw, places=2)
    except NotANumber as exc:
        raise ValidationError(
            _("A weight is a number from 0 to 100, with at most two decimals: %(problem)s") % {"problem": exc}
        ) from None
    if not Decimal(0) <= value <= MAX_WEIGHT:
        raise ValidationError(_("A weight is a number from 0 to 100."))
    return value


@transaction.atomic
def rating_weights_set(*, assessment_year: AssessmentYear, weights: dict[str, object], by) -> dict[str, str]:
    """The organisation department sets how much each measure weighs in its region's unit ratings of the year;
    every measure is given, each from 0 to 100, and at least one weighs something. Audited with the weights
    before and after."""
    if not scope_for(by, Action.SET_RATIOS).covers_region(assessment_year.region_id):
        raise refusal(
            by, "rating_weights_set", f"year={assessment_year.pk}", _("You may not set the weights of this region.")
        )
    problems: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for name in selectors.MEASURES:
        if name not in weights:
            problems[name] = [_("Give a weight to every measure.")]
            continue
        try:
            cleaned[name] = str(_weight(weights[name]).normalize())
        except ValidationError as exc:
            problems[name] = exc.messages
    if not problems and not any(Decimal(v) > 0 for v in cleaned.values()):
        problems["__all__"] = [_("At least one measure must weigh something.")]
    if problems:
        raise ValidationError(problems)
    year = AssessmentYear.objects.select_for_update().get(pk=assessment_year.pk)
    before = dict(year.rating_weights)
    year.rating_weights = cleaned
    year.save(update_fields=["rating_weights"])
    record(
        action="rating_weights_set",
        by=by,
        obj=year,
        region=year.region_id,
        assessment_year=year,
        changes={"rating_weights": [before, cleaned]},
    )
    assessment_year.rating_weights = cleaned
    return cleaned


@transaction.atomic
def suggested_ratio_adopt(*, unit: Unit, assessment_year: AssessmentYear, performance: str, by) -> ExcellentRatio:
    """The organisation department adopts the ratio of 优秀 that ``unit``'s rating for ``assessment_year``
    suggests, as the unit's ratio of the next year, through ``excellent_ratio_set`` (which checks the band, the
    places already used and the officer's scope) with the rating as the reason."""
    if not scope_for(by, Action.SET_RATIOS).covers_region(unit.region_id) or unit.region_id != (
        assessment_year.region_id
    ):
        raise refusal(
            by, "suggested_ratio_adopt", f"unit={unit.pk}", _("You may not set ratios for %(unit)s.") % {"unit": unit}
        )
    following = AssessmentYear.objects.filter(region_id=unit.region_id, year=assessment_year.year + 1).first()
    if following is None:
        raise ValidationError(
            _("Set up the assessment year %(year)s before adopting a ratio for it.")
            % {"year": assessment_year.year + 1},
            code="no_year",
        )
    report = selectors.fairness_report(assessment_year=assessment_year)
    row = next((r for r in report.running if r.unit.pk == unit.pk), None)
    if row is None or row.rating is None:
        raise ValidationError(_("There is not enough to rate %(unit)s yet.") % {"unit": unit}, code="not_rated")
    reason = _("Rating of how the unit ran its routine assessment in %(year)s: %(score)s points") % {
        "year": assessment_year.year,
        "score": row.rating.score,
    }
    return year_services.excellent_ratio_set(
        unit=unit,
        assessment_year=following,
        performance=performance,
        reason=reason,
        ratio=row.suggested,
        by=by,
    )
