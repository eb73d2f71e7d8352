from django.urls import path

from units import views

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
]
