"""The documents every issued credential points at, public and without login, at exactly the URLs
``credentials.openbadges.urls`` builds; the public verification page; the holder's credentials; the
awarding board's list with its revoke form."""

import json
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from credentials import selectors, services, verification
from credentials.forms import RevokeForm, VerifyForm
from credentials.models import MicrocredentialDefinition
from credentials.openbadges import urls
from credentials.openbadges.contexts import eu_microcredential_context
from institutions.models import Institution

LD_JSON = "application/ld+json"
JSON = "application/json"


def _json(document: Any, content_type: str) -> HttpResponse:
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=2), content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"  # verifiers in a browser fetch these from elsewhere
    return response


@require_GET
def context(request):
    return _json(eu_microcredential_context(selectors.base_url()), LD_JSON)


@require_GET
def issuer(request, issuer: str):
    institution = get_object_or_404(Institution, code=issuer)
    return _json(selectors.issuer_document(institution), LD_JSON)


@require_GET
def achievement(request, definition):
    found = get_object_or_404(MicrocredentialDefinition, public_id=definition)
    return _json(selectors.achievement_document(found), LD_JSON)


@require_GET
def credential(request, credential):
    found = selectors.credential_by_public_id(credential)
    if found is None:
        raise Http404
    # The stored text, byte for byte: what was signed and what the holder downloads.
    response = HttpResponse(found.document, content_type=JSON)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def status_list(request, issuer: str, list_id: str):
    found = selectors.status_list_for(issuer=issuer, list_id=list_id)
    if found is None:
        raise Http404
    response = _json(services.status_list_document(found), JSON)
    response["Cache-Control"] = "no-cache"  # a revocation shows at once
    return response


REVOKED_MESSAGE = _("The credential is revoked; verifiers now read it as revoked.")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Public, no login: a credential given as a file, pasted JSON or a link to this portal, and its checks.
    A link in the query string (``?link=``, the share link's own page) is checked at once."""
    result, status = None, 200
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
    elif request.GET.get("link"):
        form = VerifyForm({"link": request.GET["link"]})
    else:
        form = VerifyForm()
    if form.is_bound:
        if form.is_valid():
            result = verification.credential_verify(form.cleaned_data["credential"])
        else:
            status = 400
    return render(request, "credentials/verify.html", {"form": form, "result": result}, status=status)


def share_link(credential) -> str:
    return urls.credential_url(selectors.base_url(), str(credential.public_id))


def qr_svg(link: str) -> str:
    """The QR code of ``link`` as inline SVG (no XML declaration, no fixed colours beyond black on white)."""
    return segno.make(link, error="m").svg_inline(scale=4, title=link)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    rows = [
        {"credential": credential, "link": share_link(credential), "qr": qr_svg(share_link(credential))}
        for credential in selectors.credentials_of(request.user)
    ]
    return render(request, "credentials/mine.html", {"rows": rows})


@login_required
@require_GET
def download(request: HttpRequest, credential) -> HttpResponse:
    """The holder's own credential as a file: exactly the stored text."""
    found = selectors.credentials_of(request.user).filter(public_id=credential).first()
    if found is None:
        raise Http404
    response = HttpResponse(found.document, content_type=JSON)
    response["Content-Disposition"] = f'attachment; filename="credential-{found.public_id}.json"'
    return response


@login_required
@require_GET
def awarded(request: HttpRequest, code: str) -> HttpResponse:
    """The awarding institution's examination board: what it issued, each with a revoke form."""
    institution = get_object_or_404(Institution, code=code)
    if institution not in selectors.awarding_board_institutions(request.user):
        raise Http404
    context = {"institution": institution, "credentials": selectors.credentials_awarded_by(institution)[:200]}
    return render(request, "credentials/awarded.html", context)


@login_required
@require_POST
def revoke(request: HttpRequest, code: str, credential) -> HttpResponse:
    institution = get_object_or_404(Institution, code=code)
    if institution not in selectors.awarding_board_institutions(request.user):
        raise Http404
    if not selectors.credentials_awarded_by(institution).filter(public_id=credential).exists():
        raise Http404  # another institution's credential: the service would refuse it; this page does not show it
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.credential_revoke(user=request.user, credential_id=credential, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, str(REVOKED_MESSAGE))
    else:
        messages.error(request, "; ".join(str(e) for e in form.errors.get("reason", [])))
    return redirect("credentials:awarded", code=institution.code)
