"""Reads of the registers: who may export what, and one's own exports still kept."""

from __future__ import annotations

from assessment.models import RegisterExport
from periods.models import AssessmentYear
from units.permissions import Action, scope_for
from units.selectors import units_visible_to


def may_export_region(user, region_id: int) -> bool:
    return scope_for(user, Action.EXPORT).covers_region(region_id)


def may_export(user, job: RegisterExport) -> bool:
    """Whether ``user`` may (still) have the file of ``job``: its unit, or its whole region."""
    if job.unit_id is not None:
        return scope_for(user, Action.EXPORT).covers_unit(job.unit)
    return may_export_region(user, job.assessment_year.region_id)


def exports_of(*, user):
    """The exports ``user`` asked for that are still kept, newest first."""
    return RegisterExport.objects.filter(requested_by=user).select_related("assessment_year", "unit")


def export_years(*, user):
    """The years of the regions in which the user exports some unit's registers, newest first."""
    regions = units_visible_to(user=user, action=Action.EXPORT).values("region_id")
    return AssessmentYear.objects.filter(region_id__in=regions).select_related("region").order_by("-year")
