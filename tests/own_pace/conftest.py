import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import StaffRole
from billing.models_tuition import StatutoryFee, TuitionPolicy
from enrolment.models import EnrolmentRequest, Status
from institutions.models import AcademicPeriod
from results.models import Result
from routes.own_pace.models import OwnPaceRules
from tests.factories import (
    AcademicYearFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgrammeFactory,
    StaffRoleFactory,
    StudentProfileFactory,
)

FEE = Decimal("2601.00")


@pytest.fixture(autouse=True)
def _in_english(english):
    """These tests read the English messages (``english`` in tests/conftest.py)."""


class Zone:
    pass


def make_zone(*, year_started_days_ago: int = 30, code: str = "op-home") -> Zone:
    """A home institution piloting own pace with a running academic year of four quarters (the first began
    ``year_started_days_ago`` days ago), its rules, fee and policy, a student, an approver, and a host
    institution with a course that runs in the home's second quarter."""
    today = timezone.localdate()
    z = Zone()
    z.today = today
    z.home = InstitutionFactory(code=code, piloted_routes=["own_pace", "off_the_beaten_path"])
    z.host = InstitutionFactory(code=f"{code}-host")
    start = today - dt.timedelta(days=year_started_days_ago)
    z.year = AcademicYearFactory(
        institution=z.home,
        name=f"{start.year}-{start.year + 1}",
        start_date=start,
        end_date=start + dt.timedelta(days=364),
    )
    z.periods = [
        AcademicPeriod.objects.create(
            academic_year=z.year,
            institution=z.home,
            kind="quarter",
            sequence=n + 1,
            name_nl=f"Periode {n + 1}",
            name_en=f"Quarter {n + 1}",
            start_date=start + dt.timedelta(days=91 * n),
            end_date=start + dt.timedelta(days=91 * n + 80),
        )
        for n in range(4)
    ]
    OwnPaceRules.objects.create(
        institution=z.home,
        min_ec_per_year=12,
        max_ec_per_year=60,
        max_ec_per_period=Decimal("15"),
        change_deadline_days=150,
    )
    StatutoryFee.objects.get_or_create(academic_year=z.year.name, defaults={"annual_fee": FEE})
    z.policy = TuitionPolicy.objects.create(institution=z.home, surcharge_percent=Decimal("10"), resit_charged=True)
    z.programme = ProgrammeFactory(institution=z.home, ec=Decimal("180"))
    z.student = StudentProfileFactory(home_institution=z.home, programme=z.programme, user__email=f"stu@{code}.example")
    z.approver = StaffRoleFactory(institution=z.home, role=StaffRole.Role.HOME_APPROVER).user
    z.basics = CourseFactory(institution=z.home, code="OP-101", ec=Decimal("5"))
    z.advanced = CourseFactory(institution=z.home, code="OP-201", ec=Decimal("5"))
    z.advanced.prerequisites.add(z.basics)
    z.elsewhere = CourseFactory(institution=z.host, code="HOST-300", ec=Decimal("6"))
    host_period = AcademicYearFactory(institution=z.host, name=z.year.name).periods.create(
        institution=z.host,
        kind="quarter",
        sequence=2,
        name_nl="Blok 2",
        name_en="Block 2",
        start_date=z.periods[1].start_date,
        end_date=z.periods[1].end_date,
    )
    z.run = OfferingFactory(
        course=z.elsewhere,
        institution=z.host,
        period=host_period,
        start_date=host_period.start_date,
        end_date=host_period.end_date,
    )
    return z


@pytest.fixture
def zone(db) -> Zone:
    return make_zone()


def passed_result(student, course, *, attempt=1, passed=True, assessed_on=None, ec=None) -> Result:
    """A result of ``course`` for ``student`` (set up directly: a fixture, not moves)."""
    today = timezone.localdate()
    offering = OfferingFactory(
        course=course,
        institution=course.institution,
        period=AcademicPeriod.objects.filter(institution=course.institution).order_by("pk").first(),
        start_date=today - dt.timedelta(days=60),
        end_date=today - dt.timedelta(days=5),
    )
    request = EnrolmentRequest.objects.create(
        student=student,
        offering=offering,
        home_institution=student.home_institution,
        host_institution=course.institution,
        status=Status.COMPLETED,
        submitted_at=timezone.now() - dt.timedelta(days=90),
        home_approved_at=timezone.now() - dt.timedelta(days=89),
    )
    return Result.objects.create(
        request=request,
        scale="1-10",
        score="7" if passed else "4",
        passed=passed,
        ec=course.ec if ec is None else ec,
        assessed_on=assessed_on or today - dt.timedelta(days=5),
        attempt=attempt,
    )
