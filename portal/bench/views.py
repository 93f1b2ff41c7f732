"""The floor of ``bench enrolment_burst``: a view that does one INSERT and nothing else.

Served only by ``portal.bench.urls`` (the ``ROOT_URLCONF`` of ``portal.settings.bench``), never by the
production URLconf. It runs behind the same middleware as the API, on the same server, so the burst's
``ratio`` is what the enrolment path costs over "one HTTP request, one row written".
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

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
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (idempotency_key, body) VALUES (%s, %s)",  # noqa: S608 (a constant name)
            [request.headers.get("Idempotency-Key", ""), request.body.decode()],
        )
    return JsonResponse({"ok": True}, status=201)
