"""The signature of a webhook delivery (``docs/webhooks.md`` is the receiver's side of it).

Each delivery is a POST of a JSON body with these headers:

- ``Webhook-Id``: the event id (a UUID), the same on every attempt and replay of that event: the receiver's
  idempotency key;
- ``Webhook-Event``: the event type, e.g. ``request.submitted``;
- ``Webhook-Timestamp``: when this attempt was sent, in whole seconds since the Unix epoch;
- ``Webhook-Signature``: ``v1=`` and the lower-case hex HMAC-SHA256, keyed with the endpoint's secret (the
  whole string, ``whsec_`` included, as UTF-8), of ``<timestamp>.<body>`` (the timestamp header, a full
  stop, the raw body bytes).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ID_HEADER = "Webhook-Id"
EVENT_HEADER = "Webhook-Event"
TIMESTAMP_HEADER = "Webhook-Timestamp"
SIGNATURE_HEADER = "Webhook-Signature"
SCHEME = "v1"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def secret_new() -> str:
    """A fresh signing secret: 256 random bits."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The ``Webhook-Signature`` header's value for ``body`` sent at ``timestamp``."""
    signed = str(int(timestamp)).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"
