"""OOAPI staff pages. Thin: the onboarding check lives in ``ooapi.conformance``."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ooapi.conformance import SPEC_AMBIGUITY_NOTE, check_endpoint, ensure_public_endpoint
from ooapi.consumer.access import may_manage_imports
from ooapi.errors import OOAPIError

NOT_ALLOWED_MESSAGE = _("The OOAPI check is for catalogue managers and administrators.")


class CheckForm(forms.Form):
    base_url = forms.URLField(
        label=_("OOAPI base URL"),
        assume_scheme="https",
        max_length=2000,
        help_text=_("The endpoint's base URL, e.g. https://ooapi.example.nl/v5"),
    )
    token = forms.CharField(
        label=_("Bearer token (optional)"),
        required=False,
        max_length=4000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("With a token, /persons/me is checked too. The token is used for this check only and not stored."),
    )


def _private_addresses_allowed() -> bool:
    # Development and the demo run their peers on local addresses; production checks public endpoints only.
    return getattr(settings, "OOAPI_CHECK_ALLOW_PRIVATE_ADDRESSES", settings.DEBUG)


@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    if not may_manage_imports(request.user):  # the check is for the same people as imports
        return render(request, "ooapi/check.html", {"forbidden": NOT_ALLOWED_MESSAGE}, status=403)
    form = CheckForm(request.POST or None)
    report = None
    if request.method == "POST" and form.is_valid():
        base_url = form.cleaned_data["base_url"]
        try:
            if not _private_addresses_allowed():
                ensure_public_endpoint(base_url)
            report = check_endpoint(base_url=base_url, token=form.cleaned_data["token"])
        except OOAPIError as error:
            form.add_error("base_url", error.message)
    # A check that ran is a 200 whatever it found; a form that could not be checked is a 400.
    status = 400 if request.method == "POST" and report is None else 200
    return render(
        request,
        "ooapi/check.html",
        {"form": form, "report": report, "note": SPEC_AMBIGUITY_NOTE},
        status=status,
    )
