from django.urls import path

from scoring import event_views, grid_views, views

app_name = "scoring"

urlpatterns = [
    path("", views.period_list, name="period_list"),
    path("periods/<int:period_pk>/units/<str:code>/", views.unit_sheets, name="unit_sheets"),
    path("periods/<int:period_pk>/units/<str:code>/events/", event_views.events, name="events"),
    path("periods/<int:period_pk>/units/<str:code>/events/record/", event_views.event_record, name="event_record"),
    path("periods/<int:period_pk>/checks/", event_views.event_checks, name="event_checks"),
    path("evidence/<int:pk>/", event_views.evidence_download, name="evidence"),
    path("periods/<int:period_pk>/monthly/", views.monthly, name="monthly"),
    path("periods/<int:period_pk>/monthly/template.xlsx", views.monthly_template_download, name="monthly_template"),
    path("periods/<int:period_pk>/declare/", event_views.declare, name="declare"),
    path("periods/<int:period_pk>/sections/<int:section_pk>/grid/", grid_views.grid, name="grid"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet_detail"),
    path("sheets/<int:pk>/row/", grid_views.grid_row, name="grid_row"),
]
