import pytest

from accounts.models import StaffRole
from enrolment.models import HomeApprovalPolicy
from tests.factories import (
    InstitutionFactory,
    StaffRoleFactory,
    StudentProfileFactory,
    open_offering,
)


@pytest.fixture
def zone(db):
    """A home and a host institution (both portal-managed), their staff, a student and an offering."""
    home = InstitutionFactory(code="home-u", short_name="HOME")
    host = InstitutionFactory(code="host-u", short_name="HOST")
    other = InstitutionFactory(code="other-u", short_name="OTHER")
    offering = open_offering(host, code="HOST101", title_en="Energy Systems", capacity=2)
    staff = {
        "approver": StaffRoleFactory(institution=home, role=StaffRole.Role.HOME_APPROVER).user,
        "exam_board": StaffRoleFactory(institution=home, role=StaffRole.Role.EXAMINATION_BOARD).user,
        "admissions": StaffRoleFactory(institution=host, role=StaffRole.Role.HOST_ADMISSIONS).user,
        "other_approver": StaffRoleFactory(institution=other, role=StaffRole.Role.HOME_APPROVER).user,
        "other_admissions": StaffRoleFactory(institution=other, role=StaffRole.Role.HOST_ADMISSIONS).user,
    }
    students = [StudentProfileFactory(home_institution=home) for _ in range(4)]
    return {
        "home": home,
        "host": host,
        "other": other,
        "period": offering.period,
        "course": offering.course,
        "offering": offering,
        "staff": staff,
        "students": students,
        "student": students[0],
    }


@pytest.fixture
def auto_approving_home(zone):
    return HomeApprovalPolicy.objects.create(institution=zone["home"], mode=HomeApprovalPolicy.Mode.AUTOMATIC)
