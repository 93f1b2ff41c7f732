"""End to end, issue #4 "Must show": a student of a connected home institution enrols at a host the portal
manages. A real Celery worker and beat (Redis broker, PostgreSQL) talk to the reference peer over real
HTTP: the association reaches the peer, the peer's decision comes back (at once, or after polling), the
request is registered on both sides, and the result returns by PATCH."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from catalogue.models import Offering
from enrolment.models import EnrolmentRequest, RequestEvent, Status
from enrolment.services.requests import request_cancel, request_submit
from ooapi.models import Connection, OutboxMessage
from ooapi.sync import services
from results.services.results import ResultInput, result_record
from tests.ooapi_sync.conftest import fast_config, sync_processes, wait_until

pytest_plugins = ["tests.ooapi_peer.fixtures"]


@pytest.fixture(scope="module")
def processes(django_db_setup, tmp_path_factory):
    """One worker and one beat for the tests of this module (same settings; starting them takes seconds).
    They are idle between tests, when the test database is emptied. Their OOAPI_SYNC names no queue (as in
    a deployment): what they queue follows the queue of the task at hand, the one this test run uses."""
    config = fast_config()
    with sync_processes(tmp_path_factory.mktemp("e2e-sync"), config, follow_queue=True) as started:
        yield started


@pytest.fixture
def sync_config(settings, processes) -> dict:
    settings.OOAPI_SYNC = processes.config
    return processes.config


def _status(request_id: int) -> str:
    return EnrolmentRequest.objects.values_list("status", flat=True).get(pk=request_id)


def _one_association_for(peer, request: EnrolmentRequest) -> dict:
    """The peer holds exactly one association for this request (matched by the portal's reference)."""
    ours = [
        a
        for a in peer.control.associations()["items"]
        if a["request"].get("ext", {}).get("flexportal", {}).get("requestId") == str(request.public_id)
    ]
    assert len(ours) == 1, ours
    return ours[0]


def test_associated_at_once_registered_on_both_sides_and_result_by_patch(sync_zone, sync_config, ooapi_peer, processes):
    zone, peer = sync_zone, ooapi_peer
    student = zone.students[0]
    request = request_submit(user=student.user, offering_id=zone.offering.pk)
    assert request.status == Status.SUBMITTED  # the home decides in its own system
    wait_until(lambda: _status(request.pk) == Status.REGISTERED, what="registered", processes=processes)

    # The peer holds exactly one association, created by POST /associations/external/me with the
    # offering and the portal's remoteState, and later told that the host admitted the student.
    assert peer.control.association_count() == 1
    association = _one_association_for(peer, request)
    assert association["state"] == "associated"
    assert association["remoteState"] == "associated"
    assert association["request"]["remoteState"] == "pending"
    assert association["request"]["offering"]["primaryCode"]["code"]
    assert association["request"]["offering"]["course"]["studyLoad"] == {"studyLoadUnit": "ects", "value": 5.0}
    assert association["request"]["issuer"]["organizationType"] == "root"
    request.refresh_from_db()
    assert request.home_registration_ref == association["associationId"]  # stored on the request
    assert request.host_registration_ref == ""  # the host is the portal itself

    # The home decision is recorded as the home system's, then FCFS admission and registration.
    moves = list(RequestEvent.objects.filter(request=request).values_list("to_status", "actor_role"))
    assert moves == [
        (Status.SUBMITTED, "student"),
        (Status.HOME_APPROVED, "home_system"),
        (Status.ADMITTED, "system"),
        (Status.REGISTERED, "system"),
    ]

    # Identify, associate, update: each call carries its message's idempotency key.
    calls = [(r["method"], r["path"]) for r in peer.control.requests()]
    assert calls == [
        ("GET", "/persons/me"),
        ("POST", "/associations/external/me"),
        ("PATCH", f"/associations/{association['associationId']}"),
    ]
    log = peer.control.requests()
    messages = {m.kind: m for m in OutboxMessage.objects.filter(request=request)}
    associate, state = messages[services.HOME_ASSOCIATE], messages[services.HOME_STATE]
    assert log[0]["idempotencyKey"] == log[1]["idempotencyKey"] == str(associate.idempotency_key)
    assert log[2]["idempotencyKey"] == str(state.idempotency_key)
    assert log[1]["contentType"] == "application/json"
    assert log[2]["contentType"] == "application/merge-patch+json"
    assert {m.status for m in messages.values()} == {OutboxMessage.Status.DELIVERED}

    # The host records the result: it reaches the home's association by PATCH.
    # Time passes: the course has ended, so the host may record its result.
    ended = timezone.localdate() - dt.timedelta(days=2)
    Offering.objects.filter(pk=zone.offering.pk).update(start_date=ended - dt.timedelta(days=60), end_date=ended)
    result = ResultInput(scale="1-10", score="8.5", ec="5", assessed_on=ended.isoformat(), examiner="Dr. Vos")
    result_record(user=zone.host_admissions, request_id=request.pk, data=result)
    sent = wait_until(
        lambda: peer.control.association(association["associationId"])["result"],
        what="the result at the peer",
        processes=processes,
    )
    assert sent == {
        "state": "completed",
        "pass": "passed",
        "score": "8.5",
        "resultDate": ended.isoformat(),
        "studyLoad": {"studyLoadUnit": "ects", "value": 5.0},
        "ext": {"flexportal": {"scale": "1-10", "examiner": "Dr. Vos"}},
    }
    patches = [r for r in peer.control.requests() if r["method"] == "PATCH"]
    assert len(patches) == 2 and patches[-1]["contentType"] == "application/merge-patch+json"
    processes.alive()

    assert peer.control.association_count() == 1
    connection = Connection.objects.get(pk=zone.connection.pk)
    assert connection.last_success_at is not None
    assert connection.circuit == Connection.Circuit.CLOSED
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.DELIVERED).exists()


