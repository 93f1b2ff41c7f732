from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("export.json", views.export, name="export"),
    path("erase/", views.erase, name="erase"),
    path("consent/", views.consent, name="consent"),
]
