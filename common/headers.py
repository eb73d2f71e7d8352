"""Headers every response carries beyond Django's SecurityMiddleware and django-csp's policy."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class PrivateResponseMiddleware:
    """A page for a logged-in user, and every answer of the API, holds people's data: ``Cache-Control: no-store``
    (with Django's other never-cache headers), so that neither a shared proxy nor the browser's cache keeps it
    after the user has gone. And the Permissions-Policy header (settings.PERMISSIONS_POLICY) on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # Asked before the view: the logout page and an idle session's end log the user out on the way.
        private = request.path.startswith("/api/") or (user is not None and user.is_authenticated)
        response = self.get_response(request)
        if private or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
