"""Site-wide Celery tasks."""

from celery import shared_task
from django.core.cache import cache

PING_TTL_SECONDS = 300


@shared_task(name="core.tasks.ping", soft_time_limit=20, time_limit=30)
def ping(key: str) -> str:
    """Operations smoke test: proves a worker picks up tasks by writing ``key`` to the shared cache.

    The result backend is off, so the answer goes through the cache; writing the same key twice is harmless.
    """
    cache.set(key, "pong", timeout=PING_TTL_SECONDS)
    return "pong"
