"""Fixtures of the webhook tests: a portal-managed home and host with an open offering, students and staff,
a real HTTP receiver, and (from tests.ooapi_sync) real Celery worker and beat processes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import StaffRole
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    StaffRoleFactory,
    StudentProfileFactory,
)
from tests.ooapi_sync.conftest import sync_config  # noqa: F401 (a fixture)
from tests.webhooks.receiver import Receiver, free_port


@dataclass
class Zone:
    home: object
    host: object
    other: object
    offering: object
    students: list
    home_staff: object
    host_staff: object
    other_staff: object


def make_zone() -> Zone:
    home = InstitutionFactory(code="wh-home", short_name="WHHOME")
    host = InstitutionFactory(code="wh-host", short_name="WHHOST")
    other = InstitutionFactory(code="wh-other", short_name="WHOTHER")
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    course = CourseFactory(institution=host, code="WH101", title_en="Signals", ec=5)
    offering = OfferingFactory(
        course=course,
        period=period,
        capacity=10,
        enrol_opens_at=now - dt.timedelta(days=1),
        enrol_closes_at=now + dt.timedelta(days=10),
        withdraw_deadline=now + dt.timedelta(days=20),
    )
    return Zone(
        home=home,
        host=host,
        other=other,
        offering=offering,
        students=[StudentProfileFactory(home_institution=home) for _ in range(3)],
        home_staff=StaffRoleFactory(institution=home, role=StaffRole.Role.HOME_APPROVER).user,
        host_staff=StaffRoleFactory(institution=host, role=StaffRole.Role.HOST_ADMISSIONS).user,
        other_staff=StaffRoleFactory(institution=other, role=StaffRole.Role.HOME_APPROVER).user,
    )


@pytest.fixture
def zone(db) -> Zone:
    return make_zone()


@pytest.fixture
def committed_zone(transactional_db) -> Zone:
    return make_zone()


@pytest.fixture
def receiver():
    running = Receiver(port=free_port())
    running.start()
    yield running
    running.stop()
