"""The portal's URLs with the OOAPI v5 provider mounted at /ooapi/v5/ (first, so it wins over any other
``ooapi/`` include), for the provider's tests."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("ooapi/v5/", include("ooapi.provider.urls")), *portal_urlpatterns]
