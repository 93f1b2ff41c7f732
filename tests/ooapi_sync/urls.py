"""The portal's URLs plus the connection status pages, for tests that run before (or without)
``portal/urls.py`` including ``ooapi.sync.urls``."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns


def _has_namespace(patterns, namespace: str) -> bool:
    return any(getattr(p, "namespace", None) == namespace for p in patterns)


urlpatterns = list(portal_urlpatterns)
if not _has_namespace(urlpatterns, "ooapi_sync"):
    urlpatterns.insert(0, path("ooapi/connections/", include("ooapi.sync.urls")))
