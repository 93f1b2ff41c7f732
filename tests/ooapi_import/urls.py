"""The portal's URLs with the import pages at /ooapi/imports/ (portal/urls.py gets the same include)."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns

_included = any(getattr(pattern, "namespace", None) == "ooapi_imports" for pattern in portal_urlpatterns)
urlpatterns = (
    list(portal_urlpatterns)
    if _included
    else [path("ooapi/imports/", include("ooapi.consumer.urls")), *portal_urlpatterns]
)
