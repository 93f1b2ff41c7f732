"""Queued admission on a real Celery worker (issue #20): a worker killed with SIGKILL in the middle of a batch
loses and duplicates nothing, and the batch is decided once, by the worker the broker hands the task to next.
The broker is a redis-server of this test's own (``tests.ooapi_sync.test_faults.PrivateRedis``, reused with
its ``broker`` switch), with a short visibility timeout."""

from __future__ import annotations

import os
import signal
import time

import redis
from django.test import override_settings

from enrolment.models import AdmissionBatch, EnrolmentRequest, RequestEvent, Status
from enrolment.services import queue
from tests.factories import StudentProfileFactory
from tests.ooapi_sync.conftest import wait_until
from tests.ooapi_sync.test_faults import PrivateRedis, broker
from tests.workers import celery_worker

SETTINGS = "tests.enrolment.queue_worker_settings"


def _task_id(log) -> str:
    for line in log.read_text().splitlines():
        if "enrolment.tasks.decide_queue[" in line and "received" in line:
            return line.split("decide_queue[", 1)[1].split("]", 1)[0]
    raise AssertionError(f"no decide_queue task in {log}")


@override_settings(ENROLMENT_QUEUED_ADMISSION=True)
def test_worker_killed_mid_batch_loses_and_duplicates_nothing_and_the_batch_is_decided_once(
    transactional_db, zone, auto_approving_home, tmp_path
):
    """Five requests wait in the queue of an offering with two seats before any worker runs: one task
    (coalesced). The first worker writes the batch's moves and audit rows and is killed before it commits;
    PostgreSQL drops the transaction: five drafts as they were, no event, no seat, no batch. The broker hands
    the same task to the second worker, which decides the batch once."""
    offering = zone["offering"]
    students = [*zone["students"], StudentProfileFactory(home_institution=zone["home"])]
    pause = tmp_path / "paused"
    private = PrivateRedis(tmp_path)
    private.start()
    try:
        with broker(private.url):
            recorded = [queue.request_enqueue(user=s.user, offering_id=offering.pk) for s in students]
            client = redis.Redis.from_url(private.url)
            assert client.llen("celery") == 1  # five requests, one task
            env = {"DJANGO_SETTINGS_MODULE": SETTINGS, "CELERY_BROKER_URL": private.url}
            first_log = tmp_path / "killed.log"
            paused_env = {**env, "ENROLMENT_QUEUE_TEST_PAUSE_FILE": str(pause)}
            with celery_worker(first_log, extra_env=paused_env, include="tests.enrolment.queue_worker_pause") as first:
                wait_until(pause.exists, timeout=60, what=f"the batch's moves written\n{first_log.read_text()}")
                assert int(pause.read_text()) > 5  # submitted, approved, placed, registered: written, not committed
                os.kill(first.pid, signal.SIGKILL)
                first.wait(timeout=10)
            assert first.returncode == -signal.SIGKILL
            time.sleep(0.5)
            assert {EnrolmentRequest.objects.get(pk=r.pk).status for r in recorded} == {Status.DRAFT}
            assert not RequestEvent.objects.filter(request__in=recorded).exists()
            assert not AdmissionBatch.objects.exists()
            offering.refresh_from_db()
            assert offering.seats_taken == 0
            assert client.hlen("unacked") == 1

            second_log = tmp_path / "second.log"
            with celery_worker(second_log, extra_env=env):
                wait_until(
                    lambda: not EnrolmentRequest.objects.filter(offering=offering, status=Status.DRAFT).exists(),
                    timeout=60,
                    what=f"the batch decided\n{second_log.read_text() if second_log.exists() else ''}",
                )
                wait_until(lambda: client.hlen("unacked") == 0, timeout=30, what="the task acknowledged")
            assert f"decide_queue[{_task_id(first_log)}] received" in second_log.read_text()
    finally:
        private.stop()

    (batch,) = AdmissionBatch.objects.all()
    assert (batch.first_arrival, batch.last_arrival, batch.size) == (1, 5, 5)
    states = [EnrolmentRequest.objects.get(pk=r.pk).status for r in recorded]
    assert states == [Status.REGISTERED, Status.REGISTERED, *[Status.WAITLISTED] * 3]  # arrival order
    for request in recorded:
        moves = list(RequestEvent.objects.filter(request=request).values_list("to_status", flat=True))
        assert len(moves) == len(set(moves)), moves  # every move once
        assert moves.count(Status.SUBMITTED) == 1
    offering.refresh_from_db()
    assert offering.seats_taken == 2
