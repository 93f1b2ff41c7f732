"""Login lockouts: how long one lasts, and the message that says so.

allauth counts failed logins per client address and per account (``ACCOUNT_RATE_LIMITS["login_failed"]``,
e.g. 10 a minute per address and 5 in 5 minutes per account) and refuses further attempts until the oldest
failure in a full window has aged out. ``login_lockout_seconds`` reads that moment from allauth's own counters,
so the message and ``Retry-After`` name the real wait, not the window's length.
"""

from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.core.internal import ratelimit
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.i18n import wait_phrase

ACTION = "login_failed"
APP = "allauth.account"

#: When the wait is not known (allauth's other lockouts, e.g. too many wrong codes).
LOCKOUT_MESSAGE = _(
    "Too many failed attempts. Wait a few minutes and try again, or reset your password if you have forgotten it."
)
#: The login lockout, with the wait and the address of the password reset page.
LOCKOUT_WAIT_MESSAGE = _(
    "Too many failed login attempts. Wait %(wait)s and try again, or reset your password if you have "
    "forgotten it: %(reset_url)s"
)
#: The same for the login page, where the reset address is a link (%(link)s … %(end_link)s).
LOCKOUT_WAIT_HTML_MESSAGE = _(
    "Too many failed login attempts. Wait %(wait)s and try again, or %(link)sreset your password%(end_link)s "
    "if you have forgotten it."
)


def login_lockout_seconds(request: HttpRequest, *, key: str) -> int:
    """Seconds until allauth lets the next login attempt for ``key`` (the account) from this client through."""
    now = time.time()
    wait = 0.0
    for rate in ratelimit.get_rates(app=APP, action=ACTION, config=account_settings.RATE_LIMITS):
        cache_key = ratelimit.get_cache_key(request, app=APP, action=ACTION, rate=rate, key=key)
        history = [at for at in cache.get(cache_key, []) if at > now - rate.duration]
        if len(history) >= rate.amount:
            # Allowed again once the oldest failure in the window has left it.
            wait = max(wait, min(history) + rate.duration - now)
    return max(1, round(wait)) if wait else 60


def lockout_error(request: HttpRequest, seconds: int) -> ValidationError:
    reset_url = request.build_absolute_uri(reverse("account_reset_password"))
    message = LOCKOUT_WAIT_MESSAGE % {"wait": wait_phrase(seconds), "reset_url": reset_url}
    return ValidationError(message, code="too_many_login_attempts")
