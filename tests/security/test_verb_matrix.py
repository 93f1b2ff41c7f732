"""Every verb × every role × every state, through the one dispatch the pages and the API use.

The allowed moves are written out below by hand, from what the portal promises its users, and are not read
from the code: a verb whose source states or actor drift in ``enrolment.lifecycle`` makes this fail. Each
case starts from a fresh request in the state (set up directly, as fixtures) inside a savepoint that is
rolled back afterwards, so the cases cannot influence each other.

An allowed move must change the state and write an audit row naming the actor. A refused one must raise an
``ApplicationError`` answered as 403, 404 or 409 (never a 500), and write nothing: the state, the audit
trail and the offering's seat counter stay as they were.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import StaffRole
from catalogue.models import Offering
from core.errors import ApplicationError
from enrolment.models import EnrolmentRequest, Status
from enrolment.services.actions import request_act
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    StaffRoleFactory,
    StudentProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = Status
VERBS = (
    "cancel",
    "staff_cancel",
    "withdraw",
    "accept",
    "decline",
    "resubmit",
    "approve",
    "deny",
    "admit",
    "waitlist",
    "reject",
)
ROLES = (
    "student",
    "other_student",
    "home_approver",
    "exam_board",
    "host_admissions",
    "catalogue_manager",
    "other_home_approver",
    "other_host_admissions",
    "coordinator",
    "admin",
)
STATES = tuple(Status)

BEFORE_ADMISSION = {S.DRAFT, S.SUBMITTED, S.HOME_APPROVED, S.HOME_DENIED, S.WAITLISTED, S.SEAT_OFFERED}
HOST_OPEN = {S.HOME_APPROVED, S.WAITLISTED, S.SEAT_OFFERED, S.ADMITTED, S.REGISTERED}
HOME_OPEN = {S.SUBMITTED, S.HOME_DENIED, *HOST_OPEN}

# (role, verb) → the states it may start from. Anything not listed is refused.
ALLOWED = {
    # The student, on their own request only.
    ("student", "cancel"): BEFORE_ADMISSION,
    ("student", "withdraw"): {S.ADMITTED, S.REGISTERED},
    ("student", "accept"): {S.SEAT_OFFERED},
    ("student", "decline"): {S.SEAT_OFFERED},
    ("student", "resubmit"): {S.HOME_DENIED},
    # Home: the approver decides (one-step policy); both home roles may cancel for the student.
    ("home_approver", "approve"): {S.SUBMITTED},
    ("home_approver", "deny"): {S.SUBMITTED},
    ("home_approver", "staff_cancel"): HOME_OPEN,
    ("exam_board", "staff_cancel"): HOME_OPEN,
    # The API's "cancel" is staff cancelling too, when staff call it.
    ("home_approver", "cancel"): HOME_OPEN,
    ("exam_board", "cancel"): HOME_OPEN,
    # Host admissions, once home has approved.
    ("host_admissions", "admit"): {S.HOME_APPROVED, S.WAITLISTED},
    ("host_admissions", "waitlist"): {S.HOME_APPROVED},
    ("host_admissions", "reject"): {S.HOME_APPROVED, S.WAITLISTED},
    ("host_admissions", "staff_cancel"): HOST_OPEN,
    ("host_admissions", "cancel"): HOST_OPEN,
}

# A move that needs a reason code is given one; the others ignore it.
ARGUMENTS = {"reason": "other", "comment": "matrix", "motivation": ""}


@pytest.fixture
def world(db):
    now = timezone.now()
    home, host, other = (InstitutionFactory(code=code) for code in ("vm-home", "vm-host", "vm-other"))
    period = AcademicPeriodFactory(
        academic_year__institution=host,
        start_date=(now + dt.timedelta(days=60)).date(),
        end_date=(now + dt.timedelta(days=130)).date(),
    )
    offering = OfferingFactory(
        course=CourseFactory(institution=host, code="VM101", ec=5),
        period=period,
        capacity=5,
        enrol_opens_at=now - dt.timedelta(days=1),
        enrol_closes_at=now + dt.timedelta(days=20),
        withdraw_deadline=now + dt.timedelta(days=40),
    )
    R = StaffRole.Role
    users = {
        "other_student": StudentProfileFactory(home_institution=home).user,
        "home_approver": StaffRoleFactory(institution=home, role=R.HOME_APPROVER).user,
        "exam_board": StaffRoleFactory(institution=home, role=R.EXAMINATION_BOARD).user,
        "host_admissions": StaffRoleFactory(institution=host, role=R.HOST_ADMISSIONS).user,
        "catalogue_manager": StaffRoleFactory(institution=host, role=R.CATALOGUE_MANAGER).user,
        "other_home_approver": StaffRoleFactory(institution=other, role=R.HOME_APPROVER).user,
        "other_host_admissions": StaffRoleFactory(institution=other, role=R.HOST_ADMISSIONS).user,
        "coordinator": UserFactory(is_zone_coordinator=True),
        "admin": UserFactory(is_staff=True, is_superuser=True),
    }
    student = StudentProfileFactory(home_institution=home)
    users["student"] = student.user
    return {"student": student, "offering": offering, "users": users}


SEAT_HOLDING = {S.SEAT_OFFERED, S.ADMITTED, S.REGISTERED, S.COMPLETED}


def request_in(world, state) -> EnrolmentRequest:
    """A request of the world's student in ``state``, with the fields that state carries (set up directly:
    fixtures, not moves). A seat-holding state has its seat counted on the offering."""
    now = timezone.now()
    offering = world["offering"]
    approved = state not in (S.DRAFT, S.SUBMITTED, S.HOME_DENIED)
    request = EnrolmentRequest.objects.create(
        student=world["student"],
        offering=offering,
        home_institution=world["student"].home_institution,
        host_institution=offering.institution,
        status=state,
        submitted_at=None if state == S.DRAFT else now,
        home_approved_at=now if approved else None,
        queue_key=1 if state == S.WAITLISTED else None,
        accept_by=now + dt.timedelta(hours=24) if state == S.SEAT_OFFERED else None,
    )
    Offering.objects.filter(pk=offering.pk).update(seats_taken=1 if state in SEAT_HOLDING else 0)
    return request


def attempt(world, role: str, verb: str, state) -> tuple[bool, str]:
    """Try ``verb`` as ``role`` on a fresh request in ``state``; everything is rolled back afterwards.
    Returns (moved, what happened)."""
    with transaction.atomic():
        request = request_in(world, state)
        seats_before = Offering.objects.get(pk=world["offering"].pk).seats_taken
        user = world["users"][role]
        try:
            request_act(user=user, request_id=request.pk, verb=verb, **ARGUMENTS)
        except ApplicationError as error:
            request.refresh_from_db()
            seats_after = Offering.objects.get(pk=world["offering"].pk).seats_taken
            assert error.status_code in (403, 404, 409), f"{role} {verb} from {state}: {error.status_code}"
            assert request.status == state, f"{role} {verb} from {state}: refused but moved to {request.status}"
            assert not request.events.exists(), f"{role} {verb} from {state}: refused but wrote an audit row"
            assert seats_after == seats_before, f"{role} {verb} from {state}: refused but seats changed"
            outcome = (False, error.code)
        else:
            request.refresh_from_db()
            events = list(request.events.order_by("pk"))
            assert events, f"{role} {verb} from {state}: no audit row"
            assert events[0].from_status == state and events[0].actor_id == user.pk
            outcome = (True, request.status)
        transaction.set_rollback(True)
    return outcome


@pytest.mark.parametrize("verb", VERBS)
def test_every_role_in_every_state(world, verb):
    moved = {(role, state) for role in ROLES for state in STATES if attempt(world, role, verb, state)[0]}
    expected = {(role, state) for role in ROLES for state in ALLOWED.get((role, verb), set())}
    assert sorted(moved - expected) == [], f"{verb}: moves that must be refused"
    assert sorted(expected - moved) == [], f"{verb}: moves that must be allowed"


def test_the_table_names_only_real_roles_verbs_and_states():
    for (role, verb), states in ALLOWED.items():
        assert role in ROLES and verb in VERBS and states <= set(STATES)
