"""Celery tasks of the enrolment sync: thin, take ids, call one service, safe to run twice.

``acks_late`` with ``reject_on_worker_lost``: a task whose worker dies mid-batch is redelivered by the
broker. A delivery task starts no call after ``batch_seconds`` (20 by default); its soft time limit leaves
room for the two calls of the last message after that (at most ``connect + 3 * read`` seconds each), and
for applying the answers. They go to ``OOAPI_SYNC["queue"]`` when one is set (a queue of their own, so a
slow institution never holds up e-mail; its workers need ``-Q``), else where the task that queued them came
from, or Celery's default queue (``outbox.task_queue``).
"""

from celery import shared_task

from ooapi.sync import dispatcher
from ooapi.sync.webhooks import dispatcher as webhooks_dispatcher


@shared_task(
    name="ooapi.sync.tasks.deliver_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=240,
    time_limit=270,
)
def deliver_batch(connection_id: int) -> dict:
    return dispatcher.connection_deliver(connection_id=connection_id)


@shared_task(
    name="ooapi.sync.tasks.dispatch_message",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=240,
    time_limit=270,
)
def dispatch_message(message_id: int) -> str:
    """The per-message task of before batched delivery: a task of that kind still on the broker after an
    upgrade delivers its message's institution."""
    return dispatcher.message_dispatch(message_id=message_id)


@shared_task(
    name="ooapi.sync.tasks.sweep_outbox",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
)
def sweep_outbox() -> dict:
    return dispatcher.outbox_sweep()


@shared_task(
    name="ooapi.sync.tasks.deliver_webhooks",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=240,
    time_limit=270,
)
def deliver_webhooks(endpoint_id: int) -> dict:
    """The webhook messages of one endpoint (``ooapi.sync.webhooks.dispatcher``)."""
    return webhooks_dispatcher.endpoint_deliver(endpoint_id=endpoint_id)
