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
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

# Scenario name -> module; each module is documented in its own section of docs/benchmarks.md.
SCENARIOS = {
    "catalogue": "bench.catalogue",
    "dashboard": "bench.dashboard",
    "enrolment_burst": "bench.enrolment_burst",
    "import": "bench.ooapi_import",
    "sync": "bench.sync",
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
    """The reference OOAPI peer (``python -m tools.ooapi_peer``, in memory) on a free port of 127.0.0.1, in a
    process group of its own, logging to a temporary file; yields its base URL and pid, then stops it."""
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-peer-", suffix=".log", delete=False)  # noqa: SIM115
    command = [sys.executable, "-m", "tools.ooapi_peer", "--host", "127.0.0.1", "--port", "0"]
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


# --------------------------------------------------------------------------------------------------
# CPU time per part of a run


@dataclass(frozen=True)
class ProcessGroups:
    """The processes of the groups these pids lead (a gunicorn master and its workers, a Celery worker and
    its pool, the peer): each is started as the leader of a group of its own."""

    leaders: tuple[int, ...]


@dataclass(frozen=True)
class Backends:
    """The PostgreSQL backends serving ``database`` (not autovacuum)."""

    database: str


@dataclass(frozen=True)
class ThisProcess:
    """This process, every thread but the meter's own; with ``thread_only``, the thread that enters the meter
    (a load generator's event loop) and nothing else."""

    thread_only: bool = False


Part = ProcessGroups | Backends | ThisProcess


class CpuMeter:
    """CPU seconds each part spends while the block runs, in ``seconds`` once it ends.

    On a shared two-core machine rates move with whatever else runs; CPU time per request says where the
    time went. Processes are sampled from ``/proc`` every 0.2 s, because a database backend can end during
    a run (Django reconnects once a connection is ``CONN_MAX_AGE`` old): its time up to the last sample
    still counts. A process that starts during the run counts from zero; one that starts and ends between
    two samples (a database backend opened for a single task, say) is missed.

    ``with CpuMeter({"server": ProcessGroups((pid,)), "database": Backends(name)}) as cpu: ...``
    """

    PERIOD = 0.2

    def __init__(self, parts: Mapping[str, Part]) -> None:
        self.parts = dict(parts)
        self.seconds: dict[str, float] = {}
        self._tick = os.sysconf("SC_CLK_TCK")
        self._leaders = {
            leader: name
            for name, part in self.parts.items()
            if isinstance(part, ProcessGroups)
            for leader in part.leaders
        }
        self._databases = {
            f" {part.database} ": name for name, part in self.parts.items() if isinstance(part, Backends)
        }
        self._stop = threading.Event()
        self._sampler_seconds = 0.0

    def _sample(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far per part and process."""
        found: dict[str, dict[int, float]] = {name: {} for name in self.parts}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as file:
                    stat = file.read()
                name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
                part = self._leaders.get(int(fields[2]))  # the process group
                if part is None and name == "postgres" and self._databases:
                    with open(f"/proc/{pid}/cmdline", encoding="utf-8", errors="replace") as file:
                        title = file.read()  # e.g. "postgres: 15/main: postgres <database> 127.0.0.1(5432) idle"
                    if "autovacuum" not in title:
                        part = next((part for marker, part in self._databases.items() if marker in title), None)
                if part is None:
                    continue
            except (OSError, ValueError, IndexError):
                continue  # the process ended meanwhile
            found[part][pid] = (int(fields[11]) + int(fields[12])) / self._tick  # utime + stime
        return found

    def _own(self) -> dict[str, float]:
        now = {}
        for name, part in self.parts.items():
            if isinstance(part, ThisProcess):
                now[name] = time.thread_time() if part.thread_only else time.process_time()
        return now

    def _run(self) -> None:
        started = time.thread_time()
        while not self._stop.wait(self.PERIOD):
            for part, seconds in self._sample().items():
                self._latest[part].update(seconds)
        self._sampler_seconds = time.thread_time() - started

    def __enter__(self) -> CpuMeter:
        self._before = self._sample()
        self._latest = {part: dict(seconds) for part, seconds in self._before.items()}
        self._thread = threading.Thread(target=self._run, name="bench-cpu-meter", daemon=True)
        self._thread.start()
        self._own_before = self._own()
        return self

    def __exit__(self, *exc_info) -> None:
        own_after = self._own()
        self._stop.set()
        self._thread.join()
        for part, seconds in self._sample().items():
            self._latest[part].update(seconds)
        for name in self.parts:
            if name in own_after:
                spent = own_after[name] - self._own_before[name]
                if not self.parts[name].thread_only:
                    spent -= self._sampler_seconds  # the meter measures, it is not measured
                self.seconds[name] = max(spent, 0.0)
            else:
                before = self._before[name]
                self.seconds[name] = sum(t - before.get(pid, 0.0) for pid, t in self._latest[name].items())

    def per(self, count: int, *, digits: int = 2) -> dict[str, float]:
        """Milliseconds per unit of work (request, association) and part."""
        return {name: round(seconds * 1000 / (count or 1), digits) for name, seconds in self.seconds.items()}

    def bound_rate(self, count: int) -> float | None:
        """Units of work per second that this machine's cores allow at the measured cost if nothing else ran
        on them: an upper bound that moves less than the rates when other work shares the machine."""
        spent = sum(self.seconds.values())
        return round((os.cpu_count() or 1) * count / spent, 1) if spent and count else None
