"""A real Celery worker for tests: a subprocess on the test database and Redis, on a queue of its own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).with_name("celery")


@contextlib.contextmanager
def celery_worker(log_path: Path, *, queues: str = "celery", extra_env: dict | None = None, include: str = ""):
    """Start ``celery worker`` against the database the test uses (committed data only: use it from a
    transactional test) and yield the process; warm shutdown afterwards. ``include``: modules of tasks
    beyond the apps' own (comma-separated), such as a test's."""
    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url,
        "TEST_DATABASE_NAME": connection.settings_dict["NAME"],
        **(extra_env or {}),
    }
    hostname = f"test-{uuid.uuid4().hex[:8]}@%h"
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
                queues,
                "--hostname",
                hostname,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
                *(["--include", include] if include else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        terminate(process)


def terminate(process: subprocess.Popen, *, timeout: float = 10) -> None:
    """SIGTERM (a Celery worker's warm shutdown), then SIGKILL if it has not ended after ``timeout``
    seconds; returns once the process is gone."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
