"""Two-factor authentication for everyone who acts for an institution or the zone.

With ``PORTAL_REQUIRE_STAFF_MFA`` on, institution staff, zone coordinators, superusers and admin users
(``accounts.selectors.user_requires_mfa``) reach no page but the way to their second factor until *this
session* has passed it:

- without an activated authenticator app they are sent to allauth's TOTP setup page;
- with one, but a session that has not entered a code (a session from before TOTP was set up, a login that
  skipped allauth's MFA step), they are sent to allauth's code prompt for a signed-in user
  (``mfa_reauthenticate``), and come back where they were going.

Whether the session passed is what allauth recorded in it (``accounts.selectors.session_passed_mfa``), not
whether an authenticator exists. API requests get a 403 JSON answer instead of a redirect. What they need
to get there stays reachable: the MFA pages, reauthentication, logout, the institution login and static files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from accounts.authentication import SessionTokenAuthentication
from accounts.errors import MfaAuthenticationRequiredError, MfaRequiredError
from accounts.models import User
from accounts.selectors import session_passed_mfa, user_has_totp, user_requires_mfa

API_PREFIXES = ("/api/", "/_allauth/", "/accounts/api/")
HEADLESS_PREFIX = "/_allauth/"
# Headless endpoints a user needs to log in, reauthenticate, set up TOTP or log out.
HEADLESS_EXEMPT = re.compile(r"^/_allauth/(?:app|browser)/v1/(?:auth/|account/authenticators|config$|tokens/)")
EXEMPT_URL_NAMES = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "account_request_reauthentication_code",
        "account_confirm_reauthentication_code",
        "account_confirm_email",
        "openid_connect_login",
        "openid_connect_callback",
        "set_language",
        "javascript-catalog",
        "healthz",
    }
)
EXEMPT_URL_NAME_PREFIXES = ("mfa_",)  # every allauth.mfa page: activate, authenticate, recovery codes...
SETUP_URL_NAME = "mfa_activate_totp"
AUTHENTICATE_URL_NAME = "mfa_reauthenticate"  # allauth's code prompt for a signed-in user


class StaffMfaMiddleware:
    """Place after ``AuthenticationMiddleware`` and ``MessageMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if not settings.PORTAL_REQUIRE_STAFF_MFA or _is_exempt(request):
            return None
        user, session = _acting_user(request)
        if user is None or not user_requires_mfa(user=user):
            return None
        if not user_has_totp(user=user):
            return _refuse(request, MfaRequiredError(), reverse(SETUP_URL_NAME))
        if session is None or not session_passed_mfa(session=session, user=user):
            target = request.get_full_path() if request.method in ("GET", "HEAD") else ""
            url = reverse(AUTHENTICATE_URL_NAME)
            if target:
                url = f"{url}?{urlencode({'next': target})}"
            return _refuse(request, MfaAuthenticationRequiredError(), url)
        return None


def _refuse(request: HttpRequest, error, url: str) -> HttpResponse:
    path = request.path_info
    if path.startswith(HEADLESS_PREFIX):
        # The shape allauth's headless clients parse.
        body = {"status": 403, "errors": [{"message": str(error.message), "code": error.code}]}
        return JsonResponse(body, status=403)
    if path.startswith(API_PREFIXES):
        # The shape of core.api.exception_handler.
        return JsonResponse({"detail": str(error.message), "code": error.code}, status=403)
    messages.warning(request, error.message)
    if request.headers.get("HX-Request"):
        # htmx would swap the page into a fragment of the current one; have it load the page instead.
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


def _is_exempt(request: HttpRequest) -> bool:
    path = request.path_info
    if path.startswith(HEADLESS_PREFIX):
        return bool(HEADLESS_EXEMPT.match(path))
    if settings.STATIC_URL and path.startswith(settings.STATIC_URL):
        return True
    match = request.resolver_match
    if match is None:
        return False
    if match.view_name in {"admin:logout"}:
        return True
    return match.url_name in EXEMPT_URL_NAMES or (match.url_name or "").startswith(EXEMPT_URL_NAME_PREFIXES)


def _acting_user(request: HttpRequest) -> tuple[User | None, SessionBase | None]:
    """The logged-in user and the session they are logged in with: the cookie session, or for API paths the
    session behind allauth's X-Session-Token, as DRF will see them."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user, getattr(request, "session", None)
    if request.path_info.startswith(API_PREFIXES) and "X-Session-Token" in request.headers:
        result = SessionTokenAuthentication().authenticate(request)  # DRF reuses the answer
        if result is not None:
            return result[0], result[1]
    return None, None
