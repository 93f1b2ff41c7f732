"""Celery tasks of the enrolment sync: thin, take ids, call one service, safe to run twice.

``acks_late`` with ``reject_on_worker_lost``: a task whose worker dies mid-call is redelivered by the
broker. The time limits bound a dispatch well above the HTTP client's own deadlines (two calls of at most
``connect + 3 * read`` seconds each). They go to ``OOAPI_SYNC["queue"]`` when one is set (a queue of their
own, so a slow institution never holds up e-mail; its workers need ``-Q``), else where the task that
queued them came from, or Celery's default queue (``outbox.task_queue``).
"""

from celery import shared_task

from ooapi.sync import dispatcher


@shared_task(
    name="ooapi.sync.tasks.dispatch_message",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=120,
    time_limit=150,
)
def dispatch_message(message_id: int) -> str:
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
