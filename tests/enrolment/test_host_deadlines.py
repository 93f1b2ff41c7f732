"""The host's decision on a selection offering has a deadline, a reminder and an escalation, as the home's
decision has (issue #7, item 5): admissions staff are reminded after ENROLMENT_HOST_REMINDER_DAYS, and past
the deadline the request is escalated to them and to the student's home approvers. Run twice, nothing is
sent twice; a request the host decided meanwhile is left alone. The beat task runs in a real worker."""

import datetime as dt
import time
import uuid

import pytest
from django.utils import timezone, translation

from catalogue.models import AdmissionMode, Offering
from enrolment.models import EnrolmentRequest, Status
from enrolment.services import admission, requests
from enrolment.tasks import host_decision_deadlines
from notifications.kinds import title_of
from notifications.models import Notification
from tests.workers import celery_worker


@pytest.fixture
def selection(zone, auto_approving_home):
    Offering.objects.filter(pk=zone["offering"].pk).update(admission_mode=AdmissionMode.SELECTION)
    return zone


def _submitted(zone, student=None):
    request = requests.request_submit(user=(student or zone["student"]).user, offering_id=zone["offering"].pk)
    request.refresh_from_db()
    return request


def _kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_a_selection_waits_for_the_host_with_a_deadline(selection, settings):
    before = timezone.now()
    request = _submitted(selection)

    assert request.status == Status.HOME_APPROVED  # the host's staff decide
    due = before + dt.timedelta(days=settings.ENROLMENT_HOST_DECISION_DAYS)
    assert due <= request.host_decision_due_at <= timezone.now() + dt.timedelta(days=10)


def test_reminded_halfway_escalated_after_the_deadline_and_never_twice(selection, settings):
    request = _submitted(selection)
    admissions, approver = selection["staff"]["admissions"], selection["staff"]["approver"]
    due = request.host_decision_due_at

    assert admission.host_deadlines_enforce(now=due - dt.timedelta(days=6)) == {"reminded": 0, "escalated": 0}
    assert admission.host_deadlines_enforce(now=due - dt.timedelta(days=4)) == {"reminded": 1, "escalated": 0}
    assert admission.host_deadlines_enforce(now=due - dt.timedelta(days=3)) == {"reminded": 0, "escalated": 0}
    assert _kinds(admissions) == ["enrolment.host_reminder"]

    assert admission.host_deadlines_enforce(now=due + dt.timedelta(hours=1)) == {"reminded": 0, "escalated": 1}
    assert admission.host_deadlines_enforce(now=due + dt.timedelta(days=2)) == {"reminded": 0, "escalated": 0}
    assert _kinds(admissions) == ["enrolment.host_escalation", "enrolment.host_reminder"]
    assert _kinds(approver) == ["enrolment.host_escalation"]  # the home hears its student waits
    assert _kinds(selection["staff"]["other_admissions"]) == []
    notification = Notification.objects.get(user=approver)
    with translation.override("en"):
        title = title_of(notification.kind, notification.params)
    assert title.startswith("Overdue: the host has not decided on an admission in time: HOST101")


def test_a_request_the_host_decided_is_left_alone(selection):
    request = _submitted(selection)
    admission.host_admit(request_id=request.pk, actor=selection["staff"]["admissions"])

    late = request.host_decision_due_at + dt.timedelta(days=1)
    assert admission.host_deadlines_enforce(now=late) == {"reminded": 0, "escalated": 0}


def test_first_come_first_served_has_no_host_deadline(zone, auto_approving_home):
    request = _submitted(zone)
    assert request.status == Status.REGISTERED and request.host_decision_due_at is None


def test_the_beat_task_escalates_in_a_real_worker(transactional_db, selection, tmp_path):
    request = _submitted(selection)
    EnrolmentRequest.objects.filter(pk=request.pk).update(host_decision_due_at=timezone.now() - dt.timedelta(minutes=1))
    queue = f"host-deadlines-{uuid.uuid4().hex[:8]}"  # a queue of its own: no other test's worker takes the task
    log = tmp_path / "worker.log"
    with celery_worker(log, queues=queue) as worker:
        host_decision_deadlines.apply_async(queue=queue)
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
            and not EnrolmentRequest.objects.filter(pk=request.pk, host_escalated_at__isnull=False).exists()
        ):
            assert worker.poll() is None, log.read_text()
            time.sleep(0.2)
    assert EnrolmentRequest.objects.get(pk=request.pk).host_escalated_at is not None, log.read_text()
    assert _kinds(selection["staff"]["admissions"]) == ["enrolment.host_escalation"]
