"""The URLconf of ``portal.settings.bench``: the portal's own URLs plus the benchmark's floor view."""

from django.urls import path

from portal.bench import views
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/floor/", views.floor_insert, name="bench-floor"),
    *portal_urlpatterns,
]
