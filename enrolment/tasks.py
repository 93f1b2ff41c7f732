"""Celery tasks of the enrolment app: thin, take ids, call one service, safe to run twice. A command that
finds its rows locked too long (``BusyError``) is tried again later."""

from celery import shared_task

from enrolment.errors import BusyError
from enrolment.services import admission, approval, messages, queue

RETRY = {"autoretry_for": (BusyError,), "retry_backoff": True, "retry_backoff_max": 300, "max_retries": 8}


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, retry_backoff_max=300, max_retries=8)
def notify_events(event_ids: list[int]) -> int:
    return messages.events_notify(event_ids=event_ids)


@shared_task(acks_late=True, **RETRY)
def lapse_seat_offers() -> int:
    return admission.seat_offers_lapse()


@shared_task(acks_late=True, **RETRY)
def draw_due_lotteries() -> int:
    return admission.lotteries_draw_due()


@shared_task(acks_late=True, **RETRY)
def close_waitlists() -> int:
    return admission.waitlists_close_due()


@shared_task(acks_late=True, **RETRY)
def promote_waitlists(offering_ids: list[int] | None = None) -> int:
    return admission.waitlists_promote(offering_ids=offering_ids)


@shared_task(acks_late=True)
def home_decision_deadlines() -> dict:
    return approval.home_deadlines_enforce()


@shared_task(acks_late=True)
def host_decision_deadlines() -> dict:
    return admission.host_deadlines_enforce()


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def decide_queue(offering_id: int) -> int:
    """Decide the offering's admission queue, batch after batch (issue #20). A worker that dies mid-batch
    commits nothing; the broker hands the task to the next worker, which decides the batch once."""
    return queue.queue_run(offering_id)


@shared_task(acks_late=True)
def sweep_queues() -> int:
    return queue.queues_sweep()
