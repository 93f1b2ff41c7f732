"""Tasks that only the worker tests send (``tests/ops/test_worker_connections.py``); the worker started there
loads this module with ``--include``."""

from celery import shared_task
from django.core.cache import cache
from django.db import connection

MARKER_TABLE = "test_worker_connection_marker"


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@shared_task(name="tests.ops.backend_pid")
def backend_pid(key: str) -> None:
    """Report the PostgreSQL backend this task's connection talks to."""
    cache.set(key, _backend_pid(), timeout=60)


@shared_task(name="tests.ops.leave_transaction_open")
def leave_transaction_open(key: str) -> None:
    """A faulty task: it opens a transaction behind Django's back and returns without ending it."""
    pid = _backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
    cache.set(key, pid, timeout=60)


@shared_task(name="tests.ops.write_marker")
def write_marker(key: str) -> None:
    """Write one row in autocommit, as any task's write is committed when its statement ends."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (key) VALUES (%s)", [key])  # noqa: S608 (a constant name)
    cache.set(key, _backend_pid(), timeout=60)
