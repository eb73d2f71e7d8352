from django.urls import path

from assessment.trail import views

urlpatterns = [
    path("", views.trail, name="trail"),
    path("export.xlsx", views.trail_export, name="trail_export"),
]
