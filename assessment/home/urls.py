from django.urls import path

from assessment.home import views

urlpatterns = [
    path("", views.home, name="home"),
]
