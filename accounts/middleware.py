import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# When the session last saw a request of its user (seconds since the epoch).
LAST_SEEN = "kaohe_last_seen"


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


class IdleTimeoutMiddleware:
    """A session ends after settings.SESSION_IDLE_TIMEOUT seconds without a request (0: never). Each request
    counts as activity except the page's own question of how long is left (a GET of ``session_status``), so a
    page left open does not keep itself alive; static/js/idle.js asks it and warns before the end."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = settings.SESSION_IDLE_TIMEOUT
        user = getattr(request, "user", None)
        if timeout and user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > timeout:
                return self._timed_out(request, timeout)
            asking = request.path == reverse("session_status") and request.method == "GET"
            # The time is written at most every few seconds, not at every request: each write saves the session.
            if not asking and (last is None or now - last >= min(30, timeout / 10) or request.method == "POST"):
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _timed_out(request, timeout: int):
        logout(request)
        minutes = max(1, round(timeout / 60))
        message = ngettext(
            "You were logged out after %(minutes)d minute without activity. Please log in again.",
            "You were logged out after %(minutes)d minutes without activity. Please log in again.",
            minutes,
        ) % {"minutes": minutes}
        if _is_api(request):
            return JsonResponse({"detail": message, "code": "session_expired"}, status=401)
        # Said on the login page the browser goes to next.
        messages.warning(request, message)
        if request.path == reverse("session_status"):
            return JsonResponse({"detail": message, "code": "session_expired"}, status=401)
        if request.headers.get("HX-Request"):
            # htmx (a progress bar polling) follows this header to the login page.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse(settings.LOGIN_URL)
            return response
        if request.headers.get("X-Requested-With") == "XMLHttpRequest":
            return HttpResponse(message, status=401, content_type="text/plain; charset=utf-8")
        return redirect_to_login(request.get_full_path() if request.method == "GET" else request.path)


class ForcePasswordChangeMiddleware:
    """An account created by an import must choose its own password before doing anything else. The API
    refuses it too (403, JSON): api.authentication does the same for its tokens."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse("password_change"), reverse("logout"), reverse("session_status")}
            if request.path not in allowed and not request.path.startswith("/static/"):
                if _is_api(request):
                    return JsonResponse(
                        {"detail": password_change_required(), "code": "password_change_required"}, status=403
                    )
                return redirect("password_change")
        return self.get_response(request)


def password_change_required() -> str:
    return _("This account must change its password before it is used: log in to the site and choose a new one.")
