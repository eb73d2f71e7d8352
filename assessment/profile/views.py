"""A person's profile (画像). Thin: the person as the user may see them, and one selector."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from assessment.profile.selectors import profile_timeline
from common.refusals import not_found
from units.selectors import person_profile_for


@login_required
def person_detail(request, pk: int):
    person = person_profile_for(user=request.user, pk=pk)
    if person is None:
        raise not_found(request, "person_detail", f"person={pk}")
    # The profile (画像): per period the published result, work records, events and follow-ups.
    own = person.user_id is not None and person.user_id == request.user.pk
    context = {"person": person, "profile": profile_timeline(person=person, with_notifications=own), "own": own}
    return render(request, "assessment/profile/person.html", context)
