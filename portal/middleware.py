"""Request logging: one structured line per request on the ``portal.request`` logger."""

from __future__ import annotations

import logging
import time

from django.utils.functional import LazyObject, empty

logger = logging.getLogger("portal.request")


def _user_id(request) -> int | None:
    """The logged-in user's id, if the request already looked the user up.

    Logging never triggers the lookup itself: that would cost a session query on every request, and
    would fail the very requests (``/healthz``) that must keep answering while the database is down.
    """
    user = getattr(request, "user", None)
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            return None
        user = user._wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


class RequestLogMiddleware:
    """Logs method, path, status, duration and user id of every request at INFO.

    Only the path is logged, never the query string or any name or email address: search terms and
    form values may carry personal data.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": _user_id(request),
            },
        )
        return response
