"""Queued admission (issue #20): the API records a request with its arrival order and answers 202; a batch
per offering decides the queue through the lifecycle, the same eligibility rules, seats in arrival order or
by a reproducible draw. Real PostgreSQL; the concurrency test uses real threads with their own connections."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from catalogue.models import AdmissionMode
from enrolment.models import AdmissionBatch, EnrolmentRequest, ReasonCode, RequestEvent, Status
from enrolment.services import admission, queue
from tests.factories import StaffRoleFactory, StudentProfileFactory

queued = override_settings(ENROLMENT_QUEUED_ADMISSION=True)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def enrol(user, offering, **extra):
    return client_for(user).post("/api/enrolments/", {"offering": offering.pk, **extra}, format="json")


def _students(zone, count):
    return [StudentProfileFactory(home_institution=zone["home"]) for _ in range(count)]


@queued
@pytest.mark.django_db
def test_post_records_the_request_and_answers_202_with_a_status_url(zone, auto_approving_home):
    student = zone["student"]
    response = enrol(student.user, zone["offering"])
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["queued"] is True
    assert body["status"] == Status.DRAFT
    assert body["status_label"].startswith("In the queue")
    assert (body["offering"], body["arrival"]) == (zone["offering"].pk, 1)
    assert body["status_url"] == f"/api/enrolments/{body['id']}/"
    assert response["Location"] == body["status_url"]
    request = EnrolmentRequest.objects.get(public_id=body["id"])
    assert (request.status, request.arrival, request.submitted_at) == (Status.DRAFT, 1, None)

    result = queue.queue_decide(offering_id=zone["offering"].pk)
    assert result["decided"] == result["submitted"] == result["admitted"] == 1
    followed = client_for(student.user).get(body["status_url"]).json()
    assert followed["queued"] is False
    assert followed["status"] == Status.REGISTERED
    assert [e["to_status"] for e in followed["timeline"]] == ["submitted", "home_approved", "admitted", "registered"]
    assert followed["timeline"][0]["actor_role"] == "student"


@queued
@pytest.mark.django_db
def test_the_cheap_refusals_answer_at_once_and_write_nothing(zone, auto_approving_home):
    offering, student = zone["offering"], zone["student"]
    assert enrol(student.user, offering).status_code == 202
    again = enrol(student.user, offering)
    assert again.status_code == 409, again.content  # already requested
    assert again.json()["code"] == "duplicate_request"
    staff = StaffRoleFactory(institution=zone["home"]).user
    assert enrol(staff, offering).status_code == 403  # not a student
    offering.enrol_closes_at = timezone.now() - dt.timedelta(minutes=1)
    offering.save(update_fields=["enrol_closes_at"])
    closed = enrol(zone["students"][1].user, offering)
    assert closed.status_code == 400, closed.content
    assert closed.json()["reasons"] == ["window"]
    assert "Enrolment closed" in closed.json()["detail"]
    assert EnrolmentRequest.objects.filter(offering=offering).count() == 1
    assert enrol(zone["students"][2].user, offering, route="nonsense").status_code == 400


@queued
@pytest.mark.django_db
def test_an_offering_the_host_selects_by_hand_is_still_submitted_inline(zone, auto_approving_home):
    offering = zone["offering"]
    offering.admission_mode = AdmissionMode.SELECTION
    offering.save(update_fields=["admission_mode"])
    response = enrol(zone["student"].user, offering)
    assert response.status_code == 201, response.content
    assert response.json()["queued"] is False
    assert response.json()["status"] == Status.HOME_APPROVED


@pytest.mark.django_db
def test_without_queued_admission_the_api_answers_201_with_the_outcome_as_before(zone, auto_approving_home):
    response = enrol(zone["student"].user, zone["offering"])
    assert response.status_code == 201
    assert response.json()["status"] == Status.REGISTERED
    assert response["Location"] == response.json()["status_url"]


@queued
@pytest.mark.django_db
def test_a_batch_seats_in_arrival_order_and_writes_once(zone, auto_approving_home):
    """Capacity 2, five queued: the first two by arrival are admitted, the rest waitlisted in that order;
    one batch, one lock, every move once in the audit."""
    offering = zone["offering"]
    students = zone["students"] + _students(zone, 1)
    recorded = [queue.request_enqueue(user=s.user, offering_id=offering.pk) for s in reversed(students)]
    assert [r.arrival for r in recorded] == [1, 2, 3, 4, 5]
    result = queue.queue_decide(offering_id=offering.pk)
    assert result == {"decided": 5, "submitted": 5, "refused": 0, "admitted": 2, "waitlisted": 3}
    states = [EnrolmentRequest.objects.get(pk=r.pk).status for r in recorded]
    assert states == [Status.REGISTERED, Status.REGISTERED, *[Status.WAITLISTED] * 3]
    waitlist = EnrolmentRequest.objects.filter(offering=offering, status=Status.WAITLISTED).order_by("queue_key")
    assert [r.arrival for r in waitlist] == [3, 4, 5]
    offering.refresh_from_db()
    assert offering.seats_taken == 2
    (batch,) = AdmissionBatch.objects.all()
    assert (batch.first_arrival, batch.last_arrival, batch.size, batch.seed) == (1, 5, 5, None)
    for request in recorded:
        moves = list(RequestEvent.objects.filter(request=request).values_list("to_status", flat=True))
        assert len(moves) == len(set(moves)) and moves[0] == Status.SUBMITTED
    assert queue.queue_decide(offering_id=offering.pk)["decided"] == 0  # nothing is decided twice


@queued
@pytest.mark.django_db
def test_the_batch_applies_the_same_eligibility_rules_and_drops_who_fails_them(zone, auto_approving_home):
    offering = zone["offering"]
    eligible, lapsed = zone["students"][:2]
    lapsed.is_actively_enrolled = False  # the rule ``active_enrolment``, not checked when recording
    lapsed.save(update_fields=["is_actively_enrolled"])
    first = queue.request_enqueue(user=lapsed.user, offering_id=offering.pk)
    second = queue.request_enqueue(user=eligible.user, offering_id=offering.pk)
    result = queue.queue_decide(offering_id=offering.pk)
    assert (result["submitted"], result["refused"]) == (1, 1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.CANCELLED
    (event,) = RequestEvent.objects.filter(request=first)
    assert event.reason == ReasonCode.NOT_ELIGIBLE
    assert "actively enrolled" in event.comment
    assert second.status == Status.REGISTERED


@queued
@pytest.mark.django_db
def test_a_student_who_cancels_while_queued_is_left_out_of_the_batch(zone, auto_approving_home):
    from enrolment.services.requests import request_cancel

    offering = zone["offering"]
    request = queue.request_enqueue(user=zone["student"].user, offering_id=offering.pk)
    request_cancel(user=zone["student"].user, request_id=request.pk)
    assert queue.queue_decide(offering_id=offering.pk)["decided"] == 0
    request.refresh_from_db()
    assert request.status == Status.CANCELLED


@queued
@pytest.mark.django_db
def test_the_lottery_draw_over_a_queued_batch_is_reproducible_from_its_seed(zone, auto_approving_home):
    """A lottery's opening minutes: the batch gives the draw's keys from its seed (recorded on the batch),
    the draw admits by those keys. The same seed over the same arrivals gives the same keys and the same
    admitted students; the draw's outcome is computed here from the seed alone and compared."""
    offering = zone["offering"]
    offering.admission_mode = AdmissionMode.LOTTERY
    offering.enrol_opens_at = timezone.now() - dt.timedelta(minutes=1)
    offering.lottery_minutes = 30
    offering.save(update_fields=["admission_mode", "enrol_opens_at", "lottery_minutes"])
    students = zone["students"] + _students(zone, 4)
    recorded = [queue.request_enqueue(user=s.user, offering_id=offering.pk) for s in students]
    queue.queue_decide(offering_id=offering.pk)  # the seed is drawn and recorded
    (batch,) = AdmissionBatch.objects.all()
    assert batch.seed is not None
    keys = [EnrolmentRequest.objects.get(pk=r.pk).queue_key for r in recorded]
    assert keys == queue.lottery_keys(batch.seed, len(recorded))
    assert {EnrolmentRequest.objects.get(pk=r.pk).status for r in recorded} == {Status.HOME_APPROVED}

    admission.lottery_draw(offering_id=offering.pk, now=timezone.now() + dt.timedelta(minutes=31))
    by_key = sorted(zip(queue.lottery_keys(batch.seed, len(recorded)), recorded, strict=True), key=lambda p: p[0])
    expected = {r.pk for _key, r in by_key[: offering.capacity]}
    admitted = set(
        EnrolmentRequest.objects.filter(offering=offering, status=Status.REGISTERED).values_list("pk", flat=True)
    )
    assert admitted == expected
    # Another seed, another order (the keys differ), so the seed is what decides.
    assert queue.lottery_keys(batch.seed + 1, len(recorded)) != keys


