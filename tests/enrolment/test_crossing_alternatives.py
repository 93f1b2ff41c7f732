"""Two students whose ranked choices cross (one X then Y, the other Y then X) are denied their first choice
at the same moment, on real PostgreSQL, in real threads with their own transactions. Each denial holds its
first offering's lock and then takes the other's for the next choice: the two wait on each other and
PostgreSQL aborts one. The services on that path run again after such an abort, so both students' next
choices go ahead; the control calls the same service without the retry and shows the deadlock is real."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from accounts.models import StaffRole
from catalogue.models import AdmissionMode
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, Status
from enrolment.services import admission, requests
from portal.db import is_retryable
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    StaffRoleFactory,
    StudentProfileFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def crossing(transactional_db):
    home = InstitutionFactory(code="cross-home")
    host = InstitutionFactory(code="cross-host")
    HomeApprovalPolicy.objects.create(institution=home, mode=HomeApprovalPolicy.Mode.AUTOMATIC)
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    now = timezone.now()
    x, y = (
        OfferingFactory(
            course=CourseFactory(institution=host, code=code),
            period=period,
            capacity=5,
            admission_mode=AdmissionMode.SELECTION,
            enrol_opens_at=now - dt.timedelta(days=1),
            enrol_closes_at=now + dt.timedelta(days=10),
        )
        for code in ("CROSSX", "CROSSY")
    )
    first, second = (StudentProfileFactory(home_institution=home) for _ in range(2))
    # Both first choices wait for the host's selection, each with the other offering as the next choice.
    a = requests.request_submit(user=first.user, offering_id=x.pk, alternatives=[y.pk])
    b = requests.request_submit(user=second.user, offering_id=y.pk, alternatives=[x.pk])
    staff = StaffRoleFactory(institution=host, role=StaffRole.Role.HOST_ADMISSIONS).user
    return {"a": a, "b": b, "staff": staff}


def _deny_both_at_once(crossing, monkeypatch, deny) -> list[BaseException]:
    """Deny both first choices in two threads; each waits, holding its first offering's lock, until the
    other holds its own, and only then goes on to the next choice (the interleaving that deadlocks)."""
    both_hold_their_first = threading.Barrier(2)
    advance = requests.alternatives_advance
    waited: set[int] = set()

    def advance_when_both_hold(*, request):
        if threading.get_ident() not in waited:  # the first attempt only: a rerun goes straight on
            waited.add(threading.get_ident())
            both_hold_their_first.wait(timeout=30)
        return advance(request=request)

    monkeypatch.setattr(requests, "alternatives_advance", advance_when_both_hold)
    errors: list[BaseException] = []

    def deny_first_choice(request: EnrolmentRequest):
        try:
            deny(request_id=request.pk, actor=crossing["staff"], reason="capacity")
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(deny_first_choice, [crossing["a"], crossing["b"]]))
    return errors


def _next_choice_status(request: EnrolmentRequest) -> str:
    return EnrolmentRequest.objects.get(choice_group=request.choice_group, rank=2).status


def test_crossing_denials_both_go_ahead(crossing, monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.db"):
        errors = _deny_both_at_once(crossing, monkeypatch, admission.host_deny)

    assert errors == []
    # The deadlock did happen: PostgreSQL aborted one denial, which ran again.
    retried = [r.getMessage().split(":")[0] for r in caplog.records if r.name == "portal.db"]
    assert retried == ["host_deny"]
    for request in (crossing["a"], crossing["b"]):
        request.refresh_from_db()
        assert request.status == Status.HOST_DENIED
        # The next choice was submitted, approved at home by policy, and waits for the host's selection.
        assert _next_choice_status(request) == Status.HOME_APPROVED


def test_control_without_the_retry_one_denial_fails_with_a_deadlock(crossing, monkeypatch):
    errors = _deny_both_at_once(crossing, monkeypatch, admission.host_deny.__wrapped__)

    assert len(errors) == 1
    assert isinstance(errors[0], DatabaseError) and is_retryable(errors[0])
    statuses = sorted(EnrolmentRequest.objects.get(pk=r.pk).status for r in (crossing["a"], crossing["b"]))
    # The aborted denial left nothing behind: its request still waits for the host.
    assert statuses == sorted([Status.HOST_DENIED, Status.HOME_APPROVED])
