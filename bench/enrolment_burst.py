"""Issue #3 "Must show": the opening of an enrolment window, over HTTP, against a live server.

In a database of its own (``<NAME>_bench_burst``, ``NAME`` without a trailing ``_bench``), the scenario
sets up ``--students`` students of four home institutions whose ``HomeApprovalPolicy`` approves
automatically, so every submission goes straight on to first-come-first-served admission, and
``--offerings`` offerings of ``--seats`` seats each, spread over up to five portal-managed hosts, with
their enrolment windows open. Every run starts from the opening of the window: no requests, no seats
taken, no sessions. Then it

1. starts gunicorn (``portal.wsgi:application`` with ``portal.settings.bench``: production settings on
   loopback, see that module) on a free port of 127.0.0.1, ``--workers`` workers of ``--worker-class``;
2. logs every student in through allauth's headless app API (``POST /_allauth/app/v1/auth/login``), which
   answers with a session token (not measured);
3. warms the server up, untimed: ``--warmup`` other students enrol in another offering, and as many
   requests go to the floor view;
4. the burst: each student sends one ``POST /api/enrolments/`` with an ``Idempotency-Key`` and their login
   (``--auth``: the ``X-Session-Token`` header, or the session cookie with a CSRF token as a browser sends
   it), the offerings taken round-robin, from ``--concurrency`` keep-alive HTTP/1.1 connections of this
   process, closed loop: a connection sends its next request as soon as the previous one is answered;
5. the floor: the same requests (client, concurrency, count, headers, body, server) to a bare view that
   does one INSERT (``bench.views``); then the same again to the *framework floor*, that INSERT
   behind Django REST framework, the API's authentication and a transaction: what every signed-in API
   call costs before a rule of enrolment runs (``framework_*`` fields);
6. counts the seats in the database, stops gunicorn, counts the messages queued after commit in the run's
   own Celery queue (no worker consumes it) and removes it, and prints one JSON object.

Queued admission (issue #20): the server answers 202 and a Celery worker (``--queue-workers`` processes, on
a decision queue of the run's own) decides the admission queues in batches. The burst is timed from its
first POST to the last decision (``decided_per_s``, and ``ratio`` against the floor), and
``fcfs_order_violations`` counts seat holders who are not among their offering's first ``--seats`` by
arrival. ``--queue-workers 0`` turns queued admission off: decided inline, answered 201, as before.

``errors`` counts burst requests not answered ``201 Created`` or ``202 Accepted``: every student enrols
once, with a key of their own, in an open window; a 409, any other 4xx or 5xx, a timeout or a dropped
connection is an error. ``overbooked`` counts offerings holding more seats (requests
admitted, registered or offered a seat) than their capacity, or whose ``seats_taken`` exceeds it.
docs/benchmarks.md ("Enrolment burst") explains every field and records the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import CommandError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from bench import (
    Backends,
    CpuMeter,
    ProcessGroups,
    ThisProcess,
    database,
    database_url,
    percentile,
    require_postgresql,
    stop_process_group,
)
from bench.views import FLOOR_TABLE, FLOOR_TABLE_SQL
from bench.zone import bench_institution, bench_offering, bench_period, bench_students
from catalogue.models import AdmissionMode, Offering
from core.models import IdempotencyRecord
from enrolment.models import SEAT_STATES, AdmissionBatch, AdmissionQueue, EnrolmentRequest, HomeApprovalPolicy, Status
from institutions.models import Institution

HELP = "Enrolment burst over HTTP against gunicorn: requests/s, p50/p95, seats never overbooked, floor ratio."

HOMES = 4  # home institutions the students come from, each approving automatically
MAX_HOSTS = 5  # host institutions the offerings are spread over
EMAIL = "burst-{index:05d}@bench.flexportal.example"
WARMUP_EMAIL = "burst-warmup-{index:05d}@bench.flexportal.example"
PASSWORD = "bench-burst-password"  # noqa: S105 (synthetic students in a benchmark database)
# Every student logs in through allauth headless (app client), which answers with a session token: the key
# of a Django session holding the login. A client then presents it as X-Session-Token (an app), or as the
# session cookie with a CSRF token (a browser; this is what the portal's own pages send).
AUTH_METHODS = {
    "token": "allauth headless login (POST /_allauth/app/v1/auth/login), then the X-Session-Token header",
    "session": "allauth headless login, then the session cookie plus CSRF cookie and X-CSRFToken header",
}
ENROL_PATH = "/api/enrolments/"
FLOOR_PATH = "/bench/floor/"
FRAMEWORK_FLOOR_PATH = "/bench/floor/framework/"
LOGIN_PATH = "/_allauth/app/v1/auth/login"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
CELERY = Path(sys.executable).with_name("celery")


def add_arguments(parser) -> None:
    parser.add_argument("--students", type=int, default=2000, help="Students, one request each (default 2000).")
    parser.add_argument("--offerings", type=int, default=20, help="Offerings, targeted round-robin (default 20).")
    parser.add_argument("--seats", type=int, default=50, help="Capacity of each offering (default 50).")
    parser.add_argument("--concurrency", type=int, default=48, help="Concurrent HTTP clients (default 48).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, at least 2).")
    parser.add_argument(
        "--worker-class", default="gthread", choices=("sync", "gthread"), help="gunicorn worker class (gthread)."
    )
    parser.add_argument("--threads", type=int, default=4, help="Threads per gthread worker (default 4).")
    parser.add_argument("--warmup", type=int, default=64, help="Untimed warm-up requests per path (default 64).")
    parser.add_argument(
        "--auth",
        default="token",
        choices=AUTH_METHODS,
        help="How clients present their login: allauth's X-Session-Token (token, default) or the session "
        "cookie with a CSRF token, as a browser does (session).",
    )
    parser.add_argument(
        "--queue-workers",
        type=int,
        default=2,
        help="Processes of the Celery worker that decides the admission queue (default 2; 0: queued admission "
        "off, every request decided inline as before).",
    )
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help=f"Redis database of the server's cache and Celery broker (default {DEFAULT_REDIS_URL}).",
    )


def run(
    *,
    stdout,
    students: int,
    offerings: int,
    seats: int,
    concurrency: int,
    workers: int,
    worker_class: str,
    threads: int,
    warmup: int,
    auth: str,
    redis_url: str,
    queue_workers: int = 2,
    **_options,
) -> dict:
    require_postgresql()
    if students < 1 or offerings < 1 or seats < 0 or concurrency < 1 or warmup < 0:
        raise CommandError("--students, --offerings and --concurrency must be at least 1, --seats and --warmup 0+")
    if workers < 2 or threads < 1:
        raise CommandError("--workers must be at least 2 (the issue asks for a multi-process server), --threads 1+")
    base = connection.settings_dict["NAME"].removesuffix("_bench")
    with database(f"{base}_bench_burst"):
        result = measure(
            students=students,
            offerings=offerings,
            seats=seats,
            concurrency=concurrency,
            server=ServerConfig(workers=workers, worker_class=worker_class, threads=threads),
            warmup=warmup,
            auth=auth,
            redis_url=redis_url,
            queue_workers=queue_workers,
        )
    stdout.write(json.dumps(result))
    return result


@dataclass(frozen=True)
class ServerConfig:
    workers: int = 2
    worker_class: str = "gthread"
    threads: int = 4

    def describe(self) -> dict:
        threads = self.threads if self.worker_class == "gthread" else 1
        return {"workers": self.workers, "worker_class": self.worker_class, "threads": threads}


def measure(
    *,
    students: int,
    offerings: int,
    seats: int,
    concurrency: int = 48,
    server: ServerConfig | None = None,
    warmup: int = 64,
    auth: str = "token",
    redis_url: str = DEFAULT_REDIS_URL,
    queue_workers: int = 2,
) -> dict:
    """Set up, serve, drive and count in the current default database; one result dict (see the module doc)."""
    require_postgresql()
    server = server or ServerConfig()
    # httpx (the start-up probe) logs every request at INFO; stdout carries the result only.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    stage = stage_burst(students=students, offerings=offerings, seats=seats, warmup=warmup)
    # A Celery queue of this run's own: no worker consumes it, and a second run (or the test) on the same
    # Redis database neither counts nor empties this run's messages.
    queue = f"bench-burst-{secrets.token_hex(6)}"
    decide_queue = f"bench-decide-{secrets.token_hex(6)}"
    queued = queue_workers > 0
    with (
        live_server(server, redis_url=redis_url, queue=queue, decide_queue=decide_queue, queued=queued) as live,
        decide_worker(
            redis_url=redis_url, queue=decide_queue, concurrency=queue_workers, notifications_queue=queue
        ) as worker,
    ):
        client = Client(live.base_url, concurrency)
        started = time.perf_counter()
        tokens = login(client, stage.emails)
        login_s = time.perf_counter() - started
        if warmup:
            warm_tokens = login(client, stage.warmup_emails[:warmup])
            warm = drive(client, enrol_requests(warm_tokens, [stage.warmup_offering_id], auth=auth))
            if warm.errors:
                raise CommandError(f"warm-up enrolments failed: {warm.status_counts}")
            decisions_wait([stage.warmup_offering_id], timeout=120)
            for path in (FLOOR_PATH, FRAMEWORK_FLOOR_PATH):
                drive(client, enrol_requests(warm_tokens, [stage.warmup_offering_id], auth=auth, path=path))
        # Server, decision worker, database and the load generator's event loop (this thread), per request.
        parts = {
            "server": ProcessGroups((live.pid,)),
            "worker": ProcessGroups((worker.pid,) if worker else ()),
            "database": Backends(connection.settings_dict["NAME"]),
            "client": ThisProcess(thread_only=True),
        }

        def load(path: str, *, decided: bool = False) -> Load:
            with CpuMeter(parts) as cpu:
                first_post = time.time()
                result = drive(client, enrol_requests(tokens, stage.offering_ids, auth=auth, path=path))
                if decided:
                    # From the first POST to the last decision: the queue decided by the worker.
                    last = decisions_wait(stage.offering_ids, timeout=600)
                    result.decided_s = max((last or first_post) - first_post, result.elapsed_s)
            result.cpu_ms_per_request = cpu.per(len(result.statuses))
            result.cpu_bound_requests_per_s = cpu.bound_rate(len(result.statuses))
            return result

        burst = load(ENROL_PATH, decided=True)
        floor, framework = load(FLOOR_PATH), load(FRAMEWORK_FLOOR_PATH)
    seats_result = seats_count(stage.offering_ids)
    order = fcfs_order(stage.offering_ids, seats) if queued else {}
    notifications = queue_remove(redis_url, queue)
    queue_remove(redis_url, decide_queue)
    decided_per_s = len(burst.statuses) / burst.decided_s if burst.decided_s else 0.0
    return {
        "scenario": "enrolment_burst",
        "students": students,
        "offerings": offerings,
        "seats": seats,
        "requests": len(burst.statuses),
        "queued_admission": queued,
        "queue_workers": queue_workers,
        # Students decided over the seconds from the first POST to the last decision (the burst's own rate when
        # every request is decided inline).
        "decided_per_s": round(decided_per_s, 1),
        "decided_s": round(burst.decided_s, 2),
        "requests_per_s": round(burst.rate, 1),
        "p50_ms": round(percentile(burst.latencies_ms, 50), 1),
        "p95_ms": round(percentile(burst.latencies_ms, 95), 1),
        "max_ms": round(max(burst.latencies_ms), 1),
        "errors": burst.errors,
        "statuses": burst.status_counts,
        **seats_result,
        **order,
        "floor_requests_per_s": round(floor.rate, 1),
        "floor_p50_ms": round(percentile(floor.latencies_ms, 50), 1),
        "floor_p95_ms": round(percentile(floor.latencies_ms, 95), 1),
        "floor_errors": floor.errors,
        "ratio": round(decided_per_s / floor.rate, 3) if floor.rate else None,
        "post_ratio": round(burst.rate / floor.rate, 3) if floor.rate else None,
        "framework_floor_requests_per_s": round(framework.rate, 1),
        "framework_floor_p95_ms": round(percentile(framework.latencies_ms, 95), 1),
        "framework_floor_errors": framework.errors,
        # The framework floor against the bare one: the share of the ratio's budget the stack itself takes.
        "framework_ratio": round(framework.rate / floor.rate, 3) if floor.rate else None,
        "burst_s": round(burst.elapsed_s, 2),
        "cpu_ms_per_request": burst.cpu_ms_per_request,
        "floor_cpu_ms_per_request": floor.cpu_ms_per_request,
        "framework_floor_cpu_ms_per_request": framework.cpu_ms_per_request,
        # What the CPU time per request allows on this machine's cores if nothing else ran on them.
        "cpu_bound_requests_per_s": burst.cpu_bound_requests_per_s,
        "floor_cpu_bound_requests_per_s": floor.cpu_bound_requests_per_s,
        "framework_floor_cpu_bound_requests_per_s": framework.cpu_bound_requests_per_s,
        "login_s": round(login_s, 1),
        "notifications_queued": notifications,
        "concurrency": concurrency,
        "server": {"app": "gunicorn portal.wsgi:application", **server.describe()},
        "auth": AUTH_METHODS[auth],
        "cpus": os.cpu_count(),
    }


# --------------------------------------------------------------------------------------------------
# The zone: home institutions that approve automatically, hosts with open offerings, students


@dataclass(frozen=True)
class Stage:
    emails: list[str]
    warmup_emails: list[str]
    offering_ids: list[int]
    warmup_offering_id: int


def stage_burst(*, students: int, offerings: int, seats: int, warmup: int) -> Stage:
    """Make the zone hold what the burst needs and reset it to the opening of the window: no requests,
    no seats taken, no sessions, no stored idempotent answers. Reused (and only topped up) by later runs."""
    with transaction.atomic():
        portal_managed = {
            "kind": Institution.Kind.APPLIED_SCIENCES,
            "integration": Institution.Integration.PORTAL_MANAGED,
        }
        homes = [bench_institution(f"burst-home-{k}", f"8{k}BH", **portal_managed) for k in range(HOMES)]
        for home in homes:
            HomeApprovalPolicy.objects.update_or_create(
                institution=home,
                defaults={"mode": HomeApprovalPolicy.Mode.AUTOMATIC, "max_ec_per_period": None},
            )
        hosts = [
            bench_institution(f"burst-host-{k}", f"9{k}BH", **portal_managed) for k in range(min(offerings, MAX_HOSTS))
        ]
        periods = [bench_period(host) for host in hosts]

        def offering(host: int, code: str, capacity: int) -> Offering:
            title = {"title_nl": f"Drukte bij de opening {code}", "title_en": f"Opening rush {code}"}
            return bench_offering(hosts[host], periods[host], code, capacity, **title)

        targets = [offering(i % len(hosts), f"BURST{i:04d}", seats) for i in range(offerings)]
        warm = offering(0, "BURSTWARM", max(warmup, 1))
        # Logging in is set-up here: every student has the one known password and a verified address.
        students_of = {"password": PASSWORD, "name": "Burst", "number_prefix": "BB", "verified_addresses": True}
        emails = bench_students(EMAIL, students, homes, **students_of)
        warmup_emails = bench_students(WARMUP_EMAIL, max(warmup, 1), homes, **students_of)

        ids = [o.pk for o in targets]
        now = timezone.now()
        EnrolmentRequest.objects.filter(offering__in=[*ids, warm.pk]).delete()  # events and notifications too
        AdmissionBatch.objects.filter(offering__in=[*ids, warm.pk]).delete()
        AdmissionQueue.objects.filter(offering__in=[*ids, warm.pk]).delete()
        Offering.objects.filter(pk__in=[*ids, warm.pk]).update(
            seats_taken=0,
            admission_mode=AdmissionMode.FIRST_COME,
            is_archived=False,
            visible_partners=True,
            enrol_opens_at=now - dt.timedelta(hours=1),
            enrol_closes_at=now + dt.timedelta(days=7),
        )
        Offering.objects.filter(pk__in=ids).update(capacity=seats)
        IdempotencyRecord.objects.filter(user__email__in=[*emails, *warmup_emails]).delete()
        # Every run logs everyone in afresh; the database is the benchmark's own, so no one else's session goes.
        Session.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_TABLE_SQL)
            cursor.execute(f"TRUNCATE {FLOOR_TABLE}")
    return Stage(emails=emails, warmup_emails=warmup_emails, offering_ids=ids, warmup_offering_id=warm.pk)


def seats_count(offering_ids: list[int]) -> dict:
    """What the database says after the burst: seats held per offering against capacity."""
    held = Count("enrolment_requests", filter=Q(enrolment_requests__status__in=SEAT_STATES))
    rows = list(
        Offering.objects.filter(pk__in=offering_ids).annotate(held=held).values("capacity", "seats_taken", "held")
    )
    statuses = Counter(
        EnrolmentRequest.objects.filter(offering__in=offering_ids).values_list("status", flat=True).iterator()
    )
    return {
        "admitted": sum(statuses[s] for s in SEAT_STATES),
        "waitlisted": statuses[Status.WAITLISTED],
        "request_states": dict(sorted(statuses.items())),
        "admitted_max_per_offering": max((r["held"] for r in rows), default=0),
        "overbooked": sum(1 for r in rows if r["held"] > r["capacity"] or r["seats_taken"] > r["capacity"]),
        "seats_taken_mismatch": sum(1 for r in rows if r["held"] != r["seats_taken"]),
    }


def fcfs_order(offering_ids: list[int], seats: int) -> dict:
    """First come, first served, checked: the students holding a seat of each offering are exactly its first
    ``seats`` by arrival order. Counts the seat holders who are not (and the requests never decided)."""
    violations = undecided = 0
    batches = AdmissionBatch.objects.filter(offering__in=offering_ids).count()
    for offering_id in offering_ids:
        rows = list(
            EnrolmentRequest.objects.filter(offering_id=offering_id)
            .order_by("arrival")
            .values_list("arrival", "status")
        )
        undecided += sum(1 for arrival, status in rows if status == Status.DRAFT)
        first = {arrival for arrival, _status in rows[:seats]}
        violations += sum(1 for arrival, status in rows if status in SEAT_STATES and arrival not in first)
    return {"fcfs_order_violations": violations, "undecided": undecided, "batches": batches}


def decisions_wait(offering_ids: list[int], *, timeout: float) -> float | None:
    """Wait until no request of these offerings waits in the queue; returns when the last batch was decided
    (epoch seconds, from ``AdmissionBatch.decided_at``), None when none was (queued admission off)."""
    deadline = time.monotonic() + timeout
    waiting = EnrolmentRequest.objects.filter(offering__in=offering_ids, status=Status.DRAFT, arrival__isnull=False)
    while waiting.exists():
        if time.monotonic() > deadline:
            raise CommandError(f"{waiting.count()} requests still queued after {timeout:.0f}s")
        time.sleep(0.05)
    last = (
        AdmissionBatch.objects.filter(offering__in=offering_ids)
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    return last.timestamp() if last else None


@contextlib.contextmanager
def decide_worker(
    *, redis_url: str, queue: str, concurrency: int, notifications_queue: str
) -> Iterator[subprocess.Popen | None]:
    """The Celery worker (prefork, ``concurrency`` processes) that decides the admission queue, on the run's
    decision queue only, with the server's settings; none when ``concurrency`` is 0."""
    if concurrency <= 0:
        yield None
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.bench",
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        BENCH_DECIDE_QUEUE=queue,
        BENCH_CELERY_QUEUE=notifications_queue,  # its notification tasks: counted with the server's
        PYTHONUNBUFFERED="1",
    )
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-burst-worker-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        str(CELERY), "-A", "portal", "worker", "--pool", "prefork", "--concurrency", str(concurrency),
        "-Q", queue, "--hostname", f"bench-decide-{secrets.token_hex(3)}@%h", "--prefetch-multiplier", "1",
        "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 (our own celery and arguments)
        command,
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        stop_process_group(process, timeout=10)
        if process.returncode not in (0, -15, None):
            sys.stderr.write(_log_tail(log.name))
        log.close()
        os.unlink(log.name)


