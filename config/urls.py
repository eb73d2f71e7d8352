from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Civil servant assessment system")
admin.site.site_title = _("Civil servant assessment system")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("units.urls")),
    path("scoring/", include("scoring.urls")),
    path("annual/", include("assessment.urls")),
    path("registers/", include("assessment.register_urls")),
    path("quarter/", include("assessment.quarter_urls")),
]
