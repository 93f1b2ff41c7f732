"""Webhook events into the transactional outbox: one ``OutboxMessage`` per endpoint that chose the event,
written in the caller's transaction; the endpoint's delivery task is queued after that commit (coalesced
per endpoint, like a connection's: a mark in the cache, see ``ooapi.sync.outbox``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import uuid
from collections.abc import Callable, Iterable

from celery import current_app
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from ooapi.models import OutboxMessage, WebhookEndpoint
from ooapi.sync.conf import SyncConfig
from ooapi.sync.outbox import task_queue

logger = logging.getLogger("ooapi.sync.webhooks")

DELIVER_TASK = "ooapi.sync.tasks.deliver_webhooks"
QUEUED_MARK = "ooapi-webhooks:delivery-queued:{endpoint_id}"
LISTENING_KEY = "ooapi-webhooks:listening-institutions"
LISTENING_SECONDS = 300
KIND_PREFIX = "webhook:"


def institutions_listening() -> frozenset[int]:
    """The institutions with an active endpoint, from the cache (every move of every request asks, and
    almost none has one: this keeps them from paying a query). ``endpoints_changed`` clears it."""
    try:
        cached = cache.get(LISTENING_KEY)
    except Exception:
        cached = None
    if cached is not None:
        return cached
    found = frozenset(
        WebhookEndpoint.objects.filter(is_active=True).order_by().values_list("institution_id", flat=True).distinct()
    )
    try:
        cache.set(LISTENING_KEY, found, timeout=LISTENING_SECONDS)
    except Exception:
        logger.warning("webhooks: no cache for the listening institutions", exc_info=True)
    return found


def endpoints_changed() -> None:
    """An endpoint was added, enabled, disabled or deleted: forget the cached set, now and after commit."""
    try:
        cache.delete(LISTENING_KEY)
    except Exception:
        logger.warning("webhooks: no cache for the listening institutions", exc_info=True)
    transaction.on_commit(lambda: cache.delete(LISTENING_KEY), robust=True)


def body_bytes(payload: dict) -> bytes:
    """The exact bytes sent (and signed) for a message: its stored body, compact JSON, keys in order."""
    return json.dumps(payload["body"], separators=(",", ":"), sort_keys=True, cls=DjangoJSONEncoder).encode()


def event_of(message: OutboxMessage) -> str:
    return message.kind.removeprefix(KIND_PREFIX)


def webhook_event_write(
    *,
    institution_ids: Iterable[int],
    event: str,
    data: dict | Callable[[], dict],
    request=None,
    occurred_at: dt.datetime | None = None,
) -> list[OutboxMessage]:
    """One outbox row per active endpoint of these institutions that chose ``event``, in the caller's
        transaction (so it commits or rolls back with the change it reports). ``data``: the body's ``data``, or a
    function that builds it (called only when some endpoint wants the event). Each row's body is fixed now, with
        its own event id (the row's idempotency key): every attempt and replay sends the same bytes."""
    listening = institutions_listening()
    ids = sorted({pk for pk in institution_ids if pk is not None and pk in listening})
    if not ids:
        return []
    occurred = (occurred_at or timezone.now()).astimezone(dt.UTC)
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(institution_id__in=ids, is_active=True)
        .select_related("institution")
        .order_by("pk")
        if event in (endpoint.events or [])
    ]
    if not endpoints:
        return []
    if callable(data):
        data = data()
    now = timezone.now()
    messages = []
    for endpoint in endpoints:
        key = uuid.uuid4()
        body = {
            "id": str(key),
            "type": event,
            "created": occurred.isoformat().replace("+00:00", "Z"),
            "institution": endpoint.institution.code,
            "data": data,
        }
        messages.append(
            OutboxMessage.objects.create(
                endpoint=endpoint,
                request=request,
                kind=KIND_PREFIX + event,
                payload={"body": json.loads(json.dumps(body, cls=DjangoJSONEncoder))},
                idempotency_key=key,
                next_attempt_at=now,
                enqueued_at=now,
            )
        )
    if messages:
        endpoint_ids = [endpoint.pk for endpoint in endpoints]
        transaction.on_commit(lambda: endpoint_enqueue(endpoint_ids), robust=True)
    return messages


def endpoint_enqueue(endpoint_ids: Iterable[int], *, conf: SyncConfig | None = None, force: bool = False) -> int:
    """Queue the delivery task of each endpoint unless one is queued and not yet started (``force``: anyway).
    A task that could not be sent is queued again by the beat sweep. Returns how many were queued."""
    conf = conf or SyncConfig.load()
    deliver = current_app.tasks[DELIVER_TASK]
    queue = task_queue(conf)
    queued = 0
    for endpoint_id in sorted(set(endpoint_ids)):
        if not force and not _mark(endpoint_id, conf):
            continue
        try:
            deliver.apply_async((endpoint_id,), queue=queue, retry=False)
        except Exception:
            endpoint_delivery_started(endpoint_id)
            raise
        queued += 1
    return queued


def _mark(endpoint_id: int, conf: SyncConfig) -> bool:
    key = QUEUED_MARK.format(endpoint_id=endpoint_id)
    try:
        return bool(cache.add(key, 1, timeout=max(1, math.ceil(conf.redispatch_after_seconds))))
    except Exception:
        logger.warning("webhooks: no cache for the delivery mark; queueing a task", exc_info=True)
        return True


def endpoint_delivery_started(endpoint_id: int) -> None:
    try:
        cache.delete(QUEUED_MARK.format(endpoint_id=endpoint_id))
    except Exception:
        logger.warning("webhooks: no cache for the delivery mark", exc_info=True)
