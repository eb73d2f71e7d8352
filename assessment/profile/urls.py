from django.urls import path

from assessment.profile import views

urlpatterns = [
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
]
