"""What staff and students hear (issue #7, "Staff" and "Messages"): staff are told of new work, one email per
person per transaction, email in the recipient's language with a link that works from outside, the daily
digest (the service, and the beat task run by a real Celery worker)."""

import time

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client

from accounts.models import StaffRole, User
from catalogue.models import AdmissionMode
from core.db import on_commit_collected
from enrolment.models import HomeApprovalPolicy
from enrolment.services import approval, messages, requests
from notifications.models import Notification, NotificationPreference
from notifications.services import digests_send
from tests.factories import CourseFactory, OfferingFactory
from tests.workers import celery_worker

BASE = "https://flexportal.example"


class Abort(Exception):
    pass


@pytest.fixture
def sync_notifications(monkeypatch, settings):
    """The notification task run at once, in-process, each time it is queued; the calls are recorded."""
    settings.PORTAL_BASE_URL = BASE
    calls: list[list[int]] = []

    class Sync:
        @staticmethod
        def delay(event_ids):
            calls.append(list(event_ids))
            messages.events_notify(event_ids=event_ids)

    monkeypatch.setattr("enrolment.tasks.notify_events", Sync)
    return calls


def _mails_to(mailoutbox, user):
    return [mail for mail in mailoutbox if mail.to == [user.email]]


# --- one email per transaction -------------------------------------------------------------------------


def test_moves_made_together_give_one_task_and_one_email(
    zone, mailoutbox, sync_notifications, django_capture_on_commit_callbacks
):
    student, approver = zone["student"], zone["staff"]["approver"]
    student.user.preferred_language = "en"
    student.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        request = requests.request_submit(user=student.user, offering_id=zone["offering"].pk)
    mailoutbox.clear()
    sync_notifications.clear()

    # Approval leads straight on: approved by home, admitted (first come), registered. Three moves, each
    # announced on its own, in one transaction.
    with django_capture_on_commit_callbacks(execute=True):
        approval.home_approve(user=approver, request_id=request.pk)
    moves = list(request.events.order_by("pk").values_list("to_status", flat=True))
    assert moves == ["submitted", "home_approved", "admitted", "registered"]
    assert len(sync_notifications) == 1 and len(sync_notifications[0]) == 3
    (mail,) = _mails_to(mailoutbox, student.user)
    # One story: where the request is now, and the steps it took on the way.
    assert mail.body.count("Dear ") == 1
    assert "is now: Registered at both institutions" in mail.body
    assert (
        "On the way: Approved by home institution → Admitted by host institution → Registered at both institutions"
        in mail.body
    )
    assert Notification.objects.filter(user=student.user).count() == 4  # every move is in the centre
    assert not Notification.objects.filter(user=student.user, emailed_at__isnull=True).exists()


def test_control_without_collecting_each_move_sends_its_own_email(
    zone, mailoutbox, sync_notifications, django_capture_on_commit_callbacks, monkeypatch
):
    """The control: queueing per announcement, as before, gives the student three emails for one approval."""

    def per_announcement(key, items, flush, using=None):
        items = list(items)
        transaction.on_commit(lambda: flush(items))

    monkeypatch.setattr("enrolment.subscribers.on_commit_collected", per_announcement)
    student = zone["student"]
    student.user.preferred_language = "en"
    student.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        request = requests.request_submit(user=student.user, offering_id=zone["offering"].pk)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval.home_approve(user=zone["staff"]["approver"], request_id=request.pk)
    assert len(_mails_to(mailoutbox, student.user)) == 3


def test_collection_follows_the_transaction(transactional_db):
    flushed: list[list[int]] = []
    on_commit_collected("test", [0], flushed.append)  # no transaction: at once
    assert flushed == [[0]]

    with transaction.atomic():
        on_commit_collected("test", [1], flushed.append)
        on_commit_collected("test", [2], flushed.append)
        assert flushed == [[0]]  # nothing before the commit
    assert flushed == [[0], [1, 2]]

    with pytest.raises(Abort), transaction.atomic():
        on_commit_collected("test", [3], flushed.append)
        raise Abort
    with transaction.atomic():
        try:
            with transaction.atomic():
                on_commit_collected("test", [4], flushed.append)
                raise Abort
        except Abort:
            pass
        on_commit_collected("test", [5], flushed.append)
    assert flushed == [[0], [1, 2], [5]]  # a rolled-back transaction or savepoint took its items with it