@queued
@pytest.mark.django_db
def test_a_given_seed_gives_the_same_keys_in_a_second_batch(zone, auto_approving_home):
    offering = zone["offering"]
    offering.admission_mode = AdmissionMode.LOTTERY
    offering.enrol_opens_at = timezone.now() - dt.timedelta(minutes=1)
    offering.lottery_minutes = 30
    offering.save(update_fields=["admission_mode", "enrol_opens_at", "lottery_minutes"])
    recorded = [queue.request_enqueue(user=s.user, offering_id=offering.pk) for s in zone["students"]]
    queue.queue_decide(offering_id=offering.pk, seed=20261207)
    assert AdmissionBatch.objects.get().seed == 20261207
    keys = [EnrolmentRequest.objects.get(pk=r.pk).queue_key for r in recorded]
    assert keys == queue.lottery_keys(20261207, 4) == queue.lottery_keys(20261207, 4)


# ------------------------------------------------------------------------------------------------------
# Arrival order under concurrency, with its control


def _race(zone, *, guarded: bool) -> tuple[EnrolmentRequest, EnrolmentRequest, bool]:
    """A takes its arrival number first and is slow to commit; B arrives after and commits at once; a batch
    runs while A is still open, another after. One seat. Returns A, B (decided) and whether B had to wait
    for A before it could commit."""
    offering = zone["offering"]
    offering.capacity = 1
    offering.save(update_fields=["capacity"])
    a_user, b_user = zone["students"][0].user, zone["students"][1].user
    taken, release = threading.Event(), threading.Event()
    done = {}

    def hold(request):
        taken.set()
        release.wait(timeout=30)

    def run(name, user, hook=None):
        try:
            done[name] = queue.request_enqueue(user=user, offering_id=offering.pk, _before_commit=hook)
        finally:
            connection.close()

    a = threading.Thread(target=run, args=("a", a_user, hold))
    b = threading.Thread(target=run, args=("b", b_user))
    a.start()
    assert taken.wait(timeout=30)
    b.start()
    b.join(timeout=1.5)
    b_waited = b.is_alive()
    queue.queue_decide(offering_id=offering.pk)  # a batch while A has not committed
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)
    queue.queue_decide(offering_id=offering.pk)
    first, second = EnrolmentRequest.objects.get(pk=done["a"].pk), EnrolmentRequest.objects.get(pk=done["b"].pk)
    return first, second, b_waited


