"""The transactional outbox: a message to a connected institution is a row written in the transaction of
the change it reports, and its dispatch task is queued only after that commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from celery import current_app, current_task
from django.db import transaction
from django.utils import timezone

from enrolment.models import EnrolmentRequest
from ooapi.models import Connection, OutboxMessage
from ooapi.sync.conf import SyncConfig

DISPATCH_TASK = "ooapi.sync.tasks.dispatch_message"


def message_enqueue(message_ids: Iterable[int], *, conf: SyncConfig | None = None) -> None:
    """Put a dispatch task for each message on the broker. No publish retries: the row is in the database,
    and a task that could not be sent is sent again by the sweep."""
    dispatch_message = current_app.tasks[DISPATCH_TASK]  # by name: the tasks module imports the dispatcher
    queue = task_queue(conf or SyncConfig.load())
    for message_id in message_ids:
        dispatch_message.apply_async((message_id,), queue=queue, retry=False)


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
    """One outbox row, in the caller's transaction. Due now: its dispatch task is queued after commit
    (``robust``: a broker that is down must not fail the enrolment; the beat sweep re-dispatches it).
    Due later: the beat sweep queues it when it is due."""
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
        message_id = message.pk
        # A lambda, not a partial: Django names a failing robust callback by its __qualname__.
        transaction.on_commit(lambda: message_enqueue([message_id]), robust=True)
    return message
