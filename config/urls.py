from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common.progress import task_progress

admin.site.site_header = _("Civil servant assessment system")
admin.site.site_title = _("Civil servant assessment system")
admin.site.index_title = _("Administration")


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, a PDF's): the vendored one.
    Its address is looked up per request: with hashed static names it exists once collectstatic has run."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    # The years, periods and holiday calendar moved from the assessment app to periods; an old admin
    # address of theirs follows them.
    re_path(
        r"^admin/assessment/(?P<rest>(?:assessmentyear|calendarday)/.*)$",
        RedirectView.as_view(url="/admin/periods/%(rest)s", permanent=True, query_string=True),
    ),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("assessment.home.urls")),
    path("", include("units.urls")),
    path("", include("assessment.profile.urls")),
    path("scoring/", include("scoring.urls")),
    path("quarter/", include("assessment.quarter.urls")),
    path("annual/", include("assessment.year.urls")),
    path("registers/", include("assessment.registers.urls")),
    path("analytics/", include("assessment.analytics.urls")),
    path("trail/", include("assessment.trail.urls")),
    path("tasks/<uuid:task_id>/", task_progress, name="task_progress"),
    path("api/v1/", include("api.urls")),
    # The schema answers a session or a token (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]); the
    # documentation page is for a browser, so an anonymous visitor is sent to the login page. The split view serves
    # Swagger UI's start-up script as a file of its own: the Content-Security-Policy allows no inline script.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
]

handler400 = "api.views.bad_request_explained"
handler404 = "api.views.not_found_json"
