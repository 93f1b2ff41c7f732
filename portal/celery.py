"""The Celery app. Tasks are thin: they take ids and call one service (see STYLE.md)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Database connections in a worker: the lifecycle Django gives a request.
#
# Celery's own Django fixup closes every connection before and after each task, because a task stopped by
# its soft time limit in the middle of a query can leave a connection that still looks usable (celery#9824).
# That costs a new PostgreSQL backend per task (docs/benchmarks.md, the sync scenario). With
# CELERY_DB_REUSE_MAX set (base settings) the fixup leaves the connections alone and these handlers do what
# Django does around a request: close connections older than CONN_MAX_AGE or that failed their health
# check, and after the task close at once any connection it left with a query still running or a
# transaction open. Tasks run eagerly (the embedded default, tests) share the caller's connection and
# transaction, so they are left alone.


def _in_worker(task) -> bool:
    return task is not None and not getattr(task.request, "is_eager", False)


@task_prerun.connect
def _connections_before_task(task=None, **kwargs) -> None:
    if _in_worker(task):
        from django.db import close_old_connections

        close_old_connections()


@task_postrun.connect
def _connections_after_task(task=None, **kwargs) -> None:
    if not _in_worker(task):
        return
    from django.db import close_old_connections, connections

    for conn in connections.all(initialized_only=True):
        if not _idle(conn):
            conn.close()
    close_old_connections()


def _idle(conn) -> bool:
    """No query running and no transaction open: safe to hand to the next task."""
    if conn.connection is None or conn.vendor != "postgresql":
        return True
    from psycopg.pq import TransactionStatus

    return conn.connection.info.transaction_status == TransactionStatus.IDLE
