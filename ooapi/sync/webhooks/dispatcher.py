"""Delivering webhook messages: the outbox's guarantees, for rows that target a ``WebhookEndpoint``.

One task per endpoint (``deliver_webhooks``, coalesced like a connection's), in rounds. A round, in one
transaction, claims up to ``batch_size`` due rows of the endpoint (``FOR UPDATE SKIP LOCKED``: a row another
worker holds is skipped), POSTs each signed body, and writes every row's outcome in one ``UPDATE``. A worker
that dies mid-round commits nothing: the rows are pending again and are sent again with the same event id
(``Webhook-Id``), which the receiver uses to ignore a repeat. The sweep (``ooapi.sync.dispatcher``'s beat
task) queues the endpoints with due rows.

**Outcomes.** A 2xx answer delivers. Unreachable, a timeout, a dropped connection, 408, 425, 429 and 5xx are
transient: retried with the outbox's backoff (``ooapi.sync.conf.backoff_delay``) up to
``max_attempts``, then a dead letter. Any other answer (a redirect, which is never followed, or another 4xx)
is a dead letter at once. Staff replay a dead or delivered message (``webhooks.services``): a new attempt of
the same event, same id and body, signed with the endpoint's current secret and timestamp.

**Circuit breaker** per endpoint, kept on its row: ``ooapi.sync.circuit`` (the same code as a connection's).
An endpoint going down is called one message at a time, and not at all while its circuit is open.

**Addresses.** Unless ``WEBHOOKS_ALLOW_PRIVATE_ADDRESSES`` is on (tests, development), an endpoint whose host
resolves to a loopback, private, link-local or reserved address is not called: the message is a dead letter
at once, so an endpoint URL cannot reach the portal's own network.

**No ordering** between events: a receiver orders by the body's ``created``, not by arrival.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import socket
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ooapi.models import Connection, OutboxMessage, WebhookEndpoint
from ooapi.sync import circuit
from ooapi.sync.conf import SyncConfig, backoff_delay
from ooapi.sync.webhooks import signing
from ooapi.sync.webhooks.outbox import body_bytes, endpoint_delivery_started, endpoint_enqueue, event_of

logger = logging.getLogger("ooapi.sync.webhooks")

Status = OutboxMessage.Status
USER_AGENT = "Flexportal-Webhooks/1.0"
TRANSIENT_STATUS = {408, 425, 429}
# What a round writes per row, in its one UPDATE.
OUTCOME_FIELDS = ["response", "enqueued_at", "last_error", "attempts", "next_attempt_at", "status", "delivered_at", "dead_at"]  # fmt: skip
# How much of a receiver's answer is kept with a failure.
KEEP_BODY = 300


@dataclass
class Sent:
    """One POST as seen from here: the status code (None when no answer came), and an error's reason."""

    status_code: int | None
    error: str = ""
    transient: bool = False
    called: bool = True

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _due(now: dt.datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def endpoints_sweep(*, now: dt.datetime | None = None, conf: SyncConfig | None = None) -> int:
    """Queue a delivery task for every active endpoint with due rows whose circuit lets a call through."""
    conf = conf or SyncConfig.load()
    now = now or timezone.now()
    with_due = set(
        OutboxMessage.objects.filter(_due(now), status=Status.PENDING, endpoint__is_active=True)
        .order_by()
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
    ready = [
        endpoint.pk
        for endpoint in WebhookEndpoint.objects.filter(pk__in=with_due)
        if circuit.circuit_admit_possible(connection=endpoint, conf=conf, now=now)
    ]
    return endpoint_enqueue(ready, conf=conf)


def endpoint_deliver(*, endpoint_id: int) -> dict:
    """Deliver the due messages of one endpoint, in rounds (the task's one service). Safe to run twice."""
    conf = SyncConfig.load()
    endpoint_delivery_started(endpoint_id)  # before the first claim: later rows queue a task of their own
    deadline = time.monotonic() + conf.batch_seconds
    totals: Counter = Counter()
    while True:
        again, stop = _round(endpoint_id, conf, totals, deadline=deadline)
        totals["rounds"] += 1
        if stop or not again:
            break
        if time.monotonic() >= deadline:
            totals["follow_up"] += endpoint_enqueue([endpoint_id], conf=conf, force=True)
            break
    return dict(totals)


def _round(endpoint_id: int, conf: SyncConfig, totals: Counter, *, deadline: float) -> tuple[bool, bool]:
    """One round; returns (run another, stop)."""
    endpoint = WebhookEndpoint.objects.select_related("institution").filter(pk=endpoint_id).first()
    if endpoint is None or not endpoint.is_active:
        totals["paused"] += 1  # disabled by staff: the rows wait, without using attempts
        return False, True
    admission = circuit.circuit_admit(connection=endpoint, conf=conf, fresh=False)
    if not admission.allowed:
        totals["circuit_open"] += 1
        return False, True
    limit = 1 if (admission.trial or endpoint.consecutive_failures) else conf.batch_size
    answered = refused = False
    failures: list[str] = []
    called = False
    try:
        with transaction.atomic():
            rows = list(
                OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(_due(timezone.now()), endpoint_id=endpoint_id, status=Status.PENDING)
                .order_by("next_attempt_at", "pk")[:limit]
            )
            totals["claimed"] += len(rows)
            decided = []
            if rows:
                timeout = httpx.Timeout(endpoint.read_timeout, connect=endpoint.connect_timeout)
                with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
                    for row in rows:
                        if time.monotonic() > deadline or len(failures) >= conf.breaker_threshold:
                            totals["deferred"] += 1
                            continue
                        sent = _post(client, endpoint, row)
                        called |= sent.called
                        if sent.ok:
                            _delivered(row, sent)
                            answered, failures = True, []
                            totals["delivered"] += 1
                        else:
                            outcome = _failed(row, sent, conf)
                            totals[outcome] += 1
                            if not sent.called:
                                pass  # refused here, before any call: says nothing of the endpoint's health
                            elif sent.transient:
                                failures.append(row.last_error)
                            else:
                                answered, refused, failures = True, row.last_error, []
                        decided.append(row)
            if decided:
                OutboxMessage.objects.bulk_update(decided, OUTCOME_FIELDS)
    finally:
        if admission.trial and not called:
            circuit.circuit_trial_abandon(connection=endpoint)
    stop = _tell_circuit(endpoint, conf, answered=answered, refused=refused, failures=failures, trial=admission.trial)
    return len(rows) == limit and not admission.trial, stop


def _forbidden_address(url: str) -> str:
    """Why the endpoint's host may not be called (it resolves to a loopback, private, link-local, multicast
    or reserved address and ``WEBHOOKS_ALLOW_PRIVATE_ADDRESSES`` is off), or "". Checked before each call."""
    if getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False):
        return ""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):
        return ""  # not resolvable: the call fails as unreachable, and is retried
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            return f"webhook_forbidden_address: {parts.hostname} resolves to {address}, which is not public"
    return ""


