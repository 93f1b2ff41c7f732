"""Issue #4 "Must show": ``bench sync``, the enrolment sync with a connected home institution, end to end.

In a database of its own (``<NAME>_bench_sync``; the name without a trailing ``_bench`` first), the
scenario sets up ``--homes`` connected home institutions (each its own ``Connection``, all pointed at one
reference peer), a portal-managed host with ``--offerings`` first-come-first-served offerings, and
``--associations`` students. Then it

1. starts the reference peer (``python -m tools.ooapi_peer``, decision ``associated``) and ``--workers`` Celery
   workers (``--pool prefork --concurrency <--concurrency>``, ``portal.settings.bench``: production on
   loopback; ``--batch-size`` and ``--batch-concurrency`` as the sync's tunables) on the sync's queue, against a Redis database of its own (``--redis-url``, emptied first); a
   thread in this process stands in for beat and queues the outbox sweep every 5 seconds;
2. warms up (untimed): a few students of another offering enrol until they are registered;
3. the run: ``--submitters`` threads submit the students' requests (``request_submit``, the same service
   the API calls), each to one offering round-robin, keeping at most ``--window`` requests in flight
   (submitted, not yet registered): a closed loop, so latency is the pipeline's and not a queue that only
   grows. Each request goes submit → outbox → ``GET /persons/me`` + ``POST /associations/external/me``
   (home says ``associated``) → home approval → first-come-first-served admission → outbox →
   ``PATCH /associations/{id}`` ``remoteState: associated`` → registered;
4. measures from the database: for every request the time from its submission (``submitted_at``) to its
   ``registered`` event; throughput is registered requests per second from the first submission to the
   last registration;
5. the floor: the same calls (one GET, one POST with the same body and an Idempotency-Key, one PATCH per
   association) as a bare ``httpx.AsyncClient`` loop against the same (reset) peer, with as many concurrent
   loops as the sync may have calls in flight (``min(window, workers × concurrency × batch_concurrency)``:
   one call at a time per association, ``--batch-concurrency`` per process);
6. stops everything (process groups: SIGTERM, then SIGKILL) and prints one JSON object.

``ratio`` is the sync's throughput over the floor's. ``exactly_one_association`` checks that the peer holds
exactly as many associations as requests were sent (a duplicate would show as more).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import math
import os
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from celery import current_app
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import CommandError
from django.db import close_old_connections, connection, connections, transaction
from django.db.models.functions import Mod
from django.test import override_settings
from django.utils import timezone

from accounts.models import StudentProfile, User
from bench import (
    Backends,
    CpuMeter,
    ProcessGroups,
    ThisProcess,
    database,
    database_url,
    percentile,
    reference_peer,
    require_postgresql,
    stop_process_group,
)
from bench.zone import bench_institution, bench_offering, bench_period, bench_students
from catalogue.models import AdmissionMode, Offering
from enrolment.models import EnrolmentRequest, RequestEvent, Status
from enrolment.services.requests import request_submit
from institutions.models import Institution
from ooapi.models import Connection, OutboxMessage
from ooapi.sync import services as sync_services
from ooapi.sync.conf import SyncConfig
from ooapi.sync.tasks import sweep_outbox

HELP = (
    "Enrolment sync with a connected home over OOAPI (real workers, reference peer): throughput, p50/p95 from "
    "submission to registered, the same calls as a bare httpx loop (floor), ratio."
)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
EMAIL = "sync-{index:05d}@bench.flexportal.example"
WARMUP_EMAIL = "sync-warmup-{index:05d}@bench.flexportal.example"
SWEEP_EVERY_SECONDS = 5.0
SYNC_QUEUE = "bench-sync"
CELERY = Path(sys.executable).with_name("celery")


def add_arguments(parser) -> None:
    parser.add_argument("--associations", type=int, default=10000, help="Requests, one per student (default 10000).")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (default 2).")
    parser.add_argument("--concurrency", type=int, default=2, help="Prefork children per worker (default 2).")
    parser.add_argument(
        "--batch-size", type=int, default=32, help="Messages a delivery task claims per round (default 32)."
    )
    parser.add_argument(
        "--batch-concurrency",
        type=int,
        default=2,
        help="Calls of one delivery task in flight at once (default 2: 2 workers x 2 processes x 2 = 8 calls).",
    )
    parser.add_argument("--submitters", type=int, default=4, help="Threads submitting requests (default 4).")
    parser.add_argument(
        "--window", type=int, default=32, help="Requests in flight (submitted, not registered) at most (default 32)."
    )
    parser.add_argument("--homes", type=int, default=4, help="Connected home institutions (default 4).")
    parser.add_argument("--offerings", type=int, default=20, help="Offerings at the host (default 20).")
    parser.add_argument(
        "--peer-latency-ms", type=int, default=0, help="Latency the peer adds to every call (default 0)."
    )
    parser.add_argument("--warmup", type=int, default=32, help="Untimed requests before the run (default 32).")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="Give up on the run after this many seconds (default 3600)."
    )
    parser.add_argument(
        "--worker-log-level",
        default="WARNING",
        help="Log level of the workers (default WARNING; INFO logs every task).",
    )
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help=f"Redis database of the benchmark's broker and cache; it is emptied (default {DEFAULT_REDIS_URL}).",
    )


def run(
    *,
    stdout,
    associations: int,
    workers: int,
    concurrency: int,
    submitters: int,
    window: int,
    homes: int,
    offerings: int,
    peer_latency_ms: int,
    warmup: int,
    timeout: float,
    redis_url: str,
    worker_log_level: str = "WARNING",
    batch_size: int = 32,
    batch_concurrency: int = 2,
    **_options,
) -> dict:
    require_postgresql()
    counts = (associations, workers, concurrency, submitters, window, homes, offerings, batch_size, batch_concurrency)
    if min(counts) < 1 or warmup < 0:
        raise CommandError("counts must be at least 1 (--warmup 0 or more)")
    base = connection.settings_dict["NAME"].removesuffix("_bench")
    with database(f"{base}_bench_sync"):
        result = measure(
            associations=associations,
            workers=workers,
            concurrency=concurrency,
            submitters=submitters,
            window=window,
            homes=homes,
            offerings=offerings,
            peer_latency_ms=peer_latency_ms,
            warmup=warmup,
            timeout=timeout,
            redis_url=redis_url,
            worker_log_level=worker_log_level,
            batch_size=batch_size,
            batch_concurrency=batch_concurrency,
        )
    stdout.write(json.dumps(result))
    return result


# --------------------------------------------------------------------------------------------------
# The zone: connected homes, a portal-managed host with open offerings, students


@dataclass(frozen=True)
class Stage:
    users: list[User]
    warmup_users: list[User]
    offering_ids: list[int]
    warmup_offering_id: int
    connection_ids: list[int]


def stage_sync(*, associations: int, homes: int, offerings: int, warmup: int) -> Stage:
    """Make the zone hold what the run needs and reset it: no requests, no outbox, no seats taken, every
    circuit closed. Reused (and only topped up) by later runs."""
    with transaction.atomic():
        connected = [
            bench_institution(
                f"sync-home-{k}",
                f"7{k % 10}S{k // 10}",
                kind=Institution.Kind.RESEARCH_UNIVERSITY,
                integration=Institution.Integration.CONNECTED,
            )
            for k in range(homes)
        ]
        host = bench_institution(
            "sync-host",
            "69SH",
            kind=Institution.Kind.RESEARCH_UNIVERSITY,
            integration=Institution.Integration.PORTAL_MANAGED,
        )
        period = bench_period(host)
        seats = math.ceil(associations / offerings) + 1
        course = {"description_nl": "Een vak voor de benchmark.", "description_en": "A course for the benchmark."}

        def offering(code: str, capacity: int) -> Offering:
            title = {"title_nl": f"Synchronisatie {code}", "title_en": f"Synchronisation {code}"}
            return bench_offering(host, period, code, capacity, **title, **course)

        targets = [offering(f"SYNC{i:04d}", seats) for i in range(offerings)]
        warm = offering("SYNCWARM", max(warmup, 1))
        connection_ids = []
        for home in connected:
            connection, _created = Connection.objects.update_or_create(
                institution=home,
                defaults={
                    "base_url": "http://127.0.0.1:9",  # the peer's address is set once it runs
                    "auth_method": Connection.AuthMethod.NONE,
                    "consumer_key": "eduxchange",
                    "connect_timeout": 3.0,
                    "read_timeout": 10.0,
                    "poll_interval_seconds": 5,
                    "is_active": True,
                    "circuit": Connection.Circuit.CLOSED,
                    "consecutive_failures": 0,
                    "circuit_opened_at": None,
                    "last_error": "",
                },
            )
            connection_ids.append(connection.pk)
        # Nobody logs in: a password nobody knows, no verified address.
        students_of = {
            "password": secrets.token_urlsafe(16),
            "name": "Sync",
            "number_prefix": "SY",
            "verified_addresses": False,
        }
        emails = bench_students(EMAIL, associations, connected, **students_of)
        warmup_emails = bench_students(WARMUP_EMAIL, max(warmup, 1), connected, **students_of)
        by_email = {u.email: u for u in User.objects.filter(email__in=[*emails, *warmup_emails])}
        users, warmup_users = [by_email[e] for e in emails], [by_email[e] for e in warmup_emails]
        # Students made by a run with another --homes: spread them over this run's homes.
        profiles = StudentProfile.objects.filter(user__in=[*users, *warmup_users]).annotate(
            home_index=Mod("user_id", len(connected))
        )
        for index, home in enumerate(connected):
            profiles.filter(home_index=index).exclude(home_institution=home).update(home_institution=home)

        ids = [o.pk for o in targets]
        now = timezone.now()
        # Everything earlier runs left (with other --offerings or --homes too): requests with their events,
        # outbox and notifications, then any outbox row of a benchmark home.
        EnrolmentRequest.objects.filter(offering__institution=host).delete()
        OutboxMessage.objects.filter(connection__institution__code__startswith="sync-home-").delete()
        Connection.objects.filter(institution__code__startswith="sync-home-").exclude(pk__in=connection_ids).update(
            is_active=False
        )
        Offering.objects.filter(pk__in=[*ids, warm.pk]).update(
            seats_taken=0,
            admission_mode=AdmissionMode.FIRST_COME,
            is_archived=False,
            visible_partners=True,
            enrol_opens_at=now - dt.timedelta(hours=1),
            enrol_closes_at=now + dt.timedelta(days=7),
        )
        Offering.objects.filter(pk__in=ids).update(capacity=seats)
        Offering.objects.filter(pk=warm.pk).update(capacity=max(warmup, 1))
    return Stage(
        users=users,
        warmup_users=warmup_users,
        offering_ids=ids,
        warmup_offering_id=warm.pk,
        connection_ids=connection_ids,
    )


# --------------------------------------------------------------------------------------------------
# Processes: the peer, the workers, the broker


@contextlib.contextmanager
def sync_workers(
    *,
    workers: int,
    concurrency: int,
    queue_name: str,
    redis_url: str,
    log_level: str = "WARNING",
    sync_config: dict | None = None,
) -> Iterator[list]:
    """``workers`` Celery workers (prefork) on the sync queue, with production settings on loopback and the
    sync's tunables ``sync_config`` (``BENCH_OOAPI_SYNC``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.bench",
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
        BENCH_OOAPI_SYNC=json.dumps(sync_config or {}),
    )
    started: list[tuple[subprocess.Popen, str]] = []
    try:
        for index in range(workers):
            log = tempfile.NamedTemporaryFile("w+", prefix=f"bench-sync-worker{index}-", suffix=".log", delete=False)  # noqa: SIM115
            command = [
                str(CELERY), "-A", "portal", "worker", "--pool", "prefork", "--concurrency", str(concurrency),
                "-Q", queue_name, "--include", "ooapi.sync.tasks", "--hostname", f"bench-sync-{index}@%h",
                "--prefetch-multiplier", "1", "--without-heartbeat", "--without-gossip", "--without-mingle",
                "--loglevel", log_level,
            ]  # fmt: skip
            process = subprocess.Popen(  # noqa: S603 (our own celery and arguments)
                command,
                cwd=Path(settings.BASE_DIR),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            started.append((process, log.name))
        yield started
    finally:
        for process, _log in started:
            stop_process_group(process, timeout=10)


@contextlib.contextmanager
def broker(url: str, *, sync_queue: str, sync_config: dict | None = None) -> Iterator[None]:
    """This process's Celery app sends to ``url`` (never eagerly) for the duration of the run, and the sync's
    tasks to ``sync_queue`` (the workers' tasks follow the queue they came from, ``task_queue``), so the
    benchmark's workers run the sync and nothing else: notifications stay queued, unconsumed. Its cache is
    the workers' too (``url``): the mark that coalesces delivery tasks lives there."""
    app = current_app._get_current_object()
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    environ = os.environ.pop("CELERY_BROKER_URL", None)  # Celery prefers it to its configuration

    def reset():
        app._pool = None
        with contextlib.suppress(AttributeError, KeyError):
            app.__dict__["amqp"]._producer_pool = None

    app.conf.broker_url, app.conf.task_always_eager = url, False
    reset()
    sync = {**(getattr(settings, "OOAPI_SYNC", None) or {}), **(sync_config or {}), "queue": sync_queue}
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    try:
        with override_settings(OOAPI_SYNC=sync, CACHES=caches):
            yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous
        if environ is not None:
            os.environ["CELERY_BROKER_URL"] = environ
        reset()


def redis_flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


@contextlib.contextmanager
def beat_stand_in(queue_name: str, every: float = SWEEP_EVERY_SECONDS) -> Iterator[None]:
    """Queue the outbox sweep every ``every`` seconds, as beat does in production."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            with contextlib.suppress(Exception):
                sweep_outbox.apply_async(queue=queue_name, expires=every * 2)

    thread = threading.Thread(target=loop, name="beat-stand-in", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


# --------------------------------------------------------------------------------------------------
# The run


MONITOR_PERIOD = 0.2  # seconds between counts of the registered requests, which free the window's slots


def _registered(offering_ids: list[int]) -> int:
    return EnrolmentRequest.objects.filter(offering_id__in=offering_ids, status=Status.REGISTERED).count()


def _drive(
    *, users: list[User], offering_ids: list[int], submitters: int, window: int, deadline: float
) -> dict[str, int]:
    """Submit every user's request, at most ``window`` in flight; wait until all are registered."""
    work: queue.Queue[tuple[User, int] | None] = queue.Queue()
    for index, user in enumerate(users):
        work.put((user, offering_ids[index % len(offering_ids)]))
    state = {"submitted": 0, "registered": 0, "errors": 0}
    lock = threading.Lock()
    slots = threading.Semaphore(window)
    done = threading.Event()

    def submitter() -> None:
        try:
            while time.monotonic() < deadline:
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    return
                while not slots.acquire(timeout=0.5):
                    if time.monotonic() > deadline:
                        return
                user, offering_id = item
                try:
                    request_submit(user=user, offering_id=offering_id)
                    with lock:
                        state["submitted"] += 1
                except Exception:  # reported as an error count; the run goes on
                    logging.getLogger(__name__).exception("submit failed")
                    slots.release()
                    with lock:
                        state["errors"] += 1
        finally:
            connections.close_all()

    def monitor() -> None:
        try:
            seen = 0
            while not done.is_set() and time.monotonic() < deadline:
                registered = _registered(offering_ids)
                for _ in range(registered - seen):
                    slots.release()
                seen = registered
                with lock:
                    state["registered"] = registered
                    if registered + state["errors"] >= len(users):
                        return
                # Every 0.2 s: counting grows with the registrations (8 ms of the database's time at 10,000),
                # which at every 50 ms came to an estimated 3 ms of database CPU per association.
                time.sleep(MONITOR_PERIOD)
        finally:
            close_old_connections()
            connections.close_all()

    watcher = threading.Thread(target=monitor, name="sync-monitor")
    threads = [threading.Thread(target=submitter, name=f"sync-submitter-{k}") for k in range(submitters)]
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    watcher.join()
    done.set()
    return state


def _latencies(offering_ids: list[int]) -> tuple[list[float], float]:
    """Seconds from submission to registration per request, and the span from the first submission to the
    last registration."""
    rows = list(
        RequestEvent.objects.filter(request__offering_id__in=offering_ids, to_status=Status.REGISTERED).values_list(
            "at", "request__submitted_at"
        )
    )
    if not rows:
        return [], 0.0
    latencies = [(at - submitted).total_seconds() for at, submitted in rows]
    first = EnrolmentRequest.objects.filter(offering_id__in=offering_ids).order_by("submitted_at").first()
    span = (max(at for at, _ in rows) - first.submitted_at).total_seconds()
    return latencies, span


def _peer_control(base_url: str, method: str, path: str, body: dict | None = None) -> dict:
    with httpx.Client(trust_env=False, timeout=30) as client:
        response = client.request(method, f"{base_url}/_peer/{path}", json=body)
        response.raise_for_status()
        return response.json()


# --------------------------------------------------------------------------------------------------
# The floor: the same calls, bare httpx


@dataclass
class FloorResult:
    elapsed_s: float
    latencies_ms: list[float]
    errors: int


async def _floor(*, base_url: str, associations: int, concurrency: int, body: dict) -> FloorResult:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    errors = 0
    counter = iter(range(associations))

    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30, limits=limits) as client:

        async def one() -> None:
            nonlocal errors
            headers = {"Accept": "application/json", "Idempotency-Key": str(uuid.uuid4())}
            started = time.perf_counter()
            try:
                person = await client.get("/persons/me", params={"consumer": "eduxchange"}, headers=headers)
                person.raise_for_status()
                person.json()
                created = await client.post("/associations/external/me", json=body, headers=headers)
                created.raise_for_status()
                association_id = created.json()["associationId"]
                patched = await client.patch(
                    f"/associations/{association_id}",
                    content=json.dumps({"remoteState": "associated"}),
                    headers={**headers, "Content-Type": "application/merge-patch+json"},
                )
                patched.raise_for_status()
                patched.json()
            except (httpx.HTTPError, KeyError, ValueError):
                errors += 1
                return
            latencies.append((time.perf_counter() - started) * 1000)

        async def loop() -> None:
            for _ in counter:
                await one()

        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return FloorResult(elapsed_s=elapsed, latencies_ms=latencies, errors=errors)


