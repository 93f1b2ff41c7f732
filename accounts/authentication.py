"""DRF authentication with allauth's session token, looked up once per request."""

from __future__ import annotations

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from django.http import HttpRequest
from drf_spectacular.contrib.django_allauth import XSessionTokenAuthenticationScheme
from rest_framework.request import Request

# Where the first lookup's answer is kept on the Django request: (user, session) or None.
_ANSWER = "_portal_session_token_auth"


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's ``X-Session-Token`` authentication, remembered on the request.

    ``accounts.middleware.StaffMfaMiddleware`` authenticates API requests before the view runs, to send
    staff without an authenticator to its setup; DRF then authenticates the same request again. Each
    lookup reads the session and its user, on every API call of an app client. The second
    asks the request instead. A request never outlives its token's state, so the answer cannot go stale.
    """

    def authenticate(self, request: HttpRequest | Request):
        http_request = request._request if isinstance(request, Request) else request
        try:
            return getattr(http_request, _ANSWER)
        except AttributeError:
            answer = super().authenticate(request)
            setattr(http_request, _ANSWER, answer)
            return answer


class SessionTokenAuthenticationScheme(XSessionTokenAuthenticationScheme):
    """The OpenAPI security scheme drf-spectacular gives allauth's class (``XSessionTokenAuth``), for ours."""

    target_class = "accounts.authentication.SessionTokenAuthentication"
