"""Celery tasks of the notification centre: thin, call one service, safe to run twice."""

from celery import shared_task

from notifications.services import digests_send


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, retry_backoff_max=300, max_retries=8)
def send_daily_digests() -> int:
    return digests_send()