# --- staff hear of new work ----------------------------------------------------------------------------


def test_the_approver_whose_turn_it_is_is_told_in_app_and_by_email_in_their_language(
    zone, mailoutbox, sync_notifications, django_capture_on_commit_callbacks
):
    approver, exam_board = zone["staff"]["approver"], zone["staff"]["exam_board"]
    approver.preferred_language = "en"
    approver.save()
    with django_capture_on_commit_callbacks(execute=True):
        request = requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk)
    work = Notification.objects.get(user=approver)
    assert work.kind == "enrolment.work_home" and work.link == f"/enrolment/requests/{request.public_id}/"
    assert not Notification.objects.filter(user__in=[exam_board, zone["staff"]["other_approver"]]).exists()
    (mail,) = _mails_to(mailoutbox, approver)
    assert mail.subject == "Flexportal: New request to approve: HOST101"
    assert "it is your turn to approve or deny" in mail.body
    assert f"{BASE}/enrolment/requests/{request.public_id}/" in mail.body


def test_two_steps_tell_the_second_step_when_the_first_passed(
    zone, sync_notifications, django_capture_on_commit_callbacks
):
    HomeApprovalPolicy.objects.create(
        institution=zone["home"],
        first_step_role=StaffRole.Role.HOME_APPROVER,
        second_step_role=StaffRole.Role.EXAMINATION_BOARD,
    )
    exam_board = zone["staff"]["exam_board"]
    with django_capture_on_commit_callbacks(execute=True):
        request = requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk)
    assert not Notification.objects.filter(user=exam_board).exists()
    with django_capture_on_commit_callbacks(execute=True):
        approval.home_approve(user=zone["staff"]["approver"], request_id=request.pk)
    assert Notification.objects.filter(user=exam_board, kind="enrolment.work_home").count() == 1


def test_host_admissions_are_told_of_a_selection_and_nobody_of_what_decided_itself(
    zone, auto_approving_home, sync_notifications, django_capture_on_commit_callbacks
):
    selection = OfferingFactory(
        course=CourseFactory(institution=zone["host"], code="SEL201"),
        period=zone["period"],
        capacity=3,
        admission_mode=AdmissionMode.SELECTION,
        enrol_opens_at=zone["offering"].enrol_opens_at,
        enrol_closes_at=zone["offering"].enrol_closes_at,
        withdraw_deadline=zone["offering"].withdraw_deadline,
    )
    admissions, approver = zone["staff"]["admissions"], zone["staff"]["approver"]
    with django_capture_on_commit_callbacks(execute=True):
        requests.request_submit(user=zone["students"][0].user, offering_id=selection.pk)
        requests.request_submit(user=zone["students"][1].user, offering_id=zone["offering"].pk)  # first come
    # The home policy approved both at once: no approver is asked; the host selects only in SEL201.
    assert not Notification.objects.filter(user=approver).exists()
    (work,) = Notification.objects.filter(user=admissions)
    assert work.kind == "enrolment.work_host" and work.params["code"] == "SEL201"
    assert not Notification.objects.filter(user=zone["staff"]["other_admissions"]).exists()


# --- the recipient's language and a working link -------------------------------------------------------


def test_student_email_in_their_language_with_an_absolute_link(
    zone, mailoutbox, sync_notifications, django_capture_on_commit_callbacks
):
    student = zone["student"]
    student.user.preferred_language = "en"
    student.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        request = requests.request_submit(user=student.user, offering_id=zone["offering"].pk)
    (mail,) = _mails_to(mailoutbox, student.user)
    assert "is now: Submitted, awaiting home approval" in mail.body
    assert f"See the request and its whole timeline: {BASE}/enrolment/requests/{request.public_id}/" in mail.body

    student.user.preferred_language = "nl"
    student.user.save()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        requests.request_cancel(user=student.user, request_id=request.pk)
    (mail,) = _mails_to(mailoutbox, student.user)
    assert "Geannuleerd" in mail.body and "is now" not in mail.body


