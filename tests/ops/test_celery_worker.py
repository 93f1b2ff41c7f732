"""A real Celery worker, started as a subprocess against Redis, runs a task sent from here."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

from core.tasks import ping

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


@pytest.fixture
def worker(tmp_path):
    """A solo-pool worker on a queue of its own, so it never takes another test run's tasks."""
    queue = f"ops-smoke-{uuid.uuid4().hex}"
    log_path = tmp_path / "worker.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "portal",
                "worker",
                "--pool",
                "solo",
                "-Q",
                queue,
                "--hostname",
                f"{queue}@%h",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield queue, process, log_path
    finally:
        process.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_worker_runs_a_task_sent_through_redis(worker):
    queue, process, log_path = worker
    key = f"ops-smoke:{uuid.uuid4().hex}"

    ping.apply_async(args=[key], queue=queue)

    deadline = time.monotonic() + 15
    while cache.get(key) is None and time.monotonic() < deadline:
        assert process.poll() is None, f"the worker exited early:\n{log_path.read_text()}"
        time.sleep(0.2)
    assert cache.get(key) == "pong", f"the task did not run within 15 s:\n{log_path.read_text()}"
