from django.urls import path

from accounts import apis, views

urlpatterns = [
    path("profile/", views.profile, name="account_profile"),
    path("api/me/", apis.MeApi.as_view(), name="accounts_api_me"),
]
