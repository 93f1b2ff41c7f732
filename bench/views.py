"""The floors of ``bench enrolment_burst``: what a request costs the stack before the enrolment path.

Served only by ``portal.bench_urls`` (the ``ROOT_URLCONF`` of ``portal.settings.bench``), never by the
production URLconf. Both run behind the same middleware as the API, on the same server:

- ``floor_insert``, the issue's floor: one INSERT and nothing else, so the burst's ``ratio`` is what the
  enrolment path costs over "one HTTP request, one row written";
- ``framework_floor``: the least any API view of the portal does for a signed-in student, which is the
  same INSERT behind Django REST framework, the API's authentication (the session token) and a
  transaction. It shows how much of the burst's cost is the framework's before a rule of enrolment runs.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

FLOOR_TABLE = "bench_burst_floor"
FLOOR_TABLE_SQL = (
    f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} ("
    "id bigserial PRIMARY KEY, idempotency_key text NOT NULL, body text NOT NULL, "
    "at timestamptz NOT NULL DEFAULT now())"
)


@csrf_exempt
@require_POST
def floor_insert(request: HttpRequest) -> JsonResponse:
    """One row per request, in autocommit; answers 201 like the enrolment API."""
    _insert(request.headers.get("Idempotency-Key", ""), request.body.decode())
    return JsonResponse({"ok": True}, status=201)


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def framework_floor(request: Request) -> Response:
    """The same row behind DRF: the API's authentication classes, a parsed body, a transaction, a Response."""
    offering = request.data.get("offering", "") if isinstance(request.data, dict) else ""
    with transaction.atomic():
        _insert(request.headers.get("Idempotency-Key", ""), str(offering))
    return Response({"ok": True}, status=201)


def _insert(key: str, body: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (idempotency_key, body) VALUES (%s, %s)",  # noqa: S608 (a constant name)
            [key, body],
        )
