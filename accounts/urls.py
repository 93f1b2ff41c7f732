from django.urls import path

from accounts import apis, views

urlpatterns = [
    # allauth's login, answering a lockout with 429 (before allauth's own URLs, which portal.urls includes later).
    path("login/", views.login, name="account_login"),
    path("profile/", views.profile, name="account_profile"),
    path("learner/", views.learner, name="account_learner"),
    path("api/me/", apis.MeApi.as_view(), name="accounts_api_me"),
]
