"""Fault tests, issue #4 "Must show": each on a real Celery worker, the reference peer over real HTTP, and
each asserting exactly one association per request at the peer.

- the worker killed with SIGKILL in the middle of a dispatch: the broker redelivers the task (acks_late),
  the call is repeated with the same idempotency key;
- the peer down for a while: the circuit opens (no hammering, no attempts used up), and everything is
  delivered once it is back;
- the peer answering 500, hanging, sending garbage or dropping the connection: backoff, then a dead letter
  after the ceiling, the worker alive; staff retry it from the status page;
- a Redis restart that loses queued tasks: the outbox sweep re-dispatches them.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from celery import current_app
from django.test import Client

from enrolment.models import EnrolmentRequest, RequestEvent, Status
from enrolment.services.requests import request_submit
from institutions.models import Institution
from ooapi.models import Connection, OutboxMessage
from ooapi.sync import services
from tests.factories import InstitutionFactory, StudentProfileFactory
from tests.ooapi_sync.conftest import sync_processes, wait_until

pytest_plugins = ["tests.ooapi_peer.fixtures"]

Dead, Pending, Delivered = OutboxMessage.Status.DEAD, OutboxMessage.Status.PENDING, OutboxMessage.Status.DELIVERED


def _status(request: EnrolmentRequest) -> str:
    return EnrolmentRequest.objects.values_list("status", flat=True).get(pk=request.pk)


def _associations_per_request(peer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for association in peer.control.associations()["items"]:
        key = association["request"]["ext"]["flexportal"]["requestId"]
        counts[key] = counts.get(key, 0) + 1
    return counts


def _posts(peer) -> list[dict]:
    return [r for r in peer.control.requests() if r["method"] == "POST"]


def test_worker_killed_mid_dispatch_the_task_is_redelivered(sync_zone, sync_config, ooapi_peer, tmp_path):
    """SIGKILL while the POST is in flight: the association is created at the peer but its answer never
    arrives. The broker still holds the unacknowledged task (acks_late) and hands it to the next worker,
    which repeats the call with the same Idempotency-Key: the peer returns the same association."""
    zone, peer = sync_zone, ooapi_peer
    Connection.objects.filter(pk=zone.connection.pk).update(read_timeout=5.0)
    peer.control.faults(latency_ms=3000, path_prefix="/associations/external", method="POST")
    # A broker of this test's own: its short visibility timeout (the time after which Redis hands an
    # unacknowledged task to another worker) must not touch anyone else's tasks. No beat: the redelivery
    # must come from the broker, not from the outbox sweep.
    private = PrivateRedis(tmp_path)
    private.start()
    env = {"CELERY_BROKER_URL": private.url, "OOAPI_SYNC_TEST_VISIBILITY_TIMEOUT": "3"}
    try:
        with broker(private.url):
            with sync_processes(tmp_path, sync_config, beat=False, extra_env=env, name="killed") as first:
                request = request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
                wait_until(lambda: any(r["path"] == "/persons/me" for r in peer.control.requests()), what="dispatch")
                time.sleep(1)  # the POST is now waiting in the peer's latency
                os.kill(first.worker.pid, signal.SIGKILL)
                first.worker.wait(timeout=5)
            assert first.worker.returncode == -signal.SIGKILL
            # The peer finishes the call the dead worker made: the association exists, the portal does not
            # know it.
            wait_until(lambda: peer.control.association_count() == 1, what="the association at the peer")
            message = OutboxMessage.objects.get(request=request, kind=services.HOME_ASSOCIATE)
            assert message.status == Pending and message.attempts == 0  # its transaction died with the worker
            assert _status(request) == Status.SUBMITTED
            assert redis.Redis.from_url(private.url).hlen("unacked") == 1  # the task, still unacknowledged
            peer.control.clear_faults()

            with sync_processes(tmp_path, sync_config, beat=False, extra_env=env, name="second") as second:
                wait_until(lambda: _status(request) == Status.REGISTERED, what="registered", processes=second)
                assert f"deliver_batch[{_task_id(tmp_path / 'killed.log')}] received" in second.worker_log.read_text()
    finally:
        private.stop()

    assert peer.control.association_count() == 1
    posts = _posts(peer)
    assert len(posts) == 2 and posts[0]["idempotencyKey"] == posts[1]["idempotencyKey"] == str(message.idempotency_key)
    (association,) = peer.control.associations()["items"]
    assert association["replays"] == 1  # the second POST was answered from the idempotency record
    request.refresh_from_db()
    assert request.home_registration_ref == association["associationId"]


def test_worker_killed_mid_batch_loses_and_duplicates_nothing_and_the_batch_is_decided_once(
    sync_zone, sync_config, ooapi_peer, tmp_path
):
    """Five requests wait before any worker runs: their rows queue one delivery task (coalesced), and one
    round claims all five and has their POSTs in flight at once. SIGKILL then: the peer creates the five
    associations, the portal records nothing (the round's transaction dies with the worker). The broker
    hands the same task to the next worker, which repeats the five calls with the same keys and decides the
    round once: one association per request, each answer applied once (one home approval, one admission,
    one registration, one ``home_state`` message per request)."""
    zone, peer = sync_zone, ooapi_peer
    Connection.objects.filter(pk=zone.connection.pk).update(read_timeout=5.0)
    peer.control.faults(latency_ms=3000, path_prefix="/associations/external", method="POST")
    private = PrivateRedis(tmp_path)
    private.start()
    env = {"CELERY_BROKER_URL": private.url, "OOAPI_SYNC_TEST_VISIBILITY_TIMEOUT": "3"}
    try:
        with broker(private.url):
            requests = [request_submit(user=s.user, offering_id=zone.offering.pk) for s in zone.students]
            queue = redis.Redis.from_url(private.url)
            assert _dispatches_queued(queue, sync_config["queue"]) == 1  # five rows, one task
            with sync_processes(tmp_path, sync_config, beat=False, extra_env=env, name="killed") as first:
                wait_until(lambda: len(_posts_started(peer)) == 5, what="five POSTs in flight", processes=first)
                time.sleep(1)  # the five POSTs are now waiting in the peer's latency, at once
                os.kill(first.worker.pid, signal.SIGKILL)
                first.worker.wait(timeout=5)
            assert first.worker.returncode == -signal.SIGKILL
            wait_until(lambda: peer.control.association_count() == 5, what="the associations at the peer")
            messages = OutboxMessage.objects.filter(request__in=requests)
            assert {(m.kind, m.status, m.attempts) for m in messages} == {(services.HOME_ASSOCIATE, Pending, 0)}
            assert {_status(r) for r in requests} == {Status.SUBMITTED}
            assert queue.hlen("unacked") == 1
            peer.control.clear_faults()

            with sync_processes(tmp_path, sync_config, beat=False, extra_env=env, name="second") as second:
                for request in requests:
                    wait_until(lambda r=request: _status(r) == Status.REGISTERED, what="registered", processes=second)
                killed_task = _task_id(tmp_path / "killed.log")
                assert f"deliver_batch[{killed_task}] received" in second.worker_log.read_text()
    finally:
        private.stop()

    assert _associations_per_request(peer) == {str(r.public_id): 1 for r in requests}
    posts = _posts(peer)
    assert len(posts) == 10
    keys = {str(m.idempotency_key) for m in OutboxMessage.objects.filter(kind=services.HOME_ASSOCIATE)}
    assert sorted(p["idempotencyKey"] for p in posts) == sorted([*keys, *keys])  # each call twice, one key
    assert {a["replays"] for a in peer.control.associations()["items"]} == {1}
    for request in requests:
        messages = OutboxMessage.objects.filter(request=request)
        assert sorted(messages.values_list("kind", "status", "attempts")) == [
            (services.HOME_ASSOCIATE, Delivered, 0),
            (services.HOME_STATE, Delivered, 0),
        ]
        moves = list(RequestEvent.objects.filter(request=request).values_list("to_status", flat=True))
        assert len(moves) == len(set(moves)), moves  # every step once
        assert Status.REGISTERED in moves
    assert len(_patches(peer)) == 5  # one registration PATCH each


def _posts_started(peer) -> list[dict]:
    """GET /persons/me precedes each POST in the same call sequence: five GETs logged means five POSTs
    started (the peer logs a call when it ends)."""
    return [r for r in peer.control.requests() if r["path"] == "/persons/me"]


def _patches(peer) -> list[dict]:
    return [r for r in peer.control.requests() if r["method"] == "PATCH"]


def _task_id(log: Path) -> str:
    for line in log.read_text().splitlines():
        if "ooapi.sync.tasks.deliver_batch[" in line and "received" in line:
            return line.split("deliver_batch[", 1)[1].split("]", 1)[0]
    raise AssertionError(f"no dispatch in {log}")


def test_peer_down_for_a_while_then_everything_is_delivered(sync_zone, sync_config, ooapi_peer, tmp_path):
    """Connections refused: a few attempts open the circuit; while it is open the messages wait (no
    attempts used, the peer not hammered) apart from one trial call per cool-down. When the peer is back
    the trial succeeds, the circuit closes and everything is delivered, exactly once."""
    zone, peer = sync_zone, ooapi_peer
    sync_config.update(max_attempts=30, breaker_threshold=2, breaker_cooldown_seconds=1.0)
    with sync_processes(tmp_path, sync_config) as processes:
        peer.stop()
        requests = [request_submit(user=s.user, offering_id=zone.offering.pk) for s in zone.students[:4]]
        wait_until(
            lambda: Connection.objects.get(pk=zone.connection.pk).circuit != Connection.Circuit.CLOSED,
            what="the circuit to open",
            processes=processes,
        )
        time.sleep(2)  # down for a while, with the circuit open
        down = Connection.objects.get(pk=zone.connection.pk)
        assert down.last_error.startswith("ooapi_unreachable")
        attempts = sum(OutboxMessage.objects.values_list("attempts", flat=True))
        # Threshold (2) failures, then one trial per second of cool-down: not one call per message per retry.
        assert attempts <= 2 + 6, attempts
        assert not OutboxMessage.objects.filter(status=Dead).exists()
        peer.start()
        for request in requests:
            wait_until(lambda r=request: _status(r) == Status.REGISTERED, what="registered", processes=processes)
    assert _associations_per_request(peer) == {str(r.public_id): 1 for r in requests}
    connection = Connection.objects.get(pk=zone.connection.pk)
    assert connection.circuit == Connection.Circuit.CLOSED and connection.consecutive_failures == 0
    assert connection.last_success_at > down.last_error_at
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Delivered}


FAULTS = [
    # POST answered 500 (nothing created).
    ({"error_rate": 1.0, "error_status": 500}, "ooapi_server_error"),
    # No answer within the read timeout (1 s); the peer holds the request a little longer, then hangs up.
    ({"hang_rate": 1.0, "hang_seconds": 1.3}, "ooapi_timeout"),
    # The association is created, then the answer is truncated JSON.
    ({"malformed_rate": 1.0, "phase": "after"}, "ooapi_invalid_json"),
]


@pytest.mark.urls("tests.ooapi_sync.urls")
def test_a_peer_answering_500_hanging_or_garbage_ends_in_dead_letters_that_staff_retry(
    sync_zone, sync_config, ooapi_peer, tmp_path
):
    """One request per fault. Each POST is retried with backoff under its one idempotency key, becomes a
    dead letter after the ceiling (3 attempts here), and the peer hears nothing more of it. The worker
    lives through all of it. Staff see the dead letters with their reasons and retry them once the peer is
    fixed: each request then has exactly one association."""
    zone, peer = sync_zone, ooapi_peer
    sync_config.update(breaker_threshold=100)  # about backoff and the ceiling, not the circuit
    dead: list[tuple[EnrolmentRequest, OutboxMessage, str]] = []
    with sync_processes(tmp_path, sync_config) as processes:
        for student, (faults, code) in zip(zone.students, FAULTS, strict=False):
            peer.control.set_faults(path_prefix="/associations/external", method="POST", **faults)
            before = len(_posts(peer))
            request = request_submit(user=student.user, offering_id=zone.offering.pk)
            message = wait_until(
                lambda r=request: OutboxMessage.objects.filter(request=r, status=Dead).first(),
                what=f"a dead letter ({code})",
                processes=processes,
            )
            assert message.attempts == 3
            assert message.last_error.startswith(code), message.last_error
            # (The peer logs a call when it ends: a hanging one a moment later.)
            posts = wait_until(lambda b=before: len(_posts(peer)) == b + 3 and _posts(peer)[b:], what="3 POSTs")
            assert {p["idempotencyKey"] for p in posts} == {str(message.idempotency_key)}
            gaps = [later["at"] - earlier["at"] for earlier, later in zip(posts, posts[1:], strict=False)]
            assert all(gap >= 0.1 for gap in gaps), gaps  # backoff: never retried at once
            assert _status(request) == Status.SUBMITTED
            dead.append((request, message, code))
        time.sleep(1.5)
        assert len(_posts(peer)) == 9  # dead letters are not called again
        assert processes.worker.poll() is None  # the worker survived every fault
        assert "Traceback" not in processes.worker_log.read_text()
        assert peer.control.association_count() <= 1  # only "garbage" created one (its answer was lost)

        # Staff see the dead letters and their reasons on the status page.
        client = Client()
        client.force_login(zone.home_staff)
        html = client.get(f"/ooapi/connections/{zone.connection.pk}/").content.decode()
        assert 'data-dead="3"' in html
        for _request, message, code in dead:
            assert f'data-message="{message.pk}"' in html and code in html
        assert 'data-dead="3"' in client.get("/ooapi/connections/").content.decode()

        # The peer is fixed; staff press Retry.
        peer.control.clear_faults()
        for _request, message, _code in dead:
            retried = client.post(f"/ooapi/connections/{zone.connection.pk}/messages/{message.pk}/retry/")
            assert retried.status_code == 302
        for request, _message, _code in dead:
            wait_until(lambda r=request: _status(r) == Status.REGISTERED, what="registered", processes=processes)
        assert processes.worker.poll() is None

    assert _associations_per_request(peer) == {str(r.public_id): 1 for r, _m, _c in dead}
    assert {m.status for _r, m, _c in dead if not m.refresh_from_db()} == {Delivered}
    garbage_request = dead[2][0]
    garbage_request.refresh_from_db()
    # Three more POSTs under the same key after the one that created it: still one association.
    assert peer.control.association(garbage_request.home_registration_ref)["replays"] == 3


# Redis restart ----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own (never the shared one): no persistence, so a restart loses
    every queued task."""

    def __init__(self, tmp_path: Path):
        self.port = _free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _pings(client), what="redis-server", timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


@contextlib.contextmanager
def broker(url: str):
    """Point this process's Celery app at ``url`` (its connection pools are rebuilt), then back."""
    app = current_app._get_current_object()
    previous = app.conf.broker_url
    # Celery reads CELERY_BROKER_URL from the environment before its configuration: set it too.
    environ = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url

    def reset():
        app._pool = None
        with contextlib.suppress(AttributeError, KeyError):
            app.__dict__["amqp"]._producer_pool = None

    app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        app.conf.broker_url = previous
        if environ is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = environ
        reset()


def test_a_redis_restart_loses_queued_tasks_and_the_sweep_re_dispatches(sync_zone, sync_config, ooapi_peer, tmp_path):
    """Redis restarts (without persistence) while one dispatch runs and another waits in the queue: both
    broker messages are gone. The worker and beat reconnect; the sweep finds the rows that are due but were
    never done and enqueues them again.

    Delivery tasks are per institution, and a running one takes every due message of its institution, so
    the task that waits (and is lost) is another institution's: a second connected home."""
    zone, peer = sync_zone, ooapi_peer
    other_home = InstitutionFactory(code="conn-home-2", integration=Institution.Integration.CONNECTED)
    Connection.objects.create(
        institution=other_home,
        base_url=peer.base_url,
        auth_method=Connection.AuthMethod.NONE,
        consumer_key="eduxchange",
        connect_timeout=1.0,
        read_timeout=1.0,
    )
    other_student = StudentProfileFactory(home_institution=other_home)
    private = PrivateRedis(tmp_path)
    private.start()
    env = {"CELERY_BROKER_URL": private.url}
    try:
        with broker(private.url), sync_processes(tmp_path, sync_config, extra_env=env) as processes:
            first = request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
            wait_until(lambda: _status(first) == Status.REGISTERED, what="the first request", processes=processes)

            # The worker (one process) is busy with a slow POST; the other home's task waits in Redis.
            Connection.objects.filter(pk=zone.connection.pk).update(read_timeout=5.0)
            peer.control.faults(latency_ms=2500, path_prefix="/associations/external", method="POST")
            busy = request_submit(user=zone.students[1].user, offering_id=zone.offering.pk)
            # First request: GET, POST, PATCH. This one's GET is logged; its POST is held by the latency.
            wait_until(lambda: len(peer.control.requests()) == 4, what="the slow POST")
            queued = request_submit(user=other_student.user, offering_id=zone.offering.pk)
            queue = redis.Redis.from_url(private.url)
            assert _dispatches_queued(queue, sync_config["queue"]) >= 1  # the second task waits in Redis

            private.stop()
            private.start()
            assert _dispatches_queued(queue, sync_config["queue"]) == 0  # everything queued is gone
            peer.control.clear_faults()

            for request in (busy, queued):
                wait_until(lambda r=request: _status(r) == Status.REGISTERED, what="registered", processes=processes)
            processes.alive()
            # It was the sweep that sent the lost task again, after the broker came back.
            after = processes.worker_log.read_text().split("Connection to broker lost", 1)[1]
            assert re.search(r"sweep_outbox\[[^\]]+\] succeeded in [0-9.e-]+s: \{'enqueued': [1-9]", after), after
        assert _associations_per_request(peer) == {str(r.public_id): 1 for r in (first, busy, queued)}
    finally:
        private.stop()


def _dispatches_queued(client, name: str) -> int:
    return sum(b"ooapi.sync.tasks.deliver_batch" in body for body in client.lrange(name, 0, -1))
