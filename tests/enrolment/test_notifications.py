"""Notifications are sent by a real Celery worker, after commit, never for a rolled-back change, in the
student's language and according to their preferences."""

import time

import pytest
from django.db import transaction

from enrolment.models import EnrolmentRequest
from enrolment.services import messages, requests
from notifications.models import Notification, NotificationPreference
from tests.workers import celery_worker


def _wait_for(predicate, timeout=20.0, process=None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if process is not None and process.poll() is not None:
            raise AssertionError(f"worker exited:\n{log.read_text()}")
        time.sleep(0.2)
    return False


def test_worker_notifies_after_commit_and_never_for_a_rollback(transactional_db, zone, tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    student, offering = zone["student"], zone["offering"]
    student.user.preferred_language = "nl"
    student.user.save()
    rolled_back_student = zone["students"][1]

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        requests.request_submit(user=rolled_back_student.user, offering_id=offering.pk)
        raise Abort  # the submission rolls back: its notification must never be sent
    assert not EnrolmentRequest.objects.filter(student=rolled_back_student).exists()

    # Earlier tests of this run queued notifications for rows that are gone; start from an empty queue so
    # the worker's first task is this test's.
    from portal.celery import app

    app.control.purge()
    log = tmp_path / "worker.log"
    with celery_worker(
        log,
        extra_env={
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
        },
    ) as worker:
        request = requests.request_submit(user=student.user, offering_id=offering.pk)
        assert _wait_for(
            lambda: Notification.objects.filter(
                link=f"/enrolment/requests/{request.public_id}/", emailed_at__isnull=False
            ).exists(),
            process=worker,
            log=log,
        ), log.read_text()
    # The rolled-back submission produced nothing: one notification for the student, one for the approver
    # whose turn it is.
    assert sorted(Notification.objects.values_list("user_id", "kind")) == sorted(
        [(student.user.pk, "enrolment.submitted"), (zone["staff"]["approver"].pk, "enrolment.work_home")]
    )
    mails = "\n".join(p.read_text() for p in mail_dir.iterdir())
    assert "HOST101" in mails
    assert "Je aanvraag" in mails or "Beste" in mails  # Dutch, the student's language
    assert rolled_back_student.user.email not in mails


def test_preferences_are_respected_and_redelivery_sends_nothing_twice(zone, mailoutbox):
    student, offering = zone["student"], zone["offering"]
    NotificationPreference.objects.create(user=student.user, email_delivery="off")
    request = requests.request_submit(user=student.user, offering_id=offering.pk)
    event_ids = list(request.events.values_list("pk", flat=True))
    approver = zone["staff"]["approver"]
    NotificationPreference.objects.create(user=approver, email_delivery="off")
    assert messages.events_notify(event_ids=event_ids) == 2  # the student, and the approver of the new work
    assert messages.events_notify(event_ids=event_ids) == 0  # a redelivered task
    assert Notification.objects.filter(user=student.user).count() == 1
    assert Notification.objects.filter(user=approver, kind="enrolment.work_home").count() == 1
    assert mailoutbox == []
