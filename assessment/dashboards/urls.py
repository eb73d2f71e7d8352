"""The dashboards' pages, mounted inside the quarter's URLconf (``assessment.quarter.urls``): their names
are quarter:region_dashboard and quarter:office_dashboard, as they have always been."""

from django.urls import path

from assessment.dashboards import views

urlpatterns = [
    path("region/", views.region, name="region_dashboard"),
    path("dashboard/", views.office, name="office_dashboard"),
]
