"""Retention: the nightly job, run by a real Celery worker on old and new data, removes or pseudonymises what
is past its kind's period and leaves the rest."""

import datetime as dt
import time
import uuid

import pytest
from django.utils import timezone

from accounts.models import RecordRead, StaffRole
from core.models import IdempotencyRecord
from core.privacy import declarations
from enrolment.models import EnrolmentRequest, Status
from notifications.models import Notification
from ooapi.models import Connection, OutboxMessage
from privacy.services import retention_enforce
from privacy.tasks import enforce_retention
from tests.factories import InstitutionFactory, OfferingFactory, StaffRoleFactory, StudentProfileFactory
from tests.workers import celery_worker

DAY = dt.timedelta(days=1)


def _aged(model, pk, **fields):
    model.objects.filter(pk=pk).update(**fields)


@pytest.fixture
def world(settings):
    settings.PRIVACY_RETENTION_DAYS = {
        "notifications": 365,
        "record_reads": 730,
        "idempotency": 1,
        "request_motivations": 730,
        "sync_messages": 180,
    }
    now = timezone.now()
    home, host = InstitutionFactory(), InstitutionFactory()
    student = StudentProfileFactory(home_institution=home)
    user = student.user
    w = {"user": user}
    w["old_note"] = Notification.objects.create(user=user, kind="x.old", source="old").pk
    w["new_note"] = Notification.objects.create(user=user, kind="x.new", source="new").pk
    _aged(Notification, w["old_note"], created_at=now - 366 * DAY)
    _aged(Notification, w["new_note"], created_at=now - 364 * DAY)
    reader = StaffRoleFactory(institution=home, role=StaffRole.Role.HOME_APPROVER).user
    for name, age in (("old_read", 731), ("new_read", 700)):
        w[name] = RecordRead.objects.create(
            student=student, reader=reader, institution=home, role="home_approver", what="request", ref=name
        ).pk
        _aged(RecordRead, w[name], at=now - age * DAY)
    for name, age in (("old_key", dt.timedelta(hours=25)), ("new_key", dt.timedelta(hours=23))):
        w[name] = IdempotencyRecord.objects.create(
            user=user, key=name, fingerprint="f", status_code=201, body={"id": 1}
        ).pk
        _aged(IdempotencyRecord, w[name], created_at=now - age)
    requests = {}
    first = OfferingFactory(institution=host)
    for name, status, age in (
        ("old_done", Status.COMPLETED, 731),
        ("new_done", Status.COMPLETED, 700),
        ("old_running", Status.REGISTERED, 900),
    ):
        offering = OfferingFactory(institution=host, period=first.period, course__institution=host)
        request = EnrolmentRequest.objects.create(
            student=student, offering=offering, home_institution=home, host_institution=host, motivation=name
        )
        _aged(EnrolmentRequest, request.pk, status=status, updated_at=now - age * DAY)
        requests[name] = request.pk
    w.update(requests)
    connection = Connection.objects.create(institution=host, base_url="https://ooapi.host.example/v5")
    for name, status, age in (
        ("old_sent", OutboxMessage.Status.DELIVERED, 181),
        ("new_sent", OutboxMessage.Status.DELIVERED, 179),
        ("old_dead", OutboxMessage.Status.DEAD, 400),
    ):
        message = OutboxMessage.objects.create(
            connection=connection, request_id=requests["old_done"], kind="associate", payload={"name": name}
        )
        _aged(OutboxMessage, message.pk, status=status, delivered_at=now - age * DAY, response={"ok": True})
        w[name] = message.pk
    return w


def _assert_enforced(w):
    assert set(Notification.objects.values_list("pk", flat=True)) == {w["new_note"]}
    assert set(RecordRead.objects.values_list("pk", flat=True)) == {w["new_read"]}
    assert set(IdempotencyRecord.objects.values_list("pk", flat=True)) == {w["new_key"]}
    motivations = dict(EnrolmentRequest.objects.values_list("pk", "motivation"))
    assert motivations == {w["old_done"]: "", w["new_done"]: "new_done", w["old_running"]: "old_running"}
    payloads = {
        pk: (payload, response)
        for pk, payload, response in OutboxMessage.objects.values_list("pk", "payload", "response")
    }
    assert payloads == {
        w["old_sent"]: ({}, None),
        w["new_sent"]: ({"name": "new_sent"}, {"ok": True}),
        w["old_dead"]: ({"name": "old_dead"}, {"ok": True}),  # a dead letter waits for staff, whatever its age
    }


def test_every_retention_names_a_kind_with_a_period_and_a_date_field(settings, db):
    for label, declaration in declarations().items():
        if declaration.retention is None:
            continue
        from django.apps import apps

        model = apps.get_model(label)
        assert declaration.retention.kind in settings.PRIVACY_RETENTION_DAYS, label
        assert model._meta.get_field(declaration.retention.field).get_internal_type() in ("DateTimeField", "DateField")


def test_the_job_removes_what_is_past_its_period_and_keeps_the_rest(db, world):
    touched = retention_enforce()
    _assert_enforced(world)
    assert touched == {
        "notifications.Notification": 1,
        "accounts.RecordRead": 1,
        "core.IdempotencyRecord": 1,
        "enrolment.EnrolmentRequest": 1,
        "ooapi.OutboxMessage": 1,
    }
    assert retention_enforce() == {}  # a second run finds nothing more


def test_a_kind_set_to_zero_is_kept(db, world, settings):
    settings.PRIVACY_RETENTION_DAYS = {**settings.PRIVACY_RETENTION_DAYS, "notifications": 0}
    retention_enforce()
    assert Notification.objects.count() == 2


def test_the_beat_task_runs_in_a_real_worker(transactional_db, world, tmp_path):
    queue = f"retention-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {
        "PRIVACY_RETENTION_DAYS": "notifications=365,record_reads=730,idempotency=1,request_motivations=730,sync_messages=180"
    }
    with celery_worker(log, queues=queue, extra_env=env) as worker:
        enforce_retention.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline and OutboxMessage.objects.filter(pk=world["old_sent"], payload={}).count() == 0
        ):
            assert worker.poll() is None, log.read_text()
            time.sleep(0.2)
    _assert_enforced(world)
