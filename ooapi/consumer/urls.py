from django.urls import path

from ooapi.consumer import views

app_name = "ooapi_imports"

urlpatterns = [
    path("", views.imports, name="list"),
    path("runs/", views.runs, name="runs"),
    path("<int:run_id>/", views.detail, name="detail"),
    path("start/<int:connection_id>/", views.start, name="start"),
]
