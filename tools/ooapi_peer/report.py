"""The peer as a client of the portal: it reports on an association the way an institution's own system
does, with ``PATCH /ooapi/v5/associations/{id}`` (application/merge-patch+json) under an OAuth2 token of
client credentials. Driven by the control API (``POST /_peer/report``) so that tests and the demo can make
the institution's system act."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from tools.ooapi_peer.state import ControlError

TIMEOUT = 10


def _call(request: urllib.request.Request) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 (a URL the caller names)
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        raise ControlError(f"the portal could not be reached: {error}") from None
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def report_to_portal(body: dict) -> dict:
    """``body``: ``portal`` (origin), ``client_id``, ``client_secret``, ``association_id`` and ``patch`` (a
    JSON object of ``remoteState`` and/or ``result``). Answers the portal's status and body."""
    try:
        portal = str(body["portal"]).rstrip("/")
        client_id, secret = str(body["client_id"]), str(body["client_secret"])
        association_id, patch = str(body["association_id"]), body["patch"]
    except KeyError as missing:
        raise ControlError(f"report needs {missing}") from None
    if not portal.startswith(("http://", "https://")) or not isinstance(patch, dict):
        raise ControlError("portal must be an http(s) origin and patch a JSON object")
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token_request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        f"{portal}/o/token/",
        data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    status, token = _call(token_request)
    if status != 200 or not isinstance(token, dict) or "access_token" not in token:
        return {"status": status, "body": token, "step": "token"}
    patch_request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        f"{portal}/ooapi/v5/associations/{urllib.parse.quote(association_id)}",
        data=json.dumps(patch).encode(),
        headers={
            "Authorization": f"Bearer {token['access_token']}",
            "Content-Type": "application/merge-patch+json",
            "Accept": "application/json",
        },
        method="PATCH",
    )
    status, answer = _call(patch_request)
    return {"status": status, "body": answer, "step": "patch"}
