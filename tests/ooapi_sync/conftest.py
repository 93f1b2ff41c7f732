"""Fixtures of the sync tests: a connected home institution pointed at the reference peer, a host the
portal manages, and real Celery worker and beat processes on a queue of this test's own.

Test modules add ``pytest_plugins = ["tests.ooapi_peer.fixtures"]`` for the ``ooapi_peer`` fixture.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection as db_connection

from accounts.models import StaffRole
from institutions.models import Institution
from ooapi.models import Connection
from tests.factories import (
    InstitutionFactory,
    StaffRoleFactory,
    StudentProfileFactory,
    open_offering,
)
from tests.workers import CELERY, ROOT, celery_worker, terminate

WORKER_SETTINGS = "tests.ooapi_sync.worker_settings"


def fast_config(**overrides) -> dict:
    """Tunables small enough that a dead letter takes seconds; a queue no other test run listens on."""
    config = {
        "queue": f"ooapi_sync_test_{uuid.uuid4().hex[:10]}",
        "max_attempts": 3,
        "backoff_base_seconds": 0.2,
        "backoff_max_seconds": 1.0,
        "breaker_threshold": 3,
        "breaker_cooldown_seconds": 1.0,
        "redispatch_after_seconds": 2.0,
        "blocked_recheck_seconds": 2.0,
    }
    config.update(overrides)
    return config


@pytest.fixture
def sync_config(settings) -> Iterator[dict]:
    """The test process's ``OOAPI_SYNC``; the processes started by ``sync_processes`` get the same dict.
    Tests change it (before starting the processes) with ``sync_config.update(...)``."""
    config = fast_config()
    settings.OOAPI_SYNC = config
    yield config
    # Tasks nobody consumed (a test that stopped its worker) must not pile up in the shared Redis.
    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(django_settings.CELERY_BROKER_URL).delete(config["queue"])


@dataclass
class SyncZone:
    home: Institution
    host: Institution
    connection: Connection
    offering: object
    students: list
    host_admissions: object
    home_staff: object
    other_staff: object


def make_zone(base_url: str) -> SyncZone:
    """A connected home (its OOAPI endpoint at ``base_url``), a portal-managed host with an open
    first-come-first-served offering of 10 seats, five students of the home, and staff."""
    home = InstitutionFactory(code="conn-home", short_name="CONN", integration=Institution.Integration.CONNECTED)
    host = InstitutionFactory(code="portal-host", short_name="HOST")
    other = InstitutionFactory(code="other-inst", short_name="OTHER")
    connection = Connection.objects.create(
        institution=home,
        base_url=base_url,
        auth_method=Connection.AuthMethod.NONE,
        consumer_key="eduxchange",
        connect_timeout=1.0,
        read_timeout=1.0,
        poll_interval_seconds=1,
    )
    offering = open_offering(host, code="SYNC101", title_en="Energy Systems", capacity=10)
    return SyncZone(
        home=home,
        host=host,
        connection=connection,
        offering=offering,
        students=[StudentProfileFactory(home_institution=home) for _ in range(5)],
        host_admissions=StaffRoleFactory(institution=host, role=StaffRole.Role.HOST_ADMISSIONS).user,
        home_staff=StaffRoleFactory(institution=home, role=StaffRole.Role.HOME_APPROVER).user,
        other_staff=StaffRoleFactory(institution=other, role=StaffRole.Role.HOME_APPROVER).user,
    )


@pytest.fixture
def sync_zone(transactional_db, ooapi_peer) -> SyncZone:
    """The zone, its connection pointed at the reference peer, in committed data (for real workers)."""
    return make_zone(ooapi_peer.base_url)


@pytest.fixture
def connected_zone(db) -> SyncZone:
    """The zone inside the test's transaction, its connection pointed nowhere (nothing is dispatched)."""
    return make_zone("http://127.0.0.1:9")


def _env(config: dict, extra: dict | None = None, *, follow_queue: bool = False) -> dict:
    """The processes' environment. ``follow_queue``: their OOAPI_SYNC names no queue, so the tasks they
    queue go where the task at hand came from (as in a deployment that does not configure one)."""
    db = django_settings.DATABASES["default"]
    name = db_connection.settings_dict["NAME"]
    worker_config = {k: v for k, v in config.items() if k != "queue"} if follow_queue else config
    return {
        "DJANGO_SETTINGS_MODULE": WORKER_SETTINGS,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}",
        "TEST_DATABASE_NAME": name,
        "OOAPI_SYNC_TEST_CONFIG": json.dumps(worker_config),
        "OOAPI_SYNC_TEST_QUEUE": config["queue"],
        **(extra or {}),
    }


@contextlib.contextmanager
def celery_beat(
    log_path: Path, *, config: dict, extra_env: dict | None = None, follow_queue: bool = False
) -> Iterator[subprocess.Popen]:
    """``celery beat`` with the test schedule (a sweep every half second), file-based: no database."""
    env = {**os.environ, **_env(config, extra_env, follow_queue=follow_queue)}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(CELERY), "-A", "portal", "beat", "--scheduler", "celery.beat:PersistentScheduler",
                "--schedule", str(log_path.with_suffix(".schedule")), "--max-interval", "1", "--loglevel", "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield process
    finally:
        terminate(process)


@dataclass
class SyncProcesses:
    worker: subprocess.Popen
    worker_log: Path
    beat: subprocess.Popen | None = None
    beat_log: Path | None = None
    logs: list[Path] = field(default_factory=list)
    config: dict = field(default_factory=dict)

    def alive(self) -> None:
        for process, log in ((self.worker, self.worker_log), (self.beat, self.beat_log)):
            if process is not None and process.poll() is not None:
                raise AssertionError(f"{log.name} exited ({process.returncode}):\n{log.read_text()[-5000:]}")

    def tail(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-4000:]}" for log in self.logs if log.exists())


@contextlib.contextmanager
def sync_processes(
    tmp_path: Path,
    config: dict,
    *,
    beat: bool = True,
    extra_env: dict | None = None,
    name: str = "worker",
    follow_queue: bool = False,
) -> Iterator[SyncProcesses]:
    """A real worker (solo pool, on ``config["queue"]``) and, with ``beat``, a real beat process."""
    worker_log = tmp_path / f"{name}.log"
    env = _env(config, extra_env, follow_queue=follow_queue)
    with celery_worker(worker_log, queues=config["queue"], extra_env=env) as worker:
        if not beat:
            yield SyncProcesses(worker=worker, worker_log=worker_log, logs=[worker_log], config=config)
            return
        beat_log = tmp_path / f"{name}-beat.log"
        with celery_beat(beat_log, config=config, extra_env=extra_env, follow_queue=follow_queue) as beat_process:
            yield SyncProcesses(
                worker=worker,
                worker_log=worker_log,
                beat=beat_process,
                beat_log=beat_log,
                logs=[worker_log, beat_log],
                config=config,
            )


def wait_until(
    predicate: Callable[[], object], *, timeout: float = 30.0, what: str = "", processes: SyncProcesses | None = None
):
    """Poll ``predicate`` until it returns something truthy (returned), failing with the processes' logs."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if processes is not None:
            processes.alive()
        if time.monotonic() > deadline:
            logs = processes.tail() if processes is not None else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}\n{logs}")
        time.sleep(0.1)
