"""Receivers of the accounts app.

Logging in remembers the interface language the person uses (their email follows it).

Setting up the authenticator app in a session counts as passing it in that session.

The person has just typed a valid code from the app (allauth checks it before it activates TOTP), so the
staff MFA check (``accounts.middleware``) should not ask for another one straight away. allauth records a
second factor only at login and at its code prompt; this records the activation the same way.
"""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from accounts.services import user_language_set


@receiver(user_logged_in, dispatch_uid="accounts.remember_language")
def remember_language(sender, request, user, **kwargs) -> None:
    if request is not None:
        user_language_set(user=user, language=getattr(request, "LANGUAGE_CODE", "") or translation.get_language())


@receiver(authenticator_added, dispatch_uid="accounts.record_totp_activation")
def record_totp_activation(sender, request, user, authenticator: Authenticator, **kwargs) -> None:
    if request is None or authenticator.type != Authenticator.Type.TOTP:
        return
    if getattr(request, "user", None) is None or request.user.pk != user.pk:
        return
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True)
