"""One owner of capacity (``enrolment.seats``): the catalogue's search row follows every seat change, freed
seats go to the earliest on the waitlist before any newcomer, and a lock held too long answers a person
"busy, try again" (409), never a 500. Against real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from catalogue.models import Offering, OfferingSearch
from catalogue.services import search_index_refresh
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, SeatReservation, Status
from enrolment.services import admission, requests
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    StudentProfileFactory,
)


def _zone(*, capacity: int = 1):
    home = InstitutionFactory(code="seat-home")
    partner = InstitutionFactory(code="seat-partner")
    host = InstitutionFactory(code="seat-host")
    for institution in (home, partner):
        HomeApprovalPolicy.objects.create(institution=institution, mode=HomeApprovalPolicy.Mode.AUTOMATIC)
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host,
        start_date=(now + dt.timedelta(days=60)).date(),
        end_date=(now + dt.timedelta(days=130)).date(),
    )
    window = {
        "enrol_opens_at": now - dt.timedelta(days=1),
        "enrol_closes_at": now + dt.timedelta(days=20),
        "withdraw_deadline": now + dt.timedelta(days=40),
    }
    first = OfferingFactory(
        course=CourseFactory(institution=host, code="SEAT1", ec=5), capacity=capacity, period=period, **window
    )
    second = OfferingFactory(
        course=CourseFactory(institution=host, code="SEAT2", ec=5), capacity=capacity, period=period, **window
    )
    return {"home": home, "partner": partner, "first": first, "second": second}


def _student(institution):
    return StudentProfileFactory(home_institution=institution)


def _status(student) -> str:
    return EnrolmentRequest.objects.get(student=student).status


# --- The catalogue follows every seat change ----------------------------------------------------------


@pytest.mark.django_db
def test_a_submission_changes_the_card_and_the_most_seats_left_sort():
    zone = _zone(capacity=2)
    first, second = zone["first"], zone["second"]
    search_index_refresh(offering_ids=[first.pk, second.pk])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    def cards():
        page = client.get("/catalogue/?sort=seats&q=").content.decode()
        ids = [int(i) for i in re.findall(r'id="seats-(\d+)"', page)]
        return ids, page

    order, page = cards()
    assert order == [first.pk, second.pk]  # equal seats: by start, then id
    assert page.count("2 seats left of 2") == 2

    requests.request_submit(user=_student(zone["home"]).user, offering_id=first.pk)
    assert OfferingSearch.objects.get(offering=first).seats_taken == 1  # in the same transaction

    order, page = cards()
    assert order == [second.pk, first.pk]  # most seats left first
    assert "1 seat left of 2" in page and "2 seats left of 2" in page


# --- Freed seats go to the earliest waitlisted student, not to a newcomer -------------------------------


@pytest.mark.django_db
def test_a_capacity_increase_goes_to_the_earliest_on_the_waitlist():
    zone = _zone(capacity=1)
    offering = zone["first"]
    admitted, earliest, later = (_student(zone["home"]) for _ in range(3))
    for student in (admitted, earliest, later):
        requests.request_submit(user=student.user, offering_id=offering.pk)
    assert [_status(s) for s in (admitted, earliest, later)] == [
        Status.REGISTERED,
        Status.WAITLISTED,
        Status.WAITLISTED,
    ]

    # Staff raise the capacity (as in the admin): the new seat is offered at once, to the earliest.
    with transaction.atomic():
        raised = Offering.objects.get(pk=offering.pk)
        raised.capacity = 2
        raised.save()
    assert _status(earliest) == Status.SEAT_OFFERED and _status(later) == Status.WAITLISTED

    newcomer = _student(zone["home"])
    requests.request_submit(user=newcomer.user, offering_id=offering.pk)
    assert _status(newcomer) == Status.WAITLISTED
    offering.refresh_from_db()
    assert offering.seats_taken == 2


@pytest.mark.django_db
def test_a_capacity_raised_behind_the_services_back_still_goes_to_the_waitlist_first():
    """An update that sends no signal (a bulk import): the next placement offers the seat to the waitlist
    before the newcomer is placed."""
    zone = _zone(capacity=1)
    offering = zone["first"]
    admitted, earliest = _student(zone["home"]), _student(zone["home"])
    for student in (admitted, earliest):
        requests.request_submit(user=student.user, offering_id=offering.pk)
    Offering.objects.filter(pk=offering.pk).update(capacity=2)
    newcomer = _student(zone["home"])
    requests.request_submit(user=newcomer.user, offering_id=offering.pk)
    assert _status(earliest) == Status.SEAT_OFFERED
    assert _status(newcomer) == Status.WAITLISTED


@pytest.mark.django_db
def test_control_with_nobody_waiting_the_newcomer_takes_the_raised_seat():
    """The control: the seats these tests free are real, takeable seats; with nobody waiting, a newcomer
    gets one at once."""
    zone = _zone(capacity=1)
    offering = zone["first"]
    requests.request_submit(user=_student(zone["home"]).user, offering_id=offering.pk)
    Offering.objects.filter(pk=offering.pk).update(capacity=2)
    newcomer = _student(zone["home"])
    requests.request_submit(user=newcomer.user, offering_id=offering.pk)
    assert _status(newcomer) == Status.REGISTERED


def _reserved_zone():
    """Capacity 2, one seat kept for the partner institution: one home student takes the free seat, the
    next waits (the kept seat is not theirs)."""
    zone = _zone(capacity=2)
    offering = zone["first"]
    reservation = SeatReservation.objects.create(
        offering=offering, institution=zone["partner"], seats=1, release_at=timezone.now() + dt.timedelta(days=3)
    )
    admitted, earliest = _student(zone["home"]), _student(zone["home"])
    for student in (admitted, earliest):
        requests.request_submit(user=student.user, offering_id=offering.pk)
    assert [_status(admitted), _status(earliest)] == [Status.REGISTERED, Status.WAITLISTED]
    return zone, offering, reservation, earliest


@pytest.mark.django_db
def test_a_released_reservation_goes_to_the_earliest_on_the_waitlist_by_beat():
    zone, offering, reservation, earliest = _reserved_zone()
    SeatReservation.objects.filter(pk=reservation.pk).update(release_at=timezone.now() - dt.timedelta(minutes=1))
    assert admission.waitlists_promote() == 1  # the beat task
    assert _status(earliest) == Status.SEAT_OFFERED
    assert admission.waitlists_promote() == 0  # idempotent


@pytest.mark.django_db
def test_a_released_reservation_is_not_taken_by_a_newcomer_before_the_beat():
    zone, offering, reservation, earliest = _reserved_zone()
    SeatReservation.objects.filter(pk=reservation.pk).update(release_at=timezone.now() - dt.timedelta(minutes=1))
    newcomer = _student(zone["home"])
    requests.request_submit(user=newcomer.user, offering_id=offering.pk)
    assert _status(earliest) == Status.SEAT_OFFERED
    assert _status(newcomer) == Status.WAITLISTED


@pytest.mark.django_db
def test_control_with_nobody_waiting_a_newcomer_takes_the_released_seat():
    zone = _zone(capacity=2)
    offering = zone["first"]
    SeatReservation.objects.create(
        offering=offering, institution=zone["partner"], seats=1, release_at=timezone.now() - dt.timedelta(minutes=1)
    )
    requests.request_submit(user=_student(zone["home"]).user, offering_id=offering.pk)
    newcomer = _student(zone["home"])
    requests.request_submit(user=newcomer.user, offering_id=offering.pk)
    assert _status(newcomer) == Status.REGISTERED


# --- A lock held too long -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_lock_timeout_gives_a_person_a_409_not_a_500(settings):
    settings.ENROLMENT_LOCK_TIMEOUT_MS = 300
    zone = _zone(capacity=5)
    offering = zone["first"]
    student = _student(zone["home"])
    holding, release = threading.Event(), threading.Event()

    def hold_the_offering():
        try:
            with transaction.atomic():
                list(Offering.objects.select_for_update().filter(pk=offering.pk))
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_offering)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        api = APIClient()
        api.force_authenticate(student.user)
        response = api.post("/api/enrolments/", {"offering": offering.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "busy"
        assert response.json()["detail"] == (
            "Many students are enrolling in this course right now. Please try again in a moment."
        )
        page = Client(HTTP_ACCEPT_LANGUAGE="en")
        page.force_login(student.user)
        response = page.post(f"/enrolment/offerings/{offering.pk}/enrol/", {"route": "off_the_beaten_path"})
        assert response.status_code == 409
        assert "try again in a moment" in response.content.decode()
        assert not EnrolmentRequest.objects.exists()
    finally:
        release.set()
        holder.join(timeout=30)
    # Once the lock is free, the same request goes through.
    requests.request_submit(user=student.user, offering_id=offering.pk)
    assert _status(student) == Status.REGISTERED


@pytest.mark.django_db
def test_a_capacity_raised_by_a_catalogue_import_goes_to_the_earliest_on_the_waitlist():
    """A connected institution's import writes its offerings in bulk (catalogue.services.offerings_bulk_update):
    a raised capacity there is offered to the waitlist in the import's own transaction too."""
    from catalogue.services import offerings_bulk_update

    zone = _zone(capacity=1)
    offering = zone["first"]
    admitted, earliest, later = (_student(zone["home"]) for _ in range(3))
    for student in (admitted, earliest, later):
        requests.request_submit(user=student.user, offering_id=offering.pk)
    with transaction.atomic():
        offerings_bulk_update(institution=offering.institution, changes={offering.pk: {"capacity": 2}})
    assert _status(earliest) == Status.SEAT_OFFERED and _status(later) == Status.WAITLISTED
