"""The home page: who you are and what your roles let you do, each leading to its work; the periods open in
your region and your unread reminders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from assessment.quarter import selectors as quarter_selectors
from assessment.quarter import services as quarter_services
from periods.models import Period
from units.permissions import ROLE_ABILITIES, SELF_ABILITIES, roles_of


@login_required
def home(request):
    """Who you are and what you can do."""
    user = request.user
    person = getattr(user, "person", None)
    roles = [
        {
            "assignment": a,
            "abilities": ROLE_ABILITIES.get(a.role, ()),
            # The unit whose current quarter the role works on, for a link straight to it.
            "unit": a.unit if a.unit_id else (a.section.unit if a.section_id else None),
        }
        for a in roles_of(user)
    ]
    open_periods = []
    if person is not None:
        open_periods = (
            Period.objects.filter(assessment_year__region_id=person.unit.region_id)
            .exclude(status__in=[Period.Status.DRAFT, Period.Status.CLOSED])
            .select_related("assessment_year")
        )
    # The 公示 running in the person's unit, for a link on their card while it lasts.
    publicity = quarter_selectors.publicity_now_for(user=user, today=quarter_services.today()) if person else []
    notifications = user.notifications.filter(read_at__isnull=True)[:10]
    context = {
        "notifications": notifications,
        "open_periods": open_periods,
        "person": person,
        "publicity": publicity,
        "roles": roles,
        "self_abilities": SELF_ABILITIES if person is not None else (),
    }
    return render(request, "assessment/home/index.html", context)
