from django.conf import settings


def idle_timeout(request):
    """The idle timeout for the page's warning (static/js/idle.js): how long a session lasts without activity and
    how long before its end the page warns, at most half of it."""
    timeout = settings.SESSION_IDLE_TIMEOUT
    return {"idle_timeout": timeout, "idle_warning": min(settings.SESSION_IDLE_WARNING, timeout // 2)}
