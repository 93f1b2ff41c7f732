"""allauth headless session tokens, looked up in one statement."""

from __future__ import annotations

from allauth.headless.internal import sessionkit
from allauth.headless.tokens.strategies.sessions import SessionTokenStrategy as AllauthSessionTokenStrategy
from django.contrib.sessions.backends.base import SessionBase


class SessionTokenStrategy(AllauthSessionTokenStrategy):
    """allauth's session tokens (the token is the session's key), found with one read instead of two.

    allauth's strategy asks whether the session exists and then loads it: two statements on every API call
    of an app client. allauth's own ``sessionkit.lookup_session`` (which its JWT strategy uses) loads it
    once and treats a missing or expired session as no session; this strategy uses that.
    """

    def lookup_session(self, session_token: str) -> SessionBase | None:
        return sessionkit.lookup_session(session_token)