@queued
def test_arrival_order_is_kept_under_concurrency(transactional_db, zone, auto_approving_home):
    a, b = _race(zone, guarded=True)[:2]
    assert a.arrival < b.arrival
    assert (a.status, b.status) == (Status.REGISTERED, Status.WAITLISTED)  # the first to arrive has the seat


@queued
def test_control_without_the_arrival_guard_a_later_request_takes_the_seat(transactional_db, zone, auto_approving_home):
    with queue.arrival_guard_disabled():
        a, b, b_waited = _race(zone, guarded=False)
    assert not b_waited
    assert a.arrival < b.arrival  # A arrived first ...
    assert (a.status, b.status) == (Status.WAITLISTED, Status.REGISTERED)  # ... and B, committed first, got the seat


@queued
def test_with_the_guard_the_later_request_waits_for_the_earlier_commit(transactional_db, zone, auto_approving_home):
    assert _race(zone, guarded=True)[2] is True


@queued
@pytest.mark.django_db
def test_the_task_decides_batch_after_batch_until_the_queue_is_empty(zone, auto_approving_home, monkeypatch):
    monkeypatch.setattr(queue, "BATCH_SIZE", 2)
    offering = zone["offering"]
    students = zone["students"] + _students(zone, 1)
    recorded = [queue.request_enqueue(user=s.user, offering_id=offering.pk) for s in students]
    assert queue.queue_run(offering.pk) == 5
    assert list(AdmissionBatch.objects.values_list("first_arrival", "last_arrival")) == [(1, 2), (3, 4), (5, 5)]
    assert not EnrolmentRequest.objects.filter(pk__in=[r.pk for r in recorded], status=Status.DRAFT).exists()


@queued
@pytest.mark.django_db(transaction=True)
def test_one_task_per_offering_is_queued_until_it_starts_and_the_sweep_queues_what_waited(zone, auto_approving_home):
    offering = zone["offering"]
    first = queue.request_enqueue(user=zone["students"][0].user, offering_id=offering.pk)  # commits: queues the task
    assert queue.queue_kick([offering.pk]) == 0  # the mark stands: coalesced
    queue.queue_started(offering.pk)
    assert queue.queue_kick([offering.pk]) == 1
    assert queue.queues_sweep() == 0  # nothing has waited long yet
    EnrolmentRequest.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(minutes=1))
    assert queue.queues_sweep() == 1  # queued again even though the mark stands
