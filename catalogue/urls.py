from django.urls import path

from catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.catalogue, name="list"),
    path("offerings/<int:offering_id>/", views.offering, name="offering"),
]
