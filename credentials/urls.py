from django.urls import path

from credentials import views

app_name = "credentials"

# Issued credentials carry these addresses forever (credentials.openbadges.urls): never move them.
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("mine/", views.mine, name="mine"),
    path("mine/<uuid:credential>.json", views.download, name="download"),
    path("awarded/<slug:code>/", views.awarded, name="awarded"),
    path("awarded/<slug:code>/<uuid:credential>/revoke/", views.revoke, name="revoke"),
    path("contexts/eu-microcredential-v1.jsonld", views.context, name="context"),
    path("issuers/<slug:issuer>", views.issuer, name="issuer"),
    path("issuers/<slug:issuer>/status/<str:list_id>", views.status_list, name="status-list"),
    path("achievements/<uuid:definition>", views.achievement, name="achievement"),
    path("<uuid:credential>", views.credential, name="credential"),
]