def test_logging_in_and_switching_remember_the_interface_language(zone):
    user = zone["student"].user
    user.set_password("correct horse battery staple")
    user.save()
    assert user.preferred_language == "nl"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/login/", {"login": user.email, "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).preferred_language == "en"
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert User.objects.get(pk=user.pk).preferred_language == "nl"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})  # not a language of the portal
    assert User.objects.get(pk=user.pk).preferred_language == "nl"


# --- the daily digest ----------------------------------------------------------------------------------


def test_digest_waits_then_sends_one_email_per_person_once(zone, mailoutbox, settings):
    settings.PORTAL_BASE_URL = BASE
    student = zone["student"]
    student.user.preferred_language = "en"
    student.user.save()
    NotificationPreference.objects.create(user=student.user, email_delivery="daily")
    first = requests.request_submit(user=student.user, offering_id=zone["offering"].pk)
    messages.events_notify(event_ids=list(first.events.values_list("pk", flat=True)))
    approval.home_approve(user=zone["staff"]["approver"], request_id=first.pk)
    messages.events_notify(event_ids=list(first.events.values_list("pk", flat=True)))
    assert _mails_to(mailoutbox, student.user) == []  # waiting for the digest
    assert Notification.objects.filter(user=student.user, digest_pending=True).count() == 4

    assert digests_send() == 1
    (mail,) = _mails_to(mailoutbox, student.user)
    assert mail.subject == "Flexportal: 4 new notifications"
    assert "Registered at both institutions: HOST101 Energy Systems" in mail.body
    assert f"{BASE}/enrolment/requests/{first.public_id}/" in mail.body
    assert not Notification.objects.filter(user=student.user, digest_pending=True).exists()
    assert not Notification.objects.filter(user=student.user, emailed_at__isnull=True).exists()
    assert digests_send() == 0  # a second run finds nothing


def test_digest_sends_nothing_to_who_turned_email_off_since(zone, mailoutbox):
    student = zone["student"]
    preference = NotificationPreference.objects.create(user=student.user, email_delivery="daily")
    request = requests.request_submit(user=student.user, offering_id=zone["offering"].pk)
    messages.events_notify(event_ids=list(request.events.values_list("pk", flat=True)))
    preference.email_delivery = "off"
    preference.save()
    assert digests_send() == 0
    assert _mails_to(mailoutbox, student.user) == []
    assert not Notification.objects.filter(digest_pending=True).exists()


def test_the_digest_is_a_beat_task_a_real_worker_runs(transactional_db, zone, tmp_path):
    assert django_settings.CELERY_BEAT_SCHEDULE["notifications-daily-digest"]["task"] == (
        "notifications.tasks.send_daily_digests"
    )
    student = zone["student"]
    NotificationPreference.objects.create(user=student.user, email_delivery="daily")
    request = requests.request_submit(user=student.user, offering_id=zone["offering"].pk)
    messages.events_notify(event_ids=list(request.events.values_list("pk", flat=True)))
    assert Notification.objects.filter(user=student.user, digest_pending=True).count() == 1

    from notifications.tasks import send_daily_digests
    from portal.celery import app

    app.control.purge()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = tmp_path / "worker.log"
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PORTAL_BASE_URL": BASE,
    }
    with celery_worker(log, extra_env=env) as worker:
        send_daily_digests.delay()
        deadline = time.monotonic() + 30
        while Notification.objects.filter(digest_pending=True).exists() and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.2)
    assert not Notification.objects.filter(digest_pending=True).exists(), log.read_text()
    mails = "\n".join(path.read_text() for path in mail_dir.iterdir())
    assert student.user.email in mails
    assert f"{BASE}/enrolment/requests/{request.public_id}/" in mails
