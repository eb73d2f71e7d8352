from django.urls import path

from assessment.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year_pk>/", views.year, name="year"),
    path("<int:year_pk>/analytics.xlsx", views.download, name="download"),
    path("<int:year_pk>/weights/", views.weights, name="weights"),
    path("<int:year_pk>/sections/<int:section_pk>/", views.section, name="section"),
    path("<int:year_pk>/units/<str:code>/", views.unit, name="unit"),
    path("<int:year_pk>/units/<str:code>/adopt/", views.adopt, name="adopt"),
    path("<int:year_pk>/units/<str:code>/reviewers/<int:user_pk>/", views.reviewer, name="reviewer"),
]
