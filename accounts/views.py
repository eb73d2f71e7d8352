from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from accounts.forms import LoginForm
from periods.models import Period
from units.permissions import ROLE_ABILITIES, SELF_ABILITIES, roles_of


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have logged out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.request.user.must_change_password:
            self.request.user.must_change_password = False
            self.request.user.save(update_fields=["must_change_password"])
        return response


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
    notifications = user.notifications.filter(read_at__isnull=True)[:10]
    context = {
        "notifications": notifications,
        "open_periods": open_periods,
        "person": person,
        "roles": roles,
        "self_abilities": SELF_ABILITIES if person is not None else (),
    }
    return render(request, "home.html", context)
