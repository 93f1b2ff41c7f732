"""Two students whose ranked choices cross (one X then Y, the other Y then X) are denied their first choice
at the same moment, on real PostgreSQL, in real threads with their own transactions.

Each denial needs both offerings: its first choice's and, for the next choice, the other. ``enrolment.locks``
takes every offering a command needs up front, sorted, so both denials ask for X before Y and the second
simply waits for the first: no deadlock, and no retry needed (the services run here without
``retry_on_deadlock``, which stays only as a safety net). The control takes the same two rows in the order
the code took them before (its own first choice, then the next one) and shows that this order deadlocks.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import StaffRole
from catalogue.models import AdmissionMode, Offering
from core.db import is_retryable
from enrolment import flow
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, Status
from enrolment.services import admission, requests
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


def _deny_both_at_once(crossing, monkeypatch, deny) -> tuple[list[BaseException], list[float]]:
    """Deny both first choices in two threads that start together; each holds its locks a moment after its
    move, so the other asks for them while they are held."""
    start = threading.Barrier(2)
    advance = flow.advance

    def slow_advance(*args, **kwargs):
        time.sleep(0.3)
        return advance(*args, **kwargs)

    monkeypatch.setattr(flow, "advance", slow_advance)
    errors: list[BaseException] = []
    durations: list[float] = []

    def deny_first_choice(request: EnrolmentRequest):
        try:
            start.wait(timeout=30)
            began = time.monotonic()
            deny(request_id=request.pk, actor=crossing["staff"], reason="capacity")
            durations.append(time.monotonic() - began)
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(deny_first_choice, [crossing["a"], crossing["b"]]))
    return errors, durations


def _next_choice_status(request: EnrolmentRequest) -> str:
    return EnrolmentRequest.objects.get(choice_group=request.choice_group, rank=2).status


def test_crossing_denials_both_go_ahead_without_a_retry(crossing, monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="core.db"):
        errors, durations = _deny_both_at_once(crossing, monkeypatch, admission.host_deny.__wrapped__)

    assert errors == []
    assert [r for r in caplog.records if r.name == "core.db"] == []  # no deadlock to retry
    # They did meet: one waited for the other's locks (each holds them at least 0.3 s).
    assert max(durations) >= 0.55
    for request in (crossing["a"], crossing["b"]):
        request.refresh_from_db()
        assert request.status == Status.HOST_DENIED
        # The next choice was submitted, approved at home by policy, and waits for the host's selection.
        assert _next_choice_status(request) == Status.HOME_APPROVED


def test_control_locking_first_choice_then_next_deadlocks(crossing):
    """The order before: each command locked its own first offering, then the next choice's."""
    x, y = crossing["a"].offering_id, crossing["b"].offering_id
    both_hold_their_first = threading.Barrier(2)
    errors: list[BaseException] = []

    def lock(first: int, then: int):
        try:
            with transaction.atomic():
                list(Offering.objects.select_for_update().filter(pk=first))
                both_hold_their_first.wait(timeout=30)
                list(Offering.objects.select_for_update().filter(pk=then))
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lock, [x, y], [y, x]))
    assert len(errors) == 1
    assert isinstance(errors[0], DatabaseError) and is_retryable(errors[0])
