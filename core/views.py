"""Site-wide pages that belong to no app: the health check, the 429 page, the admin's way to the login and the
API's 404."""

import math
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from core.errors import TOO_MANY_REQUESTS_MESSAGE
from core.health import health_report
from core.i18n import wait_phrase
from core.middleware import API_PREFIXES, DEFAULT_RETRY_AFTER_SECONDS


@never_cache
@require_safe
def healthz(request):
    """Database, broker and migrations as JSON: 200 when all are ok, 503 otherwise; never cached.

    Always in English, whatever the browser asks for: it is read by probes, operators and their logs."""
    with translation.override("en"):
        healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def too_many_requests(request: HttpRequest, retry_after: int | None = None) -> HttpResponse:
    """429 with Retry-After: the page for people, ``{"detail", "code"}`` for API clients.

    Also allauth's ``handler429`` (``portal.urls.handler429``) for its rate-limited pages."""
    seconds = max(1, math.ceil(retry_after if retry_after is not None else DEFAULT_RETRY_AFTER_SECONDS))
    wait = wait_phrase(seconds)
    headers = {"Retry-After": str(seconds)}
    if request.path_info.startswith(API_PREFIXES):
        body = {"detail": str(TOO_MANY_REQUESTS_MESSAGE % {"wait": wait}), "code": "throttled"}
        return JsonResponse(body, status=429, headers=headers)
    response = render(request, "429.html", {"wait": wait, "retry_after": seconds}, status=429)
    response["Retry-After"] = headers["Retry-After"]
    return response


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in through allauth, like everyone else: with its TOTP step and its rate limits.

    Django admin's own login form checks a password and nothing more; this view replaces it (``/admin/login/``)
    and never reads a password. A signed-in user the admin does not let in gets a 403 rather than a loop
    between the two login pages.
    """
    if request.user.is_authenticated:
        raise PermissionDenied
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': next_url})}")


@csrf_exempt  # it changes nothing; a POST to a wrong address must get this 404, not a CSRF page
def api_not_found(request: HttpRequest) -> JsonResponse:
    """An address under /api/ that names no resource: 404 in the API's error shape. One that does with a slash
    appended is redirected there, as Django's APPEND_SLASH would (this view keeps CommonMiddleware from it)."""
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "api-not-found":
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return JsonResponse({"detail": gettext("Not found."), "code": "not_found"}, status=404)
