"""A real worker keeps its database connection from task to task, as Django keeps one from request to
request (``CONN_MAX_AGE``), and never hands the next task a connection left mid-transaction
(``portal.celery``). Celery alone would open a new PostgreSQL backend for every task."""

import time
import uuid

import pytest
from django.core.cache import cache
from django.db import connection

from tests.ops.worker_tasks import MARKER_TABLE, backend_pid, leave_transaction_open, write_marker
from tests.workers import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)

TASKS = "tests.ops.worker_tasks"


def _answer(key: str, process, log_path, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while (value := cache.get(key)) is None:
        assert process.poll() is None, f"the worker exited:\n{log_path.read_text()}"
        assert time.monotonic() < deadline, f"no answer for {key} within {timeout} s:\n{log_path.read_text()}"
        time.sleep(0.1)
    return value


def _backends_of_two_tasks(tmp_path, extra_env: dict) -> tuple[int, int]:
    queue = f"connections-{uuid.uuid4().hex}"
    with celery_worker(tmp_path / "worker.log", queues=queue, extra_env=extra_env, include=TASKS) as process:
        pids = []
        for _ in range(2):
            key = f"backend:{uuid.uuid4().hex}"
            backend_pid.apply_async(args=[key], queue=queue)
            pids.append(_answer(key, process, tmp_path / "worker.log"))
    return pids[0], pids[1]


def test_tasks_share_a_connection_within_its_maximum_age(tmp_path):
    first, second = _backends_of_two_tasks(tmp_path, {"TEST_CONN_MAX_AGE": "60"})
    assert first == second


def test_with_a_maximum_age_of_zero_every_task_connects_anew(tmp_path):
    """The control: the reuse above is CONN_MAX_AGE's doing, honoured as Django honours it for requests."""
    first, second = _backends_of_two_tasks(tmp_path, {"TEST_CONN_MAX_AGE": "0"})
    assert first != second


def test_a_connection_left_mid_transaction_is_not_handed_to_the_next_task(tmp_path):
    """Reused as it was, the connection would run the next task's write inside the open transaction, which
    nobody commits: the row would never be seen."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER_TABLE} (key text NOT NULL)")
    queue = f"connections-{uuid.uuid4().hex}"
    log_path = tmp_path / "worker.log"
    env = {"TEST_CONN_MAX_AGE": "60"}
    try:
        with celery_worker(log_path, queues=queue, extra_env=env, include=TASKS) as process:
            faulty, written = f"faulty:{uuid.uuid4().hex}", f"written:{uuid.uuid4().hex}"
            leave_transaction_open.apply_async(args=[faulty], queue=queue)
            faulty_backend = _answer(faulty, process, log_path)
            write_marker.apply_async(args=[written], queue=queue)
            writing_backend = _answer(written, process, log_path)

            with connection.cursor() as cursor:
                cursor.execute(f"SELECT key FROM {MARKER_TABLE}")  # noqa: S608 (a constant name)
                assert cursor.fetchall() == [(written,)]
            assert writing_backend != faulty_backend
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {MARKER_TABLE}")


def test_a_connection_the_database_dropped_is_replaced_before_the_next_task(tmp_path):
    """What a PostgreSQL restart or an idle timeout does to a kept connection: the backend is gone. The health
    check before the next task finds out, and the task runs on a new connection instead of failing."""
    queue = f"connections-{uuid.uuid4().hex}"
    log_path = tmp_path / "worker.log"
    with celery_worker(log_path, queues=queue, extra_env={"TEST_CONN_MAX_AGE": "60"}, include=TASKS) as process:
        first, second = f"backend:{uuid.uuid4().hex}", f"backend:{uuid.uuid4().hex}"
        backend_pid.apply_async(args=[first], queue=queue)
        dropped = _answer(first, process, log_path)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [dropped])
            assert cursor.fetchone() == (True,)

        backend_pid.apply_async(args=[second], queue=queue)
        replacement = _answer(second, process, log_path)
    assert replacement != dropped
    assert "Traceback" not in log_path.read_text()
