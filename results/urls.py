from django.urls import path

from results import views

app_name = "results"

urlpatterns = [
    path("host/<slug:code>/", views.host_results, name="host"),
    path("requests/<uuid:public_id>/", views.request_results, name="request"),
]