def test_pending_is_polled_until_the_home_decides(sync_zone, sync_config, ooapi_peer, processes):
    """pending → the beat polls GET /associations/{id} (every poll_interval_seconds) → the home's staff
    decide (the peer's control API) → the answer applies: approved and registered, or denied."""
    zone, peer = sync_zone, ooapi_peer
    peer.control.decision("pending")
    approved_student, denied_student = zone.students[0], zone.students[1]
    approved = request_submit(user=approved_student.user, offering_id=zone.offering.pk)
    denied = request_submit(user=denied_student.user, offering_id=zone.offering.pk)
    wait_until(lambda: peer.control.association_count() == 2, what="two associations", processes=processes)

    def polled_twice():
        return len([r for r in peer.control.requests() if r["method"] == "GET" and "/associations/" in r["path"]]) >= 4

    wait_until(polled_twice, what="polls", processes=processes)
    assert _status(approved.pk) == _status(denied.pk) == Status.SUBMITTED  # still waiting for home
    approved.refresh_from_db()
    denied.refresh_from_db()
    assert approved.home_registration_ref and denied.home_registration_ref
    poll = OutboxMessage.objects.get(request=approved, kind=services.HOME_POLL)
    assert poll.status == OutboxMessage.Status.PENDING and poll.response["state"] == "pending"
    assert poll.attempts == 0, poll.last_error  # a "still pending" answer is a success, not a failed attempt

    peer.control.decide(approved.home_registration_ref, "associated")
    peer.control.decide(denied.home_registration_ref, "denied")
    wait_until(lambda: _status(approved.pk) == Status.REGISTERED, what="registered", processes=processes)
    wait_until(lambda: _status(denied.pk) == Status.HOME_DENIED, what="home denied", processes=processes)

    _one_association_for(peer, approved)
    _one_association_for(peer, denied)
    assert peer.control.association_count() == 2
    assert peer.control.association(approved.home_registration_ref)["remoteState"] == "associated"
    # Polling stopped with the decision.
    assert set(OutboxMessage.objects.filter(kind=services.HOME_POLL).values_list("status", flat=True)) == {
        OutboxMessage.Status.DELIVERED
    }
    # Polls respected poll_interval_seconds (1 s): never two polls of one association within ~1 s.
    for reference in (approved.home_registration_ref, denied.home_registration_ref):
        times = [
            r["at"]
            for r in peer.control.requests()
            if r["path"] == f"/associations/{reference}" and r["method"] == "GET"
        ]
        assert all(later - earlier >= 0.9 for earlier, later in zip(times, times[1:], strict=False)), times


def test_a_cancel_reaches_the_home_in_order(sync_zone, sync_config, ooapi_peer, processes):
    """The student cancels while the home still decides: PATCH remoteState canceled, after the POST that
    created the association (never before it), and polling stops."""
    zone, peer = sync_zone, ooapi_peer
    peer.control.decision("pending")
    # The POST is slow (within the read timeout): the cancel is written while the association does not
    # exist yet.
    Connection.objects.filter(pk=zone.connection.pk).update(read_timeout=4.0)
    peer.control.faults(latency_ms=1500, path_prefix="/associations/external", method="POST")
    student = zone.students[0]
    request = request_submit(user=student.user, offering_id=zone.offering.pk)
    wait_until(
        lambda: any(r["path"] == "/persons/me" for r in peer.control.requests()), what="dispatch", processes=processes
    )
    request_cancel(user=student.user, request_id=request.pk)
    assert not peer.control.association_count()  # the cancel is written before the association exists
    wait_until(
        lambda: peer.control.association_count(state="canceled") == 1, what="canceled at home", processes=processes
    )
    association = _one_association_for(peer, request)
    assert association["remoteState"] == "canceled"
    assert [h["by"] for h in association["history"]] == ["post", "patch"]
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    kinds = list(OutboxMessage.objects.filter(request=request).order_by("pk").values_list("kind", "status"))
    assert kinds[0] == (services.HOME_ASSOCIATE, OutboxMessage.Status.DELIVERED)
    assert (services.HOME_STATE, OutboxMessage.Status.DELIVERED) in kinds
