from django.urls import path

from assessment.registers import views

app_name = "registers"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("download/", views.download, name="download"),
    path("exports/", views.start, name="start"),
    path("exports/<int:pk>/", views.export, name="export"),
    path("exports/<int:pk>/file/", views.export_file, name="export_file"),
]
