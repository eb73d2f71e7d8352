from django.urls import path

from units import views

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("people/import/", views.roster_import_page, name="roster_import"),
    path("people/import/template.xlsx", views.roster_template_download, name="roster_template"),
]
