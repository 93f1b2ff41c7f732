"""Errors as ``application/problem+json`` (RFC 9457 shape, with ``status`` as a string as the OOAPI
``Problem`` schema has it). Details are constants, so clients and tests can rely on them."""

from __future__ import annotations

import json
from http import HTTPStatus

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PROBLEM_CONTENT_TYPE = "application/problem+json"

NO_TOKEN = _("This endpoint needs an OAuth2 bearer token (client credentials, see /o/token/).")
BAD_TOKEN = _("The bearer token is unknown, expired or revoked.")
NOT_A_CLIENT = _("This token does not belong to an active OOAPI client of the portal.")
MISSING_SCOPE = _("The token lacks the scope this operation needs: {scopes}.")
NOT_FOUND = _("There is no such {thing}, or your institution may not see it.")
NO_SUCH_PATH = _("This path is not part of the OOAPI v5 provider.")
METHOD_NOT_ALLOWED = _("{method} is not allowed here; allowed: {allowed}.")
NOT_A_UUID = _("{name} must be a UUID.")
PERSON_TOKEN_NEEDED = _(
    "This token was issued to a client, not on behalf of a person; /persons/me needs a token of a person."
)
NOT_OWN_STUDENT = _("Your institution may only see its own students.")
RESULT_ONLY_FROM_HOST = _("Only the host institution (which teaches the course) may report a result.")
HOST_SYSTEM_ONLY = _("Only the host institution's own system can deny or cancel this enrolment.")
HOST_DECISION_TOO_LATE = _("This enrolment is {status}; the host's system can no longer deny or cancel it.")
PATCH_MEDIA_TYPE = _("Send the changes as application/merge-patch+json.")
PATCH_NOT_JSON = _("The body is not a JSON object.")
PATCH_UNKNOWN_FIELDS = _("Only remoteState and result can be changed; not: {fields}.")
PATCH_INVALID = _("{field} is not valid: {reason}")
RESULT_REFUSED = _("The result was not recorded: {reason}")
SERVER_ERROR = _("Something went wrong on the portal's side; the error has been logged.")
REQUEST_REFUSED = _("The portal refused this request before the OOAPI provider could handle it.")


def generic_detail(status: int) -> str | Promise:
    """The detail of an error the provider's views did not produce themselves (see ``middleware``)."""
    if status == 404:
        return NO_SUCH_PATH
    return SERVER_ERROR if status >= 500 else REQUEST_REFUSED


class Problem(Exception):
    """Raised anywhere under a provider view; answered as problem+json."""

    def __init__(self, status: int, detail: str | Promise = "", *, headers: dict[str, str] | None = None):
        super().__init__(str(detail))
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def problem_response(status: int, detail: str | Promise = "", *, headers: dict[str, str] | None = None) -> HttpResponse:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:  # a status outside the standard's list (another component's own code)
        title = "Client Error" if status < 500 else "Server Error"
    body = {"status": str(status), "title": title}
    if detail:
        body["detail"] = str(detail)
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
