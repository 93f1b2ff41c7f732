from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("", views.zone, name="zone"),
    path("<slug:key>.csv", views.zone_csv, name="zone-csv"),
    path("institutions/<slug:code>/", views.institution, name="institution"),
    path("institutions/<slug:code>/<slug:key>.csv", views.institution_csv, name="institution-csv"),
]
