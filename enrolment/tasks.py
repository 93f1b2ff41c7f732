"""Celery tasks of the enrolment app: thin, take ids, call one service, safe to run twice."""

from celery import shared_task

from enrolment.services import admission, approval, notifications


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, retry_backoff_max=300, max_retries=8)
def notify_events(event_ids: list[int]) -> int:
    return notifications.events_notify(event_ids=event_ids)


@shared_task(acks_late=True)
def lapse_seat_offers() -> int:
    return admission.seat_offers_lapse()


@shared_task(acks_late=True)
def draw_due_lotteries() -> int:
    return admission.lotteries_draw_due()


@shared_task(acks_late=True)
def close_waitlists() -> int:
    return admission.waitlists_close_due()


@shared_task(acks_late=True)
def home_decision_deadlines() -> dict:
    return approval.home_deadlines_enforce()