def _post(client: httpx.Client, endpoint: WebhookEndpoint, message: OutboxMessage) -> Sent:
    forbidden = _forbidden_address(endpoint.url)
    if forbidden:
        return Sent(None, forbidden, called=False)
    body = body_bytes(message.payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.ID_HEADER: str(message.idempotency_key),
        signing.EVENT_HEADER: event_of(message),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.signature(secret=endpoint.secret, timestamp=timestamp, body=body),
    }
    try:
        with client.stream("POST", endpoint.url, content=body, headers=headers) as response:
            kept = b""
            for chunk in response.iter_bytes():
                kept += chunk
                if len(kept) >= KEEP_BODY:
                    break
            code = response.status_code
    except httpx.TimeoutException:
        return Sent(None, "webhook_timeout: the endpoint did not answer in time", transient=True)
    except httpx.TransportError as error:
        return Sent(None, f"webhook_unreachable: {_short(error)}", transient=True)
    except Exception as error:  # an invalid URL, a bug: recorded on the row, never lost
        logger.exception("webhooks: message %s failed unexpectedly", message.pk)
        return Sent(None, f"webhook_failed: {_short(error)}", called=False)
    if 200 <= code < 300:
        return Sent(code)
    text = kept.decode("utf-8", "replace")[:KEEP_BODY]
    transient = code >= 500 or code in TRANSIENT_STATUS
    what = "a redirect (not followed)" if 300 <= code < 400 else f"HTTP {code}"
    return Sent(code, f"webhook_http_{code}: the endpoint answered {what}. {text}".strip(), transient=transient)


def _delivered(message: OutboxMessage, sent: Sent) -> None:
    message.response = {"status_code": sent.status_code}
    message.status = Status.DELIVERED
    message.delivered_at = timezone.now()
    message.dead_at = None
    message.enqueued_at = None
    message.last_error = ""


def _failed(message: OutboxMessage, sent: Sent, conf: SyncConfig) -> str:
    now = timezone.now()
    message.response = {"status_code": sent.status_code}
    message.attempts += 1
    message.last_error = sent.error[:2000]
    message.enqueued_at = None
    if sent.transient and message.attempts < conf.max_attempts:
        message.next_attempt_at = now + dt.timedelta(seconds=backoff_delay(message.attempts, conf))
        return "retry"
    message.status = Status.DEAD
    message.dead_at = now
    message.delivered_at = None
    logger.warning(
        "webhooks: message %s is a dead letter after %s attempts: %s", message.pk, message.attempts, sent.error
    )
    return "dead"


def _tell_circuit(
    endpoint: WebhookEndpoint, conf: SyncConfig, *, answered: bool, refused, failures: list[str], trial: bool
) -> bool:
    """Report the round to the endpoint's breaker; True when the circuit is open now (stop)."""
    reopened = False
    if answered:
        if refused:
            reopened = circuit.circuit_answered_with_error(connection=endpoint, reason=refused)
        else:
            reopened = circuit.circuit_success(connection=endpoint)
    if failures:
        state = circuit.circuit_failure(
            connection=endpoint, reason=failures[-1], conf=conf, trial=trial and not answered, failures=len(failures)
        )
        if state == Connection.Circuit.OPEN:
            logger.warning("webhooks: circuit of endpoint %s is open: %s", endpoint.pk, failures[-1])
            return True
    if reopened:
        # The endpoint is back: what waited for it goes now.
        OutboxMessage.objects.filter(
            endpoint=endpoint, status=Status.PENDING, next_attempt_at__gt=timezone.now()
        ).update(next_attempt_at=timezone.now())
    return False


def _short(value, limit: int = 300) -> str:
    text = str(value) or type(value).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
