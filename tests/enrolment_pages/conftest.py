import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import StaffRole
from catalogue.models import AdmissionMode
from enrolment.services import approval, requests
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    StaffRoleFactory,
    StudentProfileFactory,
    UserFactory,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def client():
    """The pages in English (the portal's default language is Dutch); tests of Dutch say so themselves."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a fresh folder per test, so a test can see exactly what was written."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def zone(db):
    """A home and a host institution (portal-managed), their staff, students and two offerings."""
    home = InstitutionFactory(code="home-u", short_name="HOME")
    host = InstitutionFactory(code="host-u", short_name="HOST")
    other = InstitutionFactory(code="other-u", short_name="OTHER")
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    window = {
        "enrol_opens_at": now - dt.timedelta(days=1),
        "enrol_closes_at": now + dt.timedelta(days=10),
        "withdraw_deadline": now + dt.timedelta(days=20),
    }
    course = CourseFactory(institution=host, code="HOST101", title_en="Energy Systems", ec=5)
    offering = OfferingFactory(course=course, period=period, capacity=2, **window)
    selection = OfferingFactory(
        course=CourseFactory(institution=host, code="HOST202", title_en="Wind Farms", ec=5),
        period=period,
        capacity=1,
        admission_mode=AdmissionMode.SELECTION,
        **window,
    )
    staff = {
        "approver": StaffRoleFactory(institution=home, role=StaffRole.Role.HOME_APPROVER).user,
        "admissions": StaffRoleFactory(institution=host, role=StaffRole.Role.HOST_ADMISSIONS).user,
        "other_approver": StaffRoleFactory(institution=other, role=StaffRole.Role.HOME_APPROVER).user,
        "other_admissions": StaffRoleFactory(institution=other, role=StaffRole.Role.HOST_ADMISSIONS).user,
        "catalogue_manager": StaffRoleFactory(institution=host, role=StaffRole.Role.CATALOGUE_MANAGER).user,
    }
    students = [
        StudentProfileFactory(home_institution=home, user__first_name="Sam", user__last_name=f"Student{i}")
        for i in range(4)
    ]
    coordinator = UserFactory(is_zone_coordinator=True)
    return {
        "home": home,
        "host": host,
        "other": other,
        "period": period,
        "window": window,
        "offering": offering,
        "selection": selection,
        "staff": staff,
        "students": students,
        "student": students[0],
        "coordinator": coordinator,
    }


@pytest.fixture
def submitted(zone):
    """The first student's request for the first-come offering, awaiting home approval."""
    return requests.request_submit(
        user=zone["student"].user, offering_id=zone["offering"].pk, motivation="Fits my minor"
    )


@pytest.fixture
def approved_for_selection(zone):
    """The first student's request for the selection offering, approved by home, awaiting the host."""
    request = requests.request_submit(user=zone["student"].user, offering_id=zone["selection"].pk)
    approval.home_approve(user=zone["staff"]["approver"], request_id=request.pk)
    request.refresh_from_db()
    return request


def login(client, user):
    client.force_login(user)
    return client
