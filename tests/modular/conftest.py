import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import StaffRole
from accounts.services import learner_profile_create
from catalogue.models import AdmissionMode
from tests.factories import (
    AcademicPeriodFactory,
    InstitutionFactory,
    ModuleFactory,
    OfferingFactory,
    ProgrammeFactory,
    StaffRoleFactory,
    StudentProfileFactory,
    UserFactory,
)


@pytest.fixture
def modular(db):
    """A host with a programme that modules stack into; a module open to professionals (the host selects),
    one open to guests only, and a course; host staff in every role, staff of another institution; a
    professional, a guest and an ordinary student."""
    host = InstitutionFactory(code="host-m", short_name="HOSTM")
    other = InstitutionFactory(code="other-m", short_name="OTHERM")
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    window = {"enrol_opens_at": now - dt.timedelta(days=1), "enrol_closes_at": now + dt.timedelta(days=10)}
    master = ProgrammeFactory(institution=host, name_en="Master Data Science")
    module = ModuleFactory(institution=host, code="DATA-PRO", title_en="Data for Professionals", stacks_into=master)
    second = ModuleFactory(institution=host, code="DATA-ADV", title_en="Advanced Data", stacks_into=master)
    offering = OfferingFactory(
        course=None,
        module=module,
        period=period,
        capacity=5,
        admission_mode=AdmissionMode.SELECTION,
        price_module_only=Decimal("450.00"),
        visible_professionals=True,
        **window,
    )
    guests_only = OfferingFactory(
        course=None,
        module=second,
        period=period,
        capacity=5,
        price_module_only=Decimal("300.00"),
        visible_guests=True,
        **window,
    )
    course_offering = OfferingFactory(course__institution=host, period=period, visible_professionals=True, **window)
    staff = {
        "admissions": StaffRoleFactory(institution=host, role=StaffRole.Role.HOST_ADMISSIONS).user,
        "other_admissions": StaffRoleFactory(institution=other, role=StaffRole.Role.HOST_ADMISSIONS).user,
    }
    # One person with every home role at the host as well, to try the home verbs with.
    home_staff = UserFactory(email="home-staff@host-m.nl")
    for role in (StaffRole.Role.HOME_APPROVER, StaffRole.Role.EXAMINATION_BOARD, StaffRole.Role.HOST_ADMISSIONS):
        StaffRoleFactory(user=home_staff, institution=host, role=role)
    staff["home_staff"] = home_staff
    professional = learner_profile_create(user=UserFactory(email="pro@example.com"), kind="professional")
    guest = learner_profile_create(user=UserFactory(email="guest@example.com"), kind="guest")
    student = StudentProfileFactory(home_institution=other)
    return {
        "host": host,
        "other": other,
        "period": period,
        "programme": master,
        "module": module,
        "second": second,
        "offering": offering,
        "guests_only": guests_only,
        "course_offering": course_offering,
        "staff": staff,
        "professional": professional,
        "guest": guest,
        "student": student,
    }
