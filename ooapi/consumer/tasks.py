"""Celery tasks of the catalogue import: thin, take ids, call one service, safe to run twice.

``import_due`` runs from Celery beat and queues ``import_catalogue`` for each connection whose
``import_interval_minutes`` have passed. A redelivered or duplicate ``import_catalogue`` is harmless: the
import holds a per-connection lock (a second one returns at once) and an unchanged catalogue writes nothing.
"""

from __future__ import annotations

import random

from celery import shared_task

from ooapi.consumer import services
from ooapi.models import Connection

RETRY_BASE_SECONDS = 60
RETRY_CEILING_SECONDS = 30 * 60


def retry_countdown(retries: int) -> float:
    """Exponential backoff with jitter, capped."""
    return min(RETRY_BASE_SECONDS * 2**retries, RETRY_CEILING_SECONDS) * random.uniform(0.5, 1.5)


@shared_task(
    name="ooapi.consumer.tasks.import_catalogue",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=services.IMPORT_TIME_LIMIT_SECONDS - 5 * 60,
    time_limit=services.IMPORT_TIME_LIMIT_SECONDS,
    max_retries=3,
)
def import_catalogue(self, connection_id: int) -> dict:
    """Import one connection's catalogue. Retried (with backoff, at most ``max_retries`` times) only when
    the endpoint failed in a way that may pass (down, timing out); bad data is reported, not retried."""
    try:
        summary = services.catalogue_import(connection_id=connection_id)
    except Connection.DoesNotExist:
        return {"status": "no connection"}
    except services.ImportAlreadyRunning:
        return {"status": "already running"}
    if summary.status == "failed" and summary.transient and self.request.retries < self.max_retries:
        raise self.retry(countdown=retry_countdown(self.request.retries))
    return {"status": summary.status, "run": summary.run_id, **summary.total.as_dict()}


@shared_task(
    name="ooapi.consumer.tasks.import_due",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=50,
    time_limit=60,
)
def import_due() -> list[int]:
    """Queue the catalogue imports that are due (Celery beat). Idempotent."""
    return services.catalogue_imports_enqueue_due()
