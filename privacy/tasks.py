"""Celery tasks of privacy: thin, call one service."""

from celery import shared_task

from privacy import services


@shared_task(name="privacy.tasks.enforce_retention", acks_late=True, ignore_result=True, time_limit=3600)
def enforce_retention() -> dict:
    return services.retention_enforce()
