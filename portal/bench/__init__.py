"""Benchmarks behind ``manage.py bench <scenario>``; each scenario is a module here (see docs/benchmarks.md).

A scenario module has ``HELP``, ``add_arguments(parser)`` and ``run(*, stdout, **options)``, and prints one
JSON object per measurement so that results can be piped, diffed and pasted into the docs as they are.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

# Scenario name -> module; each module is documented in its own section of docs/benchmarks.md.
SCENARIOS = {
    "catalogue": "portal.bench.catalogue",
    "enrolment_burst": "portal.bench.enrolment_burst",
    "import": "portal.bench.ooapi_import",
    "sync": "portal.bench.sync",
}


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise CommandError(
            "Benchmarks measure the PostgreSQL path and cannot run on "
            f"{connection.vendor}. Set DATABASE_URL, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/flexportal_bench"
        )


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@contextmanager
def database(name: str) -> Iterator[None]:
    """Point the default connection at database ``name`` (created and migrated when missing), then back.

    The same switch Django's test runner makes for the test database: close, change ``NAME``, reconnect.
    """
    if not re.fullmatch(r"[A-Za-z0-9_]{1,63}", name):
        raise CommandError(f"{name!r} is not a plain database name")
    settings_dict = connection.settings_dict
    original = settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    settings_dict["NAME"] = settings.DATABASES[connection.alias]["NAME"] = name
    try:
        call_command("migrate", interactive=False, verbosity=0)
        yield
    finally:
        connection.close()
        settings_dict["NAME"] = settings.DATABASES[connection.alias]["NAME"] = original


def database_url() -> str:
    """The default connection's database as a ``DATABASE_URL`` (during a run: the benchmark's own), for the
    processes a scenario starts."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{quote(s['NAME'], safe='')}"


def stop_process_group(process: subprocess.Popen, *, timeout: float) -> None:
    """Stop a process started as the leader of its own group (gunicorn's master, a Celery worker) with
    everything in the group: SIGTERM, SIGKILL after ``timeout`` seconds, then SIGKILL to any child left
    behind. A leader that died by itself leaves its children in the group, which the last signal reaches."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def reference_peer(*, offerings: int, startup_timeout: float = 20) -> Iterator[tuple[str, int]]:
    """The reference OOAPI peer (``python -m ooapi.peer``, in memory) on a free port of 127.0.0.1, in a
    process group of its own, logging to a temporary file; yields its base URL and pid, then stops it."""
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-peer-", suffix=".log", delete=False)  # noqa: SIM115
    command = [sys.executable, "-m", "ooapi.peer", "--host", "127.0.0.1", "--port", "0"]
    command += ["--offerings", str(offerings), "--exit-with-parent"]
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module, fixed arguments)
        command,
        cwd=Path(settings.BASE_DIR),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + startup_timeout
        while not (ready := re.search(r"listening on (http://\S+)", Path(log.name).read_text())):
            if process.poll() is not None or time.monotonic() > deadline:
                raise CommandError(f"the reference peer did not start:\n{Path(log.name).read_text()[-2000:]}")
            time.sleep(0.05)
        yield ready.group(1), process.pid
    finally:
        stop_process_group(process, timeout=10)
        log.close()