# --------------------------------------------------------------------------------------------------


def measure(
    *,
    associations: int,
    workers: int = 2,
    concurrency: int = 4,
    submitters: int = 4,
    window: int = 32,
    homes: int = 4,
    offerings: int = 20,
    peer_latency_ms: int = 0,
    warmup: int = 32,
    timeout: float = 3600,
    redis_url: str = DEFAULT_REDIS_URL,
    worker_log_level: str = "WARNING",
    batch_size: int = 32,
    batch_concurrency: int = 2,
) -> dict:
    """Set up, run, measure and count in the current default database; one result dict (module doc)."""
    sync_config = {"batch_size": batch_size, "batch_concurrency": batch_concurrency}
    require_postgresql()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    queue_name = SyncConfig.load().queue or SYNC_QUEUE
    stage = stage_sync(associations=associations, homes=homes, offerings=offerings, warmup=warmup)
    redis_flush(redis_url)
    started_at = time.monotonic()
    deadline = started_at + timeout
    with (
        reference_peer(offerings=200) as (peer_url, peer_pid),
        broker(redis_url, sync_queue=queue_name, sync_config=sync_config),
        sync_workers(
            workers=workers,
            concurrency=concurrency,
            queue_name=queue_name,
            redis_url=redis_url,
            log_level=worker_log_level,
            sync_config=sync_config,
        ) as procs,
        beat_stand_in(queue_name),
    ):
        Connection.objects.filter(pk__in=stage.connection_ids).update(base_url=peer_url)
        if peer_latency_ms:
            _peer_control(peer_url, "PUT", "faults", {"latency_ms": peer_latency_ms})
        # Warm-up: every worker process forks, imports, connects; not measured.
        if warmup:
            _drive(
                users=stage.warmup_users[:warmup],
                offering_ids=[stage.warmup_offering_id],
                submitters=submitters,
                window=window,
                deadline=min(deadline, time.monotonic() + 120),
            )
            if _registered([stage.warmup_offering_id]) < warmup:
                logs = "\n".join(Path(log).read_text()[-3000:] for _p, log in procs)
                raise CommandError(f"the warm-up did not complete; worker logs:\n{logs}")
        peer_before = _peer_control(peer_url, "GET", "state")["associations"]["count"]
        run_started = time.monotonic()
        # Where the CPU goes: the workers, this process (the submitting threads, and the monitor counting
        # registrations every 0.2 s), the database and the peer. Redis is not counted.
        sync_parts = {
            "workers": ProcessGroups(tuple(process.pid for process, _log in procs)),
            "submitters": ThisProcess(),
            "database": Backends(connection.settings_dict["NAME"]),
            "peer": ProcessGroups((peer_pid,)),
        }
        with CpuMeter(sync_parts) as sync_cpu:
            state = _drive(
                users=stage.users,
                offering_ids=stage.offering_ids,
                submitters=submitters,
                window=window,
                deadline=deadline,
            )
        run_s = time.monotonic() - run_started
        peer_after = _peer_control(peer_url, "GET", "state")["associations"]["count"]
        outbox = Counter(
            OutboxMessage.objects.filter(request__offering_id__in=stage.offering_ids).values_list("status", flat=True)
        )
        body = (
            OutboxMessage.objects.filter(request__offering_id__in=stage.offering_ids, kind=sync_services.HOME_ASSOCIATE)
            .values_list("payload", flat=True)
            .first()
            or {}
        ).get("body", {})
        latencies, span = _latencies(stage.offering_ids)

        # The floor against the same peer, emptied first (as the sync run found it).
        _peer_control(peer_url, "POST", "reset")
        if peer_latency_ms:
            _peer_control(peer_url, "PUT", "faults", {"latency_ms": peer_latency_ms})
        # As many loops as the sync may have calls in flight: each association has at most one call out at
        # a time, at most ``window`` associations are in flight, and every process at most
        # ``batch_concurrency`` calls.
        slots = min(window, workers * concurrency * batch_concurrency)
        with CpuMeter({"client": ThisProcess(thread_only=True), "peer": ProcessGroups((peer_pid,))}) as floor_cpu:
            floor = asyncio.run(_floor(base_url=peer_url, associations=associations, concurrency=slots, body=body))
        worker_logs = [log for _process, log in procs]

    registered = len(latencies)
    sync_rate = registered / span if span else 0.0
    floor_rate = len(floor.latencies_ms) / floor.elapsed_s if floor.elapsed_s else 0.0
    statuses = Counter(
        EnrolmentRequest.objects.filter(offering_id__in=stage.offering_ids).values_list("status", flat=True)
    )
    return {
        "scenario": "sync",
        "associations": associations,
        "registered": registered,
        "associations_per_s": round(sync_rate, 1),
        "p50_s": round(percentile(latencies, 50), 3) if latencies else None,
        "p95_s": round(percentile(latencies, 95), 3) if latencies else None,
        "max_s": round(max(latencies), 3) if latencies else None,
        "run_s": round(run_s, 1),
        "submit_errors": state["errors"],
        "request_states": dict(sorted(statuses.items())),
        "outbox": dict(sorted(outbox.items())),
        "dead_letters": outbox.get(OutboxMessage.Status.DEAD, 0),
        "peer_associations": peer_after - peer_before,
        "exactly_one_association": peer_after - peer_before == state["submitted"],
        "calls_per_association": {"GET /persons/me": 1, "POST /associations/external/me": 1, "PATCH": 1},
        "floor_associations_per_s": round(floor_rate, 1),
        "floor_p50_ms": round(percentile(floor.latencies_ms, 50), 1) if floor.latencies_ms else None,
        "floor_p95_ms": round(percentile(floor.latencies_ms, 95), 1) if floor.latencies_ms else None,
        "floor_errors": floor.errors,
        "floor_s": round(floor.elapsed_s, 2),
        "ratio": round(sync_rate / floor_rate, 3) if floor_rate else None,
        # CPU time per association; the rates are bounded by what two cores allow at these costs.
        "cpu_ms_per_association": sync_cpu.per(state["submitted"]),
        "floor_cpu_ms_per_association": floor_cpu.per(len(floor.latencies_ms)),
        "cpu_bound_associations_per_s": sync_cpu.bound_rate(state["submitted"]),
        "floor_cpu_bound_associations_per_s": floor_cpu.bound_rate(len(floor.latencies_ms)),
        "concurrency": {
            "workers": workers,
            "processes_per_worker": concurrency,
            "batch_concurrency": batch_concurrency,
            "batch_size": batch_size,
            "calls_in_flight_max": slots,
        },
        "submitters": submitters,
        "window": window,
        "homes": homes,
        "offerings": offerings,
        "peer_latency_ms": peer_latency_ms,
        "worker_logs": worker_logs,
        "cpus": os.cpu_count(),
    }
