"""Request middleware: one structured log line per request, a cap on the request size before the body is read,
and a Retry-After on every 429."""

from __future__ import annotations

import io
import json
import logging
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from core.i18n import lazy_format

logger = logging.getLogger("portal.request")

REQUEST_TOO_LARGE_MESSAGE = _(
    "The request is too large: at most %(max)s MB may be sent at once. Make the file smaller and try again."
)
LENGTH_REQUIRED_MESSAGE = _("Send the request body with a Content-Length header; chunked bodies are not accepted.")
BAD_LENGTH_MESSAGE = _("The Content-Length header is not a valid length.")


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


API_PREFIXES = ("/api/", "/_allauth/", "/accounts/api/", "/ooapi/v5/", "/o/")

#: Seconds a 429 without its own Retry-After asks the client to wait: allauth's rate limits count per minute.
DEFAULT_RETRY_AFTER_SECONDS = 60


def _wants_json(request) -> bool:
    return request.path_info.startswith(API_PREFIXES) or "json" in request.headers.get("Accept", "")


def _error_response(request, *, status: int, code: str, message) -> HttpResponse:
    """A small answer for a refusal made before the body is read or the session is loaded."""
    with translation.override(translation.get_language_from_request(request)):
        text = str(message)
    if _wants_json(request):
        return JsonResponse({"detail": text, "code": code}, status=status)
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


class ChunkedBodyLimit:
    """WSGI wrapper (``portal.wsgi``): a chunked request body, which has no ``Content-Length``, is read here up to
    ``PORTAL_MAX_REQUEST_BYTES`` and handed on with its length, or refused with 413 once it passes the limit.

    Only where the server decodes the chunks and ends the stream at the body's end (``wsgi.input_terminated``,
    as gunicorn does); elsewhere (runserver) the body stays unread and ``RequestSizeLimitMiddleware`` answers 411.
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            limit = settings.PORTAL_MAX_REQUEST_BYTES
            body = environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                message = lazy_format(REQUEST_TOO_LARGE_MESSAGE, max=_megabytes(limit))
                with translation.override(settings.LANGUAGE_CODE):
                    payload = json.dumps({"detail": str(message), "code": "request_too_large"}).encode()
                start_response(
                    "413 Request Entity Too Large",
                    [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
                )
                return [payload]
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.application(environ, start_response)


class RequestSizeLimitMiddleware:
    """Refuses a request body larger than ``PORTAL_MAX_REQUEST_BYTES`` before any of it is read.

    The declared ``Content-Length`` decides: over the limit answers 413 at once, while the body is still on
    its way (gunicorn and runserver read a body only when the application asks for it). A body sent chunked,
    without a ``Content-Length``, has been read and measured by ``ChunkedBodyLimit`` under gunicorn; where it
    could not be (runserver), it answers 411: Django reads at most the declared length, so it would take the
    body for empty. Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not cover file uploads; this does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.PORTAL_MAX_REQUEST_BYTES
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                return _error_response(request, status=400, code="bad_content_length", message=BAD_LENGTH_MESSAGE)
            if length > limit:
                return _error_response(
                    request,
                    status=413,
                    code="request_too_large",
                    message=lazy_format(REQUEST_TOO_LARGE_MESSAGE, max=_megabytes(limit)),
                )
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return _error_response(request, status=411, code="length_required", message=LENGTH_REQUIRED_MESSAGE)
        return self.get_response(request)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


class RetryAfterMiddleware:
    """Every 429 tells the client when to come back. DRF's throttles and the portal's own limits say how long;
    allauth's rate-limited answers (its HTML page, its headless JSON) say nothing, so they get the length of
    allauth's shortest window."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 429 and not response.has_header("Retry-After"):
            response["Retry-After"] = str(DEFAULT_RETRY_AFTER_SECONDS)
        return response
