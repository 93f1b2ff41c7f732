"""The transactional outbox: a message to a connected institution is a row written in the transaction of
the change it reports, and the delivery task of its institution is queued only after that commit.

Delivery tasks are per institution (connection), not per message, and coalesced: ``delivery_enqueue``
queues one only when none is queued and not yet started (a mark in the cache; ``ooapi.sync.dispatcher``
explains why nothing falls between the mark and the claim)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from celery import current_app, current_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from enrolment.models import EnrolmentRequest
from ooapi.models import Connection, OutboxMessage
from ooapi.sync.conf import SyncConfig

logger = logging.getLogger("ooapi.sync")

DELIVER_TASK = "ooapi.sync.tasks.deliver_batch"
QUEUED_MARK = "ooapi-sync:delivery-queued:{connection_id}"
# Connections this thread is delivering right now, with the rows due now it wrote for them (its next
# round takes those, so they queue no task).
_delivering: ContextVar[dict[int, list[int]] | None] = ContextVar("ooapi_sync_delivering", default=None)


def delivery_enqueue(connection_ids: Iterable[int], *, conf: SyncConfig | None = None, force: bool = False) -> int:
    """Queue the delivery task of each connection, unless one is queued already and has not started
    (``force``: queue it anyway). No publish retries: the rows are in the database, and a task that could
    not be sent is queued again by the sweep. Returns how many tasks were queued."""
    conf = conf or SyncConfig.load()
    deliver_batch = current_app.tasks[DELIVER_TASK]  # by name: the tasks module imports the dispatcher
    queue = task_queue(conf)
    queued = 0
    for connection_id in sorted(set(connection_ids)):
        if not force and not _mark(connection_id, conf):
            continue
        try:
            deliver_batch.apply_async((connection_id,), queue=queue, retry=False)
        except Exception:
            delivery_started(connection_id)  # no task went out: the mark must not hold back the next one
            raise
        queued += 1
    return queued


def _mark(connection_id: int, conf: SyncConfig) -> bool:
    """Set the "a task is queued" mark; True when this caller set it (and so queues the task). The mark
    expires after ``redispatch_after_seconds`` (a task lost with the broker). Without a cache: always True
    (a task too many finds nothing to do)."""
    key = QUEUED_MARK.format(connection_id=connection_id)
    try:
        return bool(cache.add(key, 1, timeout=max(1, math.ceil(conf.redispatch_after_seconds))))
    except Exception:
        logger.warning("ooapi sync: no cache for the delivery mark; queueing a task", exc_info=True)
        return True


def delivery_started(connection_id: int) -> None:
    """The connection's task started (before it claims anything): the next row queues a new one."""
    try:
        cache.delete(QUEUED_MARK.format(connection_id=connection_id))
    except Exception:
        logger.warning("ooapi sync: no cache for the delivery mark", exc_info=True)


@contextlib.contextmanager
def delivering(connection_id: int) -> Iterator[list[int]]:
    """This thread delivers ``connection_id`` and will look for due rows again: rows due now that it writes
    for that connection queue no task; the list yielded collects them."""
    current = dict(_delivering.get() or {})
    wrote: list[int] = []
    current[connection_id] = wrote
    token = _delivering.set(current)
    try:
        yield wrote
    finally:
        _delivering.reset(token)


def task_queue(conf: SyncConfig) -> str | None:
    """The configured queue; else, inside a task, the queue that task came from; else Celery's default."""
    if conf.queue:
        return conf.queue
    task = current_task._get_current_object() if current_task else None
    delivery = getattr(getattr(task, "request", None), "delivery_info", None) or {}
    return delivery.get("routing_key") or None


def outbox_message_write(
    *,
    connection: Connection,
    request: EnrolmentRequest | None,
    kind: str,
    payload: dict,
    due_at: dt.datetime | None = None,
) -> OutboxMessage:
    """One outbox row, in the caller's transaction. Due now: its institution's delivery task is queued after
    commit (coalesced; ``robust``: a broker that is down must not fail the enrolment, the beat sweep queues
    it), or, written by that institution's delivery itself, taken by its next round. Due later: the beat
    sweep queues the task when it is due."""
    now = timezone.now()
    due = due_at or now
    immediate = due <= now
    message = OutboxMessage.objects.create(
        connection=connection,
        request=request,
        kind=kind,
        payload=payload,
        next_attempt_at=due,
        enqueued_at=now if immediate else None,
    )
    if immediate:
        own = (_delivering.get() or {}).get(connection.pk)
        if own is not None:
            own.append(message.pk)  # the delivery at hand takes it in its next round
        else:
            connection_id = connection.pk
            # A lambda, not a partial: Django names a failing robust callback by its __qualname__.
            transaction.on_commit(lambda: delivery_enqueue([connection_id]), robust=True)
    return message
