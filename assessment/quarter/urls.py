from django.urls import path

from assessment.dashboards import views as dashboard_views
from assessment.quarter.views import chain as views
from assessment.quarter.views import mine as staff_views

app_name = "quarter"

urlpatterns = [
    path("region/", dashboard_views.region, name="region_dashboard"),
    path("dashboard/", dashboard_views.office, name="office_dashboard"),
    path("mine/", staff_views.my_quarters, name="my_quarters"),
    path("mine/<int:period_pk>/", staff_views.my_quarter, name="my_quarter"),
    path("<int:period_pk>/units/<str:code>/", views.board, name="board"),
    path("<int:period_pk>/units/<str:code>/review/", views.review, name="review"),
    path("<int:period_pk>/units/<str:code>/reviews/", staff_views.reviews, name="reviews"),
    path("<int:period_pk>/units/<str:code>/decide/", views.decide, name="decide"),
    path("<int:period_pk>/units/<str:code>/publish/", views.publish, name="publish"),
    path("<int:period_pk>/units/<str:code>/allocate/", views.allocate, name="allocate"),
    path("<int:period_pk>/allocate/", views.allocate_region, name="allocate_region"),
    path("<int:period_pk>/sections/<int:section_pk>/skip-summaries/", views.skip_summaries, name="skip_summaries"),
    path("<int:period_pk>/sections/<int:section_pk>/propose/", views.propose, name="propose"),
    path("results/<int:pk>/send-back/", views.send_back, name="send_back"),
]