# --------------------------------------------------------------------------------------------------
# The live server


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    pid: int  # the gunicorn master, leader of a process group with its workers


@contextlib.contextmanager
def live_server(
    server: ServerConfig,
    *,
    redis_url: str,
    queue: str = "celery",
    decide_queue: str = "bench-decide",
    queued: bool = True,
    startup_timeout: float = 60,
) -> Iterator[LiveServer]:
    """gunicorn on a free loopback port, bound by us and handed over as ``fd://`` (no race for the port);
    yields its base URL once ``/healthz`` answers 200, and stops it (SIGTERM, then SIGKILL) on the way out."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(2048)
    port = listener.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "GUNICORN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.bench",
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        BENCH_CELERY_QUEUE=queue,
        BENCH_DECIDE_QUEUE=decide_queue,
        ENROLMENT_QUEUED_ADMISSION="true" if queued else "false",
        PYTHONUNBUFFERED="1",
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "portal.wsgi:application",
        f"--bind=fd://{listener.fileno()}",
        f"--workers={server.workers}",
        f"--worker-class={server.worker_class}",
        f"--threads={server.threads if server.worker_class == 'gthread' else 1}",
        "--timeout=120",
        "--graceful-timeout=5",
        "--keep-alive=30",
    ]
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-burst-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        command,
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        pass_fds=(listener.fileno(),),
        start_new_session=True,
    )
    listener.close()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base_url, log.name, startup_timeout)
        yield LiveServer(base_url=base_url, pid=process.pid)
    finally:
        stop_process_group(process, timeout=15)
        log.close()
        os.unlink(log.name)


def _log_tail(path: str, lines: int = 30) -> str:
    with open(path, encoding="utf-8", errors="replace") as file:
        return "".join(file.readlines()[-lines:])


def _wait_until_up(process: subprocess.Popen, base_url: str, log_path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"gunicorn exited with {process.returncode}:\n{_log_tail(log_path)}")
        try:
            response = httpx.get(f"{base_url}/healthz", timeout=5)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.HTTPError as error:
            last = type(error).__name__
        time.sleep(0.25)
    raise CommandError(f"gunicorn did not answer /healthz within {timeout:.0f}s ({last}):\n{_log_tail(log_path)}")


# --------------------------------------------------------------------------------------------------
# The load


@dataclass
class Load:
    statuses: list[int]
    latencies_ms: list[float]
    elapsed_s: float
    bodies: list[bytes] | None = None
    cpu_ms_per_request: dict[str, float] | None = None
    cpu_bound_requests_per_s: float | None = None
    decided_s: float = 0.0  # first POST to last decision (set for the burst)

    def __post_init__(self) -> None:
        self.decided_s = self.decided_s or self.elapsed_s

    @property
    def rate(self) -> float:
        return len(self.statuses) / self.elapsed_s if self.elapsed_s else 0.0

    @property
    def errors(self) -> int:
        return sum(1 for status in self.statuses if status not in (201, 202))

    @property
    def status_counts(self) -> dict[str, int]:
        return {str(k): v for k, v in sorted(Counter(self.statuses).items())}


Request = tuple[str, dict[str, str], bytes]


class TransportError(Exception):
    """No complete answer: refused, reset or closed connection, malformed answer, or timeout."""


class Connection:
    """One keep-alive HTTP/1.1 connection to the server, opened again when the server closes it.

    The load generator shares the machine's two cores with the server, so it has to be cheap: a request
    is one write of prepared bytes, an answer one read of the head and one of the body (Content-Length,
    chunked, or until the server closes). A general-purpose client such as httpx spends more CPU per
    request than the floor view costs the server, and would measure itself instead of the portal.
    """

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        reused = self.writer is not None
        try:
            async with asyncio.timeout(self.timeout):
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                self.writer.write(raw)
                return await self._answer()
        except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            self.close()
            closed_idle = isinstance(error, ConnectionResetError | BrokenPipeError) or (
                isinstance(error, asyncio.IncompleteReadError) and not error.partial
            )
            if reused and closed_idle:
                # The server closed an idle kept-alive connection before reading this request: send it
                # again on a new one, as every HTTP client does.
                return await self.request(raw)
            raise TransportError(type(error).__name__) from error
        except TimeoutError as error:
            self.close()
            raise TransportError("timeout") from error
        except ValueError as error:  # a malformed status line or header
            self.close()
            raise TransportError(f"malformed answer: {error}") from error

    async def _answer(self) -> tuple[int, bytes]:
        assert self.reader is not None  # noqa: S101 (set by request())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, close = None, False, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        if chunked:
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body, close = await self.reader.read(), True
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Client:
    """``concurrency`` connections to the server at ``base_url``; POSTs prepared as bytes."""

    base_url: str
    concurrency: int
    timeout: float = 120

    def __post_init__(self) -> None:
        host, port = self.base_url.removeprefix("http://").rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.connections = [Connection(self.host, self.port, self.timeout) for _ in range(self.concurrency)]

    def prepare(self, path: str, headers: dict[str, str], body: bytes) -> bytes:
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def close(self) -> None:
        for connection_ in self.connections:
            connection_.close()


async def _drive(client: Client, requests: list[Request], keep: bool) -> Load:
    prepared = [client.prepare(*request) for request in requests]
    statuses = [0] * len(prepared)
    latencies = [0.0] * len(prepared)
    bodies: list[bytes] = [b""] * len(prepared) if keep else []
    queue = iter(enumerate(prepared))

    async def connection_loop(connection_: Connection) -> None:
        for i, raw in queue:
            started = time.perf_counter()
            try:
                statuses[i], body = await connection_.request(raw)
            except TransportError:
                body = b""
            latencies[i] = (time.perf_counter() - started) * 1000
            if keep:
                bodies[i] = body

    started = time.perf_counter()
    try:
        await asyncio.gather(*(connection_loop(c) for c in client.connections[: len(prepared)]))
    finally:
        client.close()
    return Load(statuses, latencies, time.perf_counter() - started, bodies if keep else None)


def drive(client: Client, requests: list[Request], *, keep: bool = False) -> Load:
    """Send ``requests`` (path, headers, body) as POSTs over the client's connections, closed loop: each
    connection sends its next request as soon as the previous one is answered.

    Latency is per request, from sending it to having read the whole answer; a transport failure
    (timeout, refused or dropped connection) is recorded as status 0.
    """
    return asyncio.run(_drive(client, requests, keep))


def _json(headers: dict[str, str] | None = None) -> dict[str, str]:
    return {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}


def login(client: Client, emails: list[str]) -> list[str]:
    """Each student logs in through allauth headless (app client); returns their session tokens."""
    body = [json.dumps({"email": e, "password": PASSWORD}).encode() for e in emails]
    load = drive(client, [(LOGIN_PATH, _json(), b) for b in body], keep=True)
    tokens = []
    for email, status, content in zip(emails, load.statuses, load.bodies or [], strict=True):
        token = json.loads(content).get("meta", {}).get("session_token") if status == 200 else None
        if not token:
            raise CommandError(f"logging in {email} answered {status}: {content[:300]!r}")
        tokens.append(token)
    return tokens


def _credentials(token: str, auth: str) -> dict[str, str]:
    if auth == "token":
        return {"X-Session-Token": token}
    # The session token is the session's key. Django checks the CSRF header against the CSRF cookie.
    csrf = secrets.token_hex(16)
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={token}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
    }


def enrol_requests(
    tokens: list[str], offering_ids: list[int], *, auth: str = "token", path: str = ENROL_PATH
) -> list[Request]:
    """One request per student, offerings round-robin, each with its own Idempotency-Key."""
    return [
        (
            path,
            _json({**_credentials(token, auth), "Idempotency-Key": str(uuid.uuid4())}),
            json.dumps({"offering": offering_ids[i % len(offering_ids)]}).encode(),
        )
        for i, token in enumerate(tokens)
    ]


# --------------------------------------------------------------------------------------------------
# The broker


def queue_remove(redis_url: str, queue: str) -> int:
    """Remove the run's Celery queue (and kombu's binding of it); returns how many messages it held."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        with client.pipeline() as pipe:
            pipe.llen(queue)
            pipe.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
            queued, _deleted = pipe.execute()
        return int(queued)
    finally:
        client.close()
