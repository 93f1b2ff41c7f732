"""The outbox's rules without a worker: written in the enrolment transaction (or not at all), the backoff
and the circuit breaker's states, the result as an OOAPI CourseResult, and the status page with its
permissions and retry button."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from enrolment.models import EnrolmentRequest, Status
from enrolment.services.requests import request_submit
from institutions.models import Institution
from ooapi.models import Connection, OutboxMessage
from ooapi.sync import circuit, dispatcher, outbox, services
from ooapi.sync.conf import SyncConfig
from tests.factories import StudentProfileFactory, UserFactory

Circuit = Connection.Circuit


def test_the_message_is_written_in_the_enrolment_transaction_or_not_at_all(connected_zone, settings):
    zone = connected_zone
    settings.OOAPI_SYNC = {"queue": "ooapi_sync_unit"}

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        request_submit(user=zone.students[1].user, offering_id=zone.offering.pk)
        assert OutboxMessage.objects.count() == 1  # inside the transaction: there
        raise Abort
    assert not OutboxMessage.objects.exists()  # rolled back with the request
    assert not EnrolmentRequest.objects.exists()

    request = request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
    (message,) = OutboxMessage.objects.all()
    assert message.kind == services.HOME_ASSOCIATE and message.status == OutboxMessage.Status.PENDING
    assert message.request == request and message.connection == zone.connection
    assert message.enqueued_at is not None and message.next_attempt_at <= timezone.now()
    body = message.payload["body"]
    assert body["remoteState"] == "pending" and body["role"] == "student"
    assert body["ext"]["flexportal"] == {
        "requestId": str(request.public_id),
        "studentNumber": zone.students[0].student_number,
    }
    # The home decides: no decision deadline in the portal, the request waits.
    assert request.status == Status.SUBMITTED and request.decision_due_at is None


def test_a_portal_managed_home_writes_nothing(connected_zone):
    zone = connected_zone
    Institution.objects.filter(pk=zone.home.pk).update(integration=Institution.Integration.PORTAL_MANAGED)
    request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
    assert not OutboxMessage.objects.exists()


def test_a_connected_home_without_a_configured_endpoint_is_decided_in_the_portal(connected_zone):
    zone = connected_zone
    Connection.objects.all().delete()
    request = request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
    assert not OutboxMessage.objects.exists()
    assert request.decision_due_at is not None  # the portal's own approval clock runs


def test_backoff_is_exponential_with_jitter_and_a_cap():
    conf = SyncConfig(backoff_base_seconds=5, backoff_max_seconds=1800)
    for attempt, ceiling in ((1, 5), (2, 10), (3, 20), (8, 640), (9, 1280), (10, 1800), (30, 1800)):
        delays = [dispatcher.backoff_delay(attempt, conf) for _ in range(200)]
        assert all(ceiling * 0.5 <= d <= ceiling for d in delays), (attempt, min(delays), max(delays))
        assert len(set(delays)) > 100  # jittered


def test_unknown_settings_are_refused(settings):
    settings.OOAPI_SYNC = {"max_atempts": 3}
    with pytest.raises(ValueError, match="max_atempts"):
        SyncConfig.load()


def test_the_circuit_opens_at_the_threshold_lets_one_trial_through_and_closes(connected_zone):
    connection = connected_zone.connection
    conf = SyncConfig(breaker_threshold=3, breaker_cooldown_seconds=60)
    now = timezone.now()
    for _ in range(2):
        assert circuit.circuit_failure(connection=connection, reason="x", conf=conf, trial=False) == Circuit.CLOSED
    assert circuit.circuit_admit(connection=connection, conf=conf).allowed
    assert circuit.circuit_failure(connection=connection, reason="down", conf=conf, trial=False) == Circuit.OPEN
    connection.refresh_from_db()
    assert connection.consecutive_failures == 3 and connection.last_error == "down"

    # Open: nobody calls during the cool-down; the message is told when to come back.
    waiting = circuit.circuit_admit(connection=connection, conf=conf, now=now + dt.timedelta(seconds=30))
    assert not waiting.allowed and waiting.retry_at >= connection.circuit_opened_at + dt.timedelta(seconds=60)
    # After it: exactly one trial.
    later = now + dt.timedelta(seconds=61)
    trial = circuit.circuit_admit(connection=connection, conf=conf, now=later)
    assert trial.allowed and trial.trial
    assert not circuit.circuit_admit(connection=connection, conf=conf, now=later).allowed
    # A failed trial opens it again for another cool-down.
    assert circuit.circuit_failure(connection=connection, reason="still down", conf=conf, trial=True) == Circuit.OPEN
    assert not circuit.circuit_admit(connection=connection, conf=conf).allowed
    # A successful one closes it, and says so (the waiting messages are then woken).
    connection.refresh_from_db()
    trial = circuit.circuit_admit(connection=connection, conf=conf, now=timezone.now() + dt.timedelta(seconds=61))
    assert trial.trial
    assert circuit.circuit_success(connection=connection) is True
    connection.refresh_from_db()
    assert connection.circuit == Circuit.CLOSED and connection.consecutive_failures == 0
    assert connection.last_success_at is not None
    assert circuit.circuit_success(connection=connection) is False


def test_a_trial_whose_worker_died_is_taken_over(connected_zone):
    connection = connected_zone.connection
    conf = SyncConfig(breaker_cooldown_seconds=1)
    started = timezone.now() - dt.timedelta(hours=1)
    Connection.objects.filter(pk=connection.pk).update(circuit=Circuit.HALF_OPEN, circuit_opened_at=started)
    assert circuit.circuit_admit(connection=connection, conf=conf).trial


def test_the_result_becomes_an_ooapi_course_result(connected_zone):
    zone = connected_zone
    request = request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
    result = services.course_result(request, {"grade": 7, "passed": False, "date": "2027-04-20"})
    assert result == {
        "state": "completed",
        "pass": "failed",
        "score": "7",
        "resultDate": "2027-04-20",
        "studyLoad": {"studyLoadUnit": "ects", "value": 5.0},
    }
    assert services.course_result(request, {})["pass"] == "unknown"


# The status page ------------------------------------------------------------------------------------------


def _dead_letter(zone, **fields) -> OutboxMessage:
    request = request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
    message = OutboxMessage.objects.get(request=request)
    values = {
        "status": OutboxMessage.Status.DEAD,
        "attempts": 12,
        "dead_at": timezone.now(),
        "last_error": "ooapi_server_error: HTTP 500",
        "enqueued_at": None,
        **fields,
    }
    OutboxMessage.objects.filter(pk=message.pk).update(**values)
    message.refresh_from_db()
    return message


@pytest.mark.urls("tests.ooapi_sync.urls")
def test_the_status_page_shows_each_institution_to_its_staff(connected_zone, client):
    zone = connected_zone
    message = _dead_letter(zone)
    request_submit(user=zone.students[1].user, offering_id=zone.offering.pk)  # one pending
    Connection.objects.filter(pk=zone.connection.pk).update(
        circuit=Circuit.OPEN, circuit_opened_at=timezone.now(), consecutive_failures=5, last_error="ooapi_unreachable"
    )

    assert client.get("/ooapi/connections/").status_code == 302  # log in first
    client.force_login(zone.students[0].user)
    assert client.get("/ooapi/connections/").status_code == 403  # students do not see it

    client.force_login(zone.home_staff)
    overview = client.get("/ooapi/connections/").content.decode()
    assert f'data-connection="{zone.connection.pk}" data-circuit="open"' in overview
    assert 'data-pending="1"' in overview and 'data-dead="1"' in overview
    assert "ooapi_unreachable" in overview
    detail = client.get(f"/ooapi/connections/{zone.connection.pk}/").content.decode()
    assert f'data-message="{message.pk}"' in detail and "ooapi_server_error: HTTP 500" in detail
    assert f"/ooapi/connections/{zone.connection.pk}/messages/{message.pk}/retry/" in detail

    other = Client()
    other.force_login(zone.other_staff)
    assert f'data-connection="{zone.connection.pk}"' not in other.get("/ooapi/connections/").content.decode()
    assert other.get(f"/ooapi/connections/{zone.connection.pk}/").status_code == 403

    admin = Client()
    admin.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert f'data-connection="{zone.connection.pk}"' in admin.get("/ooapi/connections/").content.decode()


@pytest.mark.urls("tests.ooapi_sync.urls")
def test_the_retry_button(connected_zone, client, django_capture_on_commit_callbacks, settings):
    zone = connected_zone
    settings.OOAPI_SYNC = {"queue": "ooapi_sync_unit"}
    message = _dead_letter(zone)
    url = f"/ooapi/connections/{zone.connection.pk}/messages/{message.pk}/retry/"

    client.force_login(zone.other_staff)
    assert client.post(url).status_code == 403
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD

    client.force_login(zone.home_staff)
    assert client.get(url).status_code == 405  # a retry is a POST
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == f"/ooapi/connections/{zone.connection.pk}/"
    assert len(callbacks) == 1  # the dispatch task, after commit
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING and message.attempts == 0 and message.dead_at is None
    assert message.last_error  # the reason stays visible until the next attempt

    again = client.post(url, follow=True)  # no longer dead: nothing happens, and staff are told
    assert again.status_code == 200
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING


def test_a_student_of_another_home_is_not_synced(connected_zone):
    zone = connected_zone
    stranger = StudentProfileFactory()
    request_submit(user=stranger.user, offering_id=zone.offering.pk)
    assert not OutboxMessage.objects.exists()


def test_a_connected_host_registers_once_its_system_reports_the_association(connected_zone):
    """A connected host is the caller in the eduXchange profile: its system reads the portal's provider and
    reports ``remoteState: associated`` (``AssociationResult``); the beat sweep then registers."""
    from enrolment.models import HomeApprovalPolicy
    from ooapi.models import AssociationResult

    zone = connected_zone
    # This time the home is portal-managed (approving automatically) and the host is connected.
    Institution.objects.filter(pk=zone.home.pk).update(integration=Institution.Integration.PORTAL_MANAGED)
    Institution.objects.filter(pk=zone.host.pk).update(integration=Institution.Integration.CONNECTED)
    HomeApprovalPolicy.objects.create(institution=zone.home, mode=HomeApprovalPolicy.Mode.AUTOMATIC)
    request = request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
    assert request.status == Status.ADMITTED  # waits for the host's system
    assert not OutboxMessage.objects.exists()
    assert services.registrations_confirm_reported() == 0

    AssociationResult.objects.create(request=request, institution=zone.host, remote_state="pending")
    assert services.registrations_confirm_reported() == 0
    AssociationResult.objects.filter(request=request).update(remote_state="associated")
    assert services.registrations_confirm_reported() == 1
    request.refresh_from_db()
    assert request.status == Status.REGISTERED
    assert request.host_registration_ref == str(request.public_id)  # the association id the host knows
    assert services.registrations_confirm_reported() == 0  # idempotent


def test_the_dispatch_queue_is_configured_or_follows_the_task():
    assert outbox.task_queue(SyncConfig(queue="ooapi_sync")) == "ooapi_sync"
    # Outside a task (after a commit in a web request): Celery's default queue. Inside one, that task's
    # queue (the end-to-end tests' workers run that way).
    assert outbox.task_queue(SyncConfig()) is None
