"""200 students press "enrol" at the same moment for 10 seats, on real PostgreSQL, in real threads with
their own connections and transactions. The control switches the capacity guard off and shows the race
is real."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.utils import timezone

from accounts.models import StudentProfile
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, Status
from enrolment.services import admission, requests
from tests.factories import CourseFactory, InstitutionFactory, OfferingFactory, ProgrammeFactory, UserFactory

STUDENTS = 200
SEATS = 10
THREADS = 40  # PostgreSQL's default max_connections is 100; 40 at once is plenty of contention


def _burst(transactional_db):
    home = InstitutionFactory(code="burst-home")
    host = InstitutionFactory(code="burst-host")
    HomeApprovalPolicy.objects.create(institution=home, mode=HomeApprovalPolicy.Mode.AUTOMATIC)
    now = timezone.now()
    offering = OfferingFactory(
        course=CourseFactory(institution=host, code="HOT100"),
        capacity=SEATS,
        enrol_opens_at=now - dt.timedelta(minutes=1),
        enrol_closes_at=now + dt.timedelta(days=1),
    )
    programme = ProgrammeFactory(institution=home)
    users = [UserFactory(email=f"burst{i}@example.nl") for i in range(STUDENTS)]
    StudentProfile.objects.bulk_create(
        [
            StudentProfile(user=u, home_institution=home, programme=programme, student_number=f"B{i:05d}")
            for i, u in enumerate(users)
        ]
    )
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def enrol(index: int):
        if index < THREADS:
            start.wait(timeout=30)  # the first wave leaves together
        try:
            requests.request_submit(user=users[index], offering_id=offering.pk)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(enrol, range(STUDENTS)))
    offering.refresh_from_db()
    counts = {s: EnrolmentRequest.objects.filter(offering=offering, status=s).count() for s in Status.values}
    return offering, counts, errors


def test_exactly_the_seats_are_given_and_the_rest_waitlisted(transactional_db):
    offering, counts, errors = _burst(transactional_db)
    assert errors == []
    assert counts[Status.REGISTERED] == SEATS
    assert counts[Status.WAITLISTED] == STUDENTS - SEATS
    assert offering.seats_taken == SEATS
    # The waitlist order is the arrival order: distinct keys, no ties.
    keys = list(
        EnrolmentRequest.objects.filter(offering=offering, status=Status.WAITLISTED).values_list("queue_key", flat=True)
    )
    assert len(set(keys)) == len(keys)


def test_control_without_the_guard_the_race_overbooks(transactional_db):
    with admission.capacity_guard_disabled():
        offering, counts, errors = _burst(transactional_db)
    assert errors == []
    admitted = counts[Status.REGISTERED]
    # Without the lock, many read "seats left" before anyone wrote: more students got seats than exist,
    # and the counter lost updates, so it no longer matches the admitted requests.
    assert admitted > SEATS
    assert offering.seats_taken < admitted
