"""allauth adapters: how a SURFconext / eduID login becomes a portal account.

A login through the ``surfconext`` OpenID Connect app must name one of the zone's institutions in its
``schac_home_organization`` claim. The check runs in ``pre_social_login``, before allauth creates anything,
so a refused person leaves no user, social account or email address behind; they see a page that says why.
The account adapter lowercases email addresses and lets a fresh login stand in for reauthentication when a
user sets up their first authenticator (see ``AccountAdapter.is_reauthentication_required``).
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.utils import is_mfa_enabled
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.claims import merged_claims
from accounts.errors import HomeInstitutionMissingError
from accounts.models import MODULE_ONLY_KINDS, StudentProfile, User
from accounts.ratelimits import LOCKOUT_MESSAGE, lockout_error, login_lockout_seconds
from accounts.services import HomeIdentity, home_identity_resolve, student_profile_sync
from core.errors import ApplicationError

SURFCONEXT_PROVIDER_ID = "surfconext"
REFUSED_TEMPLATE = "socialaccount/login_refused.html"


class AccountAdapter(DefaultAccountAdapter):
    # allauth's "Try again later" names neither the wait nor the way out; where the wait is known, pre_authenticate
    # names it exactly.
    error_messages = {**DefaultAccountAdapter.error_messages, "too_many_login_attempts": LOCKOUT_MESSAGE}

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """allauth's count of failed logins (per address and per account); a lockout says how long it lasts and
        where to reset the password, and marks the request so the login page answers 429 with Retry-After."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if error.code != "too_many_login_attempts":
                raise
            key = self._get_login_attempts_cache_key(request, **credentials)
            seconds = login_lockout_seconds(request, key=key)
            request.portal_lockout_seconds = seconds
            raise lockout_error(request, seconds) from None

    def clean_email(self, email: str) -> str:
        # Email is the username and unique in the database; store it the way UserManager does.
        return super().clean_email(email).strip().lower()

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Setting up a first authenticator right after logging in needs no second password prompt.

        StaffMfaMiddleware sends staff to the TOTP setup straight after login, where allauth wants a fresh
        reauthentication. People who log in through SURFconext have no password: they would be mailed a code,
        or, without a verified address, be refused outright. A login within ``ACCOUNT_REAUTHENTICATION_TIMEOUT``
        counts instead, but only while the user has no authenticator at all: changing or removing one still
        asks for reauthentication.
        """
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa":
            request = context.request
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and not is_mfa_enabled(user):
                return not _logged_in_within(request, seconds=account_settings.REAUTHENTICATION_TIMEOUT)
        return required


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Refuse logins that name no zone institution, except a professional's or guest's eduID (see
        ``_resolve_or_refuse``); move a returning student's profile along."""
        if not _is_surfconext(sociallogin):
            return
        identity = _resolve_or_refuse(request, sociallogin)
        if identity is not None and sociallogin.is_existing:
            try:
                student_profile_sync(user=sociallogin.user, identity=identity)
            except ApplicationError as error:
                raise ImmediateHttpResponse(login_refused_response(request, error)) from error

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict[str, Any]) -> User:
        user = super().populate_user(request, sociallogin, data)
        if user.email:
            user.email = user.email.strip().lower()
        return user

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None) -> User:
        """Create the user, their social account and their student profile together, or none of them."""
        if not _is_surfconext(sociallogin):
            return super().save_user(request, sociallogin, form)
        # Resolved again: after a signup form the login comes back from the session, and an institution may
        # have left the zone in between.
        identity = _resolve_or_refuse(request, sociallogin)
        try:
            with transaction.atomic():
                user = super().save_user(request, sociallogin, form)
                if identity is not None:  # None: a professional or guest, who says which on the learner page
                    student_profile_sync(user=user, identity=identity)
        except ApplicationError as error:
            raise ImmediateHttpResponse(login_refused_response(request, error)) from error
        return user


def _logged_in_within(request: HttpRequest, *, seconds: int) -> bool:
    records = get_authentication_records(request, request.user)
    return any(time.time() - record.get("at", 0) < seconds for record in records)


def _is_surfconext(sociallogin: SocialLogin) -> bool:
    return sociallogin.account.provider == SURFCONEXT_PROVIDER_ID


LEARNER_SIGNUP_PATH = "/accounts/learner/"


def _is_learner(sociallogin: SocialLogin) -> bool:
    """A professional or guest: signing up from the learner page (the login's ``next`` is that page), or
    returning with the module-only profile they made there."""
    if str(sociallogin.state.get("next") or "").startswith(LEARNER_SIGNUP_PATH):
        return True
    user = sociallogin.user
    return bool(
        sociallogin.is_existing
        and user is not None
        and user.pk
        and StudentProfile.objects.filter(user_id=user.pk, kind__in=MODULE_ONLY_KINDS).exists()
    )


def _resolve_or_refuse(request: HttpRequest, sociallogin: SocialLogin) -> HomeIdentity | None:
    """The zone institution the claims name. An eduID that names none is refused, unless it is a
    professional's or guest's (``_is_learner``): then None, and no student profile is made or moved."""
    try:
        return home_identity_resolve(claims=merged_claims(sociallogin.account.extra_data))
    except HomeInstitutionMissingError as error:
        if _is_learner(sociallogin):
            return None
        raise ImmediateHttpResponse(login_refused_response(request, error)) from error
    except ApplicationError as error:
        raise ImmediateHttpResponse(login_refused_response(request, error)) from error


def login_refused_response(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """The page a person sees when their institution login cannot be accepted, with the error's status."""
    return render(request, REFUSED_TEMPLATE, {"error": error, "message": error.message}, status=error.status_code)
