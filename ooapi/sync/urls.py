from django.urls import path

from ooapi.sync import views

app_name = "ooapi_sync"

urlpatterns = [
    path("", views.connections, name="connections"),
    path("<int:pk>/", views.connection, name="connection"),
    path("<int:pk>/messages/<int:message_pk>/retry/", views.message_retry, name="retry"),
]
