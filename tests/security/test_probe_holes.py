"""Regression tests for the holes the outside probe found (issue #5, holes 1, 2 and 5), each replayed the way
the probe did it: through the HTTP API and the pages, on requests that reached their state through the
services, not set up by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import StaffRole
from catalogue.models import Offering
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, Status
from enrolment.services import admission, approval, requests
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    StaffRoleFactory,
    StudentProfileFactory,
)

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def zone(db):
    home = InstitutionFactory(code="probe-home", short_name="PHOME")
    host = InstitutionFactory(code="probe-host", short_name="PHOST")
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
    single_seat = OfferingFactory(
        course=CourseFactory(institution=host, code="ONE101", ec=5), period=period, capacity=1, **window
    )
    open_offering = OfferingFactory(
        course=CourseFactory(institution=host, code="OPEN202", ec=5), period=period, capacity=30, **window
    )
    closed = OfferingFactory(
        course=CourseFactory(institution=host, code="SHUT303", ec=5),
        period=period,
        capacity=30,
        enrol_opens_at=now - dt.timedelta(days=120),
        enrol_closes_at=now - dt.timedelta(days=100),
    )
    R = StaffRole.Role
    return {
        "home": home,
        "host": host,
        "single_seat": single_seat,
        "open": open_offering,
        "closed": closed,
        "approver": StaffRoleFactory(institution=home, role=R.HOME_APPROVER).user,
        "admissions": StaffRoleFactory(institution=host, role=R.HOST_ADMISSIONS).user,
        "students": [StudentProfileFactory(home_institution=home) for _ in range(6)],
    }


def seats_taken(offering) -> int:
    return Offering.objects.get(pk=offering.pk).seats_taken


def holding(offering) -> int:
    states = (Status.SEAT_OFFERED, Status.ADMITTED, Status.REGISTERED, Status.COMPLETED)
    return EnrolmentRequest.objects.filter(offering=offering, status__in=states).count()


# --- Hole 1: a student admits themselves ------------------------------------------------------------------


def test_a_student_cannot_accept_a_seat_nobody_offered(zone):
    """Capacity 1: one student registered, five waitlisted. Each of the five POSTs ``accept``: every one is
    refused with 409, nobody else gets a seat, and the counter stays at the one seat really taken."""
    HomeApprovalPolicy.objects.create(institution=zone["home"], mode=HomeApprovalPolicy.Mode.AUTOMATIC)
    offering = zone["single_seat"]
    first, *waiting = zone["students"]
    for student in (first, *waiting):
        assert (
            api_as(student.user).post("/api/enrolments/", {"offering": offering.pk}, format="json").status_code == 201
        )
    assert EnrolmentRequest.objects.get(student=first).status == Status.REGISTERED
    assert {r.status for r in EnrolmentRequest.objects.exclude(student=first)} == {Status.WAITLISTED}

    for student in waiting:
        request = EnrolmentRequest.objects.get(student=student)
        response = api_as(student.user).post(f"/api/enrolments/{request.public_id}/accept/", {}, format="json")
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "wrong_state"
    assert holding(offering) == 1 and seats_taken(offering) == 1
    assert EnrolmentRequest.objects.filter(status=Status.WAITLISTED).count() == 5

    # The registered student withdraws: the seat goes to the first on the waitlist, as an offer, and the
    # counter still says one. Staff cancelling that offer then works, and the seat moves on again.
    registered = EnrolmentRequest.objects.get(student=first)
    response = api_as(first.user).post(f"/api/enrolments/{registered.public_id}/withdraw/", {}, format="json")
    assert response.status_code == 200, response.content
    offered = EnrolmentRequest.objects.get(status=Status.SEAT_OFFERED)
    assert offered.student == waiting[0]
    assert holding(offering) == 1 and seats_taken(offering) == 1
    response = api_as(zone["admissions"]).post(
        f"/api/enrolments/{offered.public_id}/cancel/", {"reason": "other"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert EnrolmentRequest.objects.get(status=Status.SEAT_OFFERED).student == waiting[1]
    assert holding(offering) == 1 and seats_taken(offering) == 1


def test_a_home_approved_request_cannot_be_accepted_by_its_student(zone):
    """Selection is the host's: a student whose home approved may not admit themselves."""
    offering = zone["open"]
    Offering.objects.filter(pk=offering.pk).update(admission_mode="selection")
    student = zone["students"][0]
    request = requests.request_submit(user=student.user, offering_id=offering.pk)
    approval.home_approve(user=zone["approver"], request_id=request.pk)
    request.refresh_from_db()
    assert request.status == Status.HOME_APPROVED
    response = api_as(student.user).post(f"/api/enrolments/{request.public_id}/accept/", {}, format="json")
    assert response.status_code == 409
    request.refresh_from_db()
    assert request.status == Status.HOME_APPROVED and seats_taken(offering) == 0


# --- Hole 2: eligibility bypassed through ranked alternatives --------------------------------------------


