from django.urls import path

from ooapi import views

app_name = "ooapi"

urlpatterns = [
    path("check/", views.check, name="check"),
]
