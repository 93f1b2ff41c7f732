"""The URLconf of ``portal.settings.bench``: the portal's own URLs plus the benchmark's floor views. Only the
benchmarks' settings name it; production never imports the benchmarks."""

from django.urls import path

from bench import views
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/floor/", views.floor_insert, name="bench-floor"),
    path("bench/floor/framework/", views.framework_floor, name="bench-floor-framework"),
    *portal_urlpatterns,
]
