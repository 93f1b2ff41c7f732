import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import StaffRole
from enrolment.models import EnrolmentRequest, Status
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    StaffRoleFactory,
    StudentProfileFactory,
)

R = StaffRole.Role


@pytest.fixture(autouse=True)
def _in_english(english):
    """These tests read the English messages (``english`` in tests/conftest.py)."""


@pytest.fixture
def zone(db):
    """A host with an offering that ended last week, a home institution, their staff, and a student
    registered for the offering (set up directly: a fixture, not moves)."""
    today = timezone.localdate()
    home, host, other = (InstitutionFactory(code=code) for code in ("rs-home", "rs-host", "rs-other"))
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=today - dt.timedelta(days=70), end_date=today - dt.timedelta(days=7)
    )
    offering = OfferingFactory(
        course=CourseFactory(institution=host, code="RS101", ec=5),
        institution=host,
        period=period,
        code="RS101-A",
        start_date=period.start_date,
        end_date=period.end_date,
        enrol_opens_at=timezone.now() - dt.timedelta(days=120),
        enrol_closes_at=timezone.now() - dt.timedelta(days=80),
    )
    other_offering = OfferingFactory(
        course=CourseFactory(institution=other, code="RS202", ec=5),
        institution=other,
        period=AcademicPeriodFactory(
            academic_year__institution=other, start_date=period.start_date, end_date=period.end_date
        ),
        code="RS202-A",
        start_date=period.start_date,
        end_date=period.end_date,
    )
    student = StudentProfileFactory(home_institution=home, user__email="ruth@student.example")

    def registered(offering=offering, who=student, status=Status.REGISTERED):
        return EnrolmentRequest.objects.create(
            student=who,
            offering=offering,
            home_institution=who.home_institution,
            host_institution=offering.institution,
            status=status,
            submitted_at=timezone.now() - dt.timedelta(days=100),
            home_approved_at=timezone.now() - dt.timedelta(days=99),
        )

    class Zone:
        pass

    z = Zone()
    z.today, z.home, z.host, z.other = today, home, host, other
    z.offering, z.other_offering, z.student, z.registered = offering, other_offering, student, registered
    z.host_admissions = StaffRoleFactory(institution=host, role=R.HOST_ADMISSIONS).user
    z.other_admissions = StaffRoleFactory(institution=other, role=R.HOST_ADMISSIONS).user
    z.home_approver = StaffRoleFactory(institution=home, role=R.HOME_APPROVER).user
    return z
