from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from assessment.models import QuarterlyResult
from units import selectors
from units.permissions import Action, not_found, scope_for


@login_required
def unit_list(request):
    units = selectors.unit_overview_for(user=request.user).order_by("region_id", "order", "code")
    return render(request, "units/unit_list.html", {"units": units})


@login_required
def unit_detail(request, code: str):
    unit = selectors.units_visible_to(user=request.user).filter(code=code).first()
    if unit is None:
        raise not_found(request, "unit_detail", f"unit={code}")
    rosters, incoming = selectors.unit_roster(user=request.user, unit=unit)
    context = {
        "unit": unit,
        "rosters": rosters,
        "incoming": incoming,
        "whole_unit": scope_for(request.user, Action.VIEW).covers_unit(unit),
        "people_count": sum(len(r.rows) for r in rosters),
    }
    return render(request, "units/unit_detail.html", context)


@login_required
def person_detail(request, pk: int):
    person = selectors.person_profile_for(user=request.user, pk=pk)
    if person is None:
        raise not_found(request, "person_detail", f"person={pk}")
    # The profile (画像): every published result over time and what followed from it.
    shown = (QuarterlyResult.Status.PUBLICITY, QuarterlyResult.Status.CONFIRMATION, QuarterlyResult.Status.FINAL)
    results = (
        QuarterlyResult.objects.filter(person=person, status__in=shown)
        .select_related("period__assessment_year", "sheet", "unit")
        .order_by("-period__assessment_year__year", "-period__quarter")
    )
    follow_ups = person.follow_ups.select_related("result__period__assessment_year").order_by("-due_on")
    context = {"person": person, "results": results, "follow_ups": follow_ups}
    return render(request, "units/person_detail.html", context)
