import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import StaffRole
from routes.mijndiploma.models import ProgrammeRules
from routes.mijndiploma.services import composing
from tests.factories import (
    AcademicPeriodFactory,
    AcademicYearFactory,
    CourseFactory,
    InstitutionFactory,
    ModuleFactory,
    OfferingFactory,
    StaffRoleFactory,
    StudentProfileFactory,
)

R = StaffRole.Role
QUARTERS = {1: (dt.date(2027, 2, 1), dt.date(2027, 4, 16)), 2: (dt.date(2027, 4, 19), dt.date(2027, 7, 2))}


@pytest.fixture(autouse=True)
def _in_english(english):
    """These tests read the English messages (``english`` in tests/conftest.py)."""


class Zone:
    """A home institution with its student, programme rules and board; two other institutions; and a helper
    that makes an offering of a course in quarter 1 or 2 of any of them."""

    def __init__(self):
        self.home, self.x, self.y = (InstitutionFactory(code=c) for c in ("md-home", "md-x", "md-y"))
        self.periods = {}
        for inst in (self.home, self.x, self.y):
            year = AcademicYearFactory(institution=inst)
            for number, (start, end) in QUARTERS.items():
                self.periods[(inst.pk, number)] = AcademicPeriodFactory(
                    academic_year=year, sequence=number, start_date=start, end_date=end
                )
        self.student = StudentProfileFactory(home_institution=self.home, user__email="mira@student.example")
        self.rules = ProgrammeRules.objects.create(
            programme=self.student.programme,
            ec_min=Decimal("10"),
            ec_max=Decimal("30"),
            outside_home_max=Decimal("15"),
            level_minimums={"bachelor": 10},
        )
        self.board = StaffRoleFactory(institution=self.home, role=R.EXAMINATION_BOARD).user
        self.other_board = StaffRoleFactory(institution=self.x, role=R.EXAMINATION_BOARD).user

    def offer(self, institution=None, *, ec=5, level="bachelor", quarter=1, code=None, slots=None, module=False, **kw):
        institution = institution or self.home
        period = self.periods[(institution.pk, quarter)]
        teachable = {"institution": institution, "ec": Decimal(str(ec)), "level": level}
        if code:
            teachable["code"] = code
        fields = (
            {"module": ModuleFactory(**teachable), "course": None} if module else {"course": CourseFactory(**teachable)}
        )
        return OfferingFactory(
            **fields,
            institution=institution,
            period=period,
            start_date=period.start_date,
            end_date=period.end_date,
            timeslots=slots or [],
            **kw,
        )

    def compose(self, *offerings, user=None):
        """Start the student's programme and save ``offerings`` in its draft; returns the version."""
        user = user or self.student.user
        composed = composing.programme_start(user=user)
        version = composed.versions.get(number=composed.versions.count())
        return composing.version_save(
            user=user,
            version_id=version.pk,
            row_version=version.row_version,
            items=[{"offering": o.pk} for o in offerings],
        )


@pytest.fixture
def zone(db):
    return Zone()
