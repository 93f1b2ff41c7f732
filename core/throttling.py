"""Rate limits on writes: the API's (a DRF throttle) and the HTML forms' (a view decorator), one budget per user.

Reads are never limited here. A write over the limit answers 429 with ``Retry-After`` (the seconds until the
oldest write in the window leaves it): DRF's exception handler adds the header for the API, and
``throttle_writes`` for the pages. The rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["writes"]``
(``PORTAL_WRITE_RATE``, default 30 a minute). Anonymous clients are counted by address, which behind a proxy
is the one allauth's trusted-proxy settings give (``ALLAUTH_TRUSTED_PROXY_COUNT``,
``ALLAUTH_TRUSTED_CLIENT_IP_HEADER``), so the API and the login limits agree on who a client is.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core.views import too_many_requests


class WriteRateThrottle(SimpleRateThrottle):
    """Unsafe methods (POST, PUT, PATCH, DELETE), per user or, anonymously, per client address."""

    scope = "writes"

    def get_rate(self) -> str | None:
        # Read when used, not when the class was imported, so a changed setting counts at once.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        ident = f"user:{user.pk}" if user is not None and user.is_authenticated else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_ident(self, request) -> str:
        try:
            return get_adapter().get_client_ip(getattr(request, "_request", request))
        except (PermissionDenied, ImproperlyConfigured):  # no address; fewer X-Forwarded-For entries than proxies
            return super().get_ident(request)

    def retry_after(self) -> int:
        wait = self.wait()
        return max(1, math.ceil(wait)) if wait is not None else 1


def throttle_writes(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For an HTML view: a write over the user's budget gets the 429 page with Retry-After instead of the view."""

    @functools.wraps(view)
    def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        throttle = WriteRateThrottle()
        if not throttle.allow_request(request, None):
            return too_many_requests(request, retry_after=throttle.retry_after())
        return view(request, *args, **kwargs)

    return limited
