"""The consent screen at first login, and again when its words change (``privacy.consent``).

With ``PRIVACY_CONSENT_REQUIRED`` on, a signed-in student or learner who has not agreed to the current words
reaches no page but the screen (and what they need to leave: logout, language, static files); they come back
where they were going. Machine interfaces (the API, allauth headless, OOAPI) answer as before: a person meets
the screen in the browser. The answer is remembered in the session, so a page costs no query once agreed.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from privacy.consent import consent_version
from privacy.selectors import consent_needed

SESSION_KEY = "privacy_consent"
EXEMPT_PREFIXES = ("/api/", "/_allauth/", "/ooapi/", "/o/", "/static/", "/i18n/", "/jsi18n/", "/healthz")


class ConsentMiddleware:
    """Place after ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.PRIVACY_CONSENT_REQUIRED and request.user.is_authenticated and not self._exempt(request):
            version = consent_version()
            if request.session.get(SESSION_KEY) != version:
                if consent_needed(request.user):
                    query = urlencode({"next": request.get_full_path()})
                    return HttpResponseRedirect(f"{reverse('privacy:consent')}?{query}")
                request.session[SESSION_KEY] = version
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith(EXEMPT_PREFIXES):
            return True
        return path in (reverse("privacy:consent"), reverse("account_logout"))
