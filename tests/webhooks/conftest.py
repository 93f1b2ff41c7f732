"""Fixtures of the webhook tests: a portal-managed home and host with an open offering, students and staff,
a real HTTP receiver, and (from tests.ooapi_sync) real Celery worker and beat processes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import StaffRole
from tests.factories import (
    InstitutionFactory,
    StaffRoleFactory,
    StudentProfileFactory,
    open_offering,
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
    offering = open_offering(host, code="WH101", title_en="Signals", capacity=10)
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
