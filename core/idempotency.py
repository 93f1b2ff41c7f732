"""``Idempotency-Key`` for writes a client may retry: the first answer is stored and replayed."""

from __future__ import annotations

import hashlib
import json

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from core.db import retry_on_deadlock
from core.errors import ApplicationError
from core.i18n import lazy_format
from core.models import IdempotencyRecord

MAX_KEY_LENGTH = 100
IDEMPOTENCY_MISMATCH_MESSAGE = _("This Idempotency-Key was already used for a different request.")
IDEMPOTENCY_KEY_TOO_LONG_MESSAGE = _(
    "The Idempotency-Key header is too long: at most %(max)d characters. Use a shorter key, such as a UUID."
)


class IdempotencyKeyError(ApplicationError):
    status_code = 422
    code = "idempotency_key_mismatch"


class IdempotencyKeyTooLongError(ApplicationError):
    """A key over ``MAX_KEY_LENGTH`` is refused: cutting it would make two different keys one."""

    status_code = 400
    code = "idempotency_key_too_long"

    def __init__(self) -> None:
        super().__init__(
            lazy_format(IDEMPOTENCY_KEY_TOO_LONG_MESSAGE, max=MAX_KEY_LENGTH), extra={"max_length": MAX_KEY_LENGTH}
        )


def fingerprint(data) -> str:
    safe = {k: v for k, v in data.items() if k != "document"} if hasattr(data, "items") else data
    return hashlib.sha256(json.dumps(safe, sort_keys=True, default=str).encode()).hexdigest()


@retry_on_deadlock
def run_idempotent(*, user, key: str | None, payload, action) -> tuple[int, dict]:
    """Run ``action() -> (status, body)`` at most once per (user, key); replay the stored answer after.

    A key longer than ``MAX_KEY_LENGTH`` is refused (400) before anything runs. A PostgreSQL advisory lock on
    (user, key) makes a concurrent retry wait for the first attempt and then replay it, instead of racing it. A key reused with a different payload is refused (422). This is the
    outermost transaction of a keyed request, so it is the one run again after a deadlock (the services
    inside are retried only when they open their own).
    """
    if not key:
        return action()
    if len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyTooLongError()
    digest = fingerprint(payload)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            lock_id = int.from_bytes(hashlib.sha256(f"{user.pk}:{key}".encode()).digest()[:8], "big", signed=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is not None:
            if record.fingerprint != digest:
                raise IdempotencyKeyError(IDEMPOTENCY_MISMATCH_MESSAGE)
            return record.status_code, record.body
        try:
            with transaction.atomic():
                status, body = action()
        except ApplicationError as error:
            status, body = error.status_code, {"detail": str(error.message), "code": error.code, **error.extra}
        if status < 500:
            IdempotencyRecord.objects.create(user=user, key=key, fingerprint=digest, status_code=status, body=body)
        return status, body