def test_a_closed_offering_is_refused_as_an_alternative(zone):
    student = zone["students"][0]
    response = api_as(student.user).post(
        "/api/enrolments/",
        {"offering": zone["open"].pk, "alternatives": [zone["closed"].pk]},
        format="json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "not_eligible" and "window" in body["reasons"]
    assert body["detail"].startswith("You cannot enrol in this offering yet: Choice 2: Enrolment closed on")
    assert not EnrolmentRequest.objects.filter(student=student).exists()


def test_resubmit_cannot_submit_a_waiting_alternative(zone):
    """The draft of a ranked alternative (here one whose offering closed after the student chose it) is
    submitted only by the system, when its turn comes and only if still eligible; never by ``resubmit``."""
    student = zone["students"][0]
    first = requests.request_submit(
        user=student.user, offering_id=zone["open"].pk, alternatives=[zone["single_seat"].pk]
    )
    draft = EnrolmentRequest.objects.get(choice_group=first.choice_group, rank=2)
    now = timezone.now()
    Offering.objects.filter(pk=zone["single_seat"].pk).update(
        enrol_opens_at=now - dt.timedelta(days=200), enrol_closes_at=now - dt.timedelta(days=100)
    )
    response = api_as(student.user).post(f"/api/enrolments/{draft.public_id}/resubmit/", {}, format="json")
    assert response.status_code == 409, response.content
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT

    # Its turn: choice 1 is denied by home. The closed alternative is dropped, never submitted.
    approval.home_deny(user=zone["approver"], request_id=first.pk, reason="other")
    draft.refresh_from_db()
    assert draft.status == Status.CANCELLED
    assert not draft.events.filter(to_status=Status.SUBMITTED).exists()
    assert "Enrolment closed on" in draft.events.get().comment


def test_resubmit_of_a_submitted_request_is_refused_and_keeps_the_approval_step(zone):
    HomeApprovalPolicy.objects.create(
        institution=zone["home"], first_step_role="home_approver", second_step_role="exam_board"
    )
    StaffRoleFactory(institution=zone["home"], role=StaffRole.Role.EXAMINATION_BOARD)
    student = zone["students"][0]
    request = requests.request_submit(user=student.user, offering_id=zone["open"].pk)
    approval.home_approve(user=zone["approver"], request_id=request.pk)  # the first of two steps
    request.refresh_from_db()
    assert (request.status, request.home_step) == (Status.SUBMITTED, 1)
    response = api_as(student.user).post(f"/api/enrolments/{request.public_id}/resubmit/", {}, format="json")
    assert response.status_code == 409
    request.refresh_from_db()
    assert (request.status, request.home_step) == (Status.SUBMITTED, 1)


# --- Hole 5: hosts see requests their home never approved ------------------------------------------------


def test_the_host_never_sees_a_request_cancelled_before_the_home_decision(zone):
    student = zone["students"][0]
    secret = "I need this because of a private matter"
    cancelled = requests.request_submit(user=student.user, offering_id=zone["open"].pk, motivation=secret)
    requests.request_cancel(user=student.user, request_id=cancelled.pk)
    # Control: a request home approved and the student then cancelled stays in the host's records.
    other = zone["students"][1]
    kept = requests.request_submit(user=other.user, offering_id=zone["open"].pk)
    approval.home_approve(user=zone["approver"], request_id=kept.pk)
    requests.request_withdraw(user=other.user, request_id=kept.pk)

    host = api_as(zone["admissions"])
    listed = {item["id"] for item in host.get("/api/enrolments/").json()["results"]}
    assert listed == {str(kept.public_id)}
    assert host.get(f"/api/enrolments/{cancelled.public_id}/").status_code == 404
    assert host.get(f"/api/enrolments/{kept.public_id}/").status_code == 200

    pages = Client(HTTP_ACCEPT_LANGUAGE="en")
    pages.force_login(zone["admissions"])
    queue = f"/enrolment/staff/{zone['host'].code}/incoming/?show=all"
    page = pages.get(queue).content.decode()
    assert student.student_number not in page and other.student_number in page
    assert pages.get(f"/enrolment/requests/{cancelled.public_id}/").status_code == 404
    rows = list(csv.reader(io.StringIO(pages.get(queue + "&format=csv").content.decode())))
    numbers = {row[1] for row in rows[1:]}
    assert numbers == {other.student_number}

    # Home still has both of its students' requests.
    home = api_as(zone["approver"])
    assert {item["id"] for item in home.get("/api/enrolments/").json()["results"]} == {
        str(cancelled.public_id),
        str(kept.public_id),
    }


def test_a_host_cannot_act_on_a_request_home_has_not_approved(zone):
    student = zone["students"][0]
    request = requests.request_submit(user=student.user, offering_id=zone["open"].pk)
    for verb in ("admit", "reject", "cancel"):
        response = api_as(zone["admissions"]).post(
            f"/api/enrolments/{request.public_id}/{verb}/", {"reason": "other"}, format="json"
        )
        assert response.status_code == 404
    with pytest.raises(Exception) as refused:
        admission.host_admit(request_id=request.pk, actor=zone["admissions"])
    assert refused.value.status_code == 403
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
