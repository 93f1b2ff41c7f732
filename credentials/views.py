"""The documents every issued credential points at, public and without login, at exactly the URLs
``credentials.openbadges.urls`` builds (tests/credentials/test_published.py holds them to it)."""

import json
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from credentials import selectors, services
from credentials.models import MicrocredentialDefinition
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
