from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("<slug:code>/", views.endpoints, name="endpoints"),
    path("<slug:code>/endpoints/<int:pk>/", views.endpoint, name="endpoint"),
    path("<slug:code>/endpoints/<int:pk>/active/", views.endpoint_active, name="active"),
    path("<slug:code>/endpoints/<int:pk>/rotate/", views.endpoint_rotate, name="rotate"),
    path("<slug:code>/endpoints/<int:pk>/delete/", views.endpoint_delete, name="delete"),
    path("<slug:code>/deliveries/<int:pk>/replay/", views.delivery_replay, name="replay"),
]
