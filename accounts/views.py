import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import selectors, services
from accounts.forms import LoginForm
from accounts.middleware import LAST_SEEN
from common.refusals import refusal_messages
from units.permissions import Action, scope_for


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
        services.password_change_record(user=self.request.user, by=self.request.user)
        if self.request.user.must_change_password:
            self.request.user.must_change_password = False
            self.request.user.save(update_fields=["must_change_password"])
        return response


@require_http_methods(["GET", "POST"])
def session_status(request):
    """How many seconds the session has left before it ends for want of activity (static/js/idle.js asks
    before warning). A GET does not count as activity (accounts.middleware.IdleTimeoutMiddleware); a POST
    does, and so keeps the session."""
    if not request.user.is_authenticated:
        return JsonResponse({"remaining": 0, "code": "not_authenticated"}, status=401)
    timeout = settings.SESSION_IDLE_TIMEOUT
    if not timeout:
        return JsonResponse({"remaining": None, "timeout": 0})
    last = request.session.get(LAST_SEEN, time.time())
    return JsonResponse({"remaining": max(0, round(timeout - (time.time() - last))), "timeout": timeout})


@login_required
@require_http_methods(["GET", "POST"])
def locked_accounts(request):
    """The logins locked after failed attempts that the user may unlock: the organisation department the
    accounts of its region, a superuser every account and address."""
    user = request.user
    if scope_for(user, Action.UNLOCK_ACCOUNTS).is_empty:
        raise Http404(_("Not found, or outside what your roles cover."))
    if request.method == "POST":
        try:
            if request.POST.get("address"):
                services.address_unlock(address=request.POST["address"], by=user)
                messages.success(request, _("The address %(key)s is unlocked.") % {"key": request.POST["address"]})
            else:
                username = request.POST.get("username", "")
                services.account_unlock(username=username, by=user)
                unlocked = _("The account %(key)s is unlocked: it may log in again.") % {"key": username}
                messages.success(request, unlocked)
        except (PermissionError, ValidationError) as exc:
            for problem in refusal_messages(exc):
                messages.error(request, problem)
        return redirect("locked_accounts")
    q = request.GET.get("q", "").strip()[:150]
    page = Paginator(selectors.locked_accounts_visible_to(user=user, q=q), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "addresses": selectors.locked_addresses_visible_to(user=user),
        "per_account": settings.LOGIN_FAILURES_PER_ACCOUNT,
        "per_address": settings.LOGIN_FAILURES_PER_ADDRESS,
        "minutes": settings.LOGIN_LOCKOUT_MINUTES,
    }
    return render(request, "accounts/locked_accounts.html", context)
