import pytest

from accounts.models import StaffRole
from accounts.selectors import (
    ADMINISTRATOR,
    STUDENT,
    ZONE_COORDINATOR,
    staff_institutions,
    user_requires_mfa,
    user_roles,
)
from tests.factories import InstitutionFactory, StaffRoleFactory, StudentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_roles_lists_everything_a_user_is():
    hu, uu = InstitutionFactory(code="hu"), InstitutionFactory(code="uu")
    profile = StudentProfileFactory(home_institution=hu, user__is_zone_coordinator=True, user__is_superuser=True)
    user = profile.user
    StaffRoleFactory(user=user, institution=uu, role=StaffRole.Role.EXAMINATION_BOARD)
    StaffRoleFactory(user=user, institution=hu, role=StaffRole.Role.CATALOGUE_MANAGER)

    grants = user_roles(user=user)

    assert [(g.role, g.institution) for g in grants] == [
        (STUDENT, hu),
        (StaffRole.Role.CATALOGUE_MANAGER, hu),
        (StaffRole.Role.EXAMINATION_BOARD, uu),
        (ZONE_COORDINATOR, None),
        (ADMINISTRATOR, None),
    ]


def test_user_roles_of_a_plain_user_is_empty():
    assert user_roles(user=UserFactory()) == []


def test_staff_institutions_filters_by_role():
    hu, uu, fontys = InstitutionFactory(code="hu"), InstitutionFactory(code="uu"), InstitutionFactory(code="fontys")
    user = UserFactory()
    StaffRoleFactory(user=user, institution=hu, role=StaffRole.Role.HOME_APPROVER)
    StaffRoleFactory(user=user, institution=uu, role=StaffRole.Role.HOST_ADMISSIONS)
    StaffRoleFactory(user=user, institution=uu, role=StaffRole.Role.HOME_APPROVER)
    StaffRoleFactory(institution=fontys, role=StaffRole.Role.HOME_APPROVER)  # someone else's

    assert list(staff_institutions(user=user)) == [hu, uu]
    assert list(staff_institutions(user=user, role=StaffRole.Role.HOST_ADMISSIONS)) == [uu]
    assert list(staff_institutions(user=user, role=StaffRole.Role.EXAMINATION_BOARD)) == []
    # A superuser acts for no institution without an explicit role.
    assert list(staff_institutions(user=UserFactory(is_superuser=True))) == []


@pytest.mark.parametrize(
    ("make_user", "required"),
    [
        (lambda: StudentProfileFactory().user, False),
        (lambda: StaffRoleFactory().user, True),
        (lambda: UserFactory(is_zone_coordinator=True), True),
        (lambda: UserFactory(is_superuser=True), True),
        (lambda: UserFactory(is_staff=True), True),
    ],
)
def test_who_needs_mfa(make_user, required):
    assert user_requires_mfa(user=make_user()) is required


def test_profile_page_needs_a_login(client):
    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_page_shows_home_institution_and_roles(client, settings):
    settings.LANGUAGE_CODE = "en"
    hu = InstitutionFactory(code="hu", name_en="HU University of Applied Sciences Utrecht", short_name="HU")
    profile = StudentProfileFactory(home_institution=hu, student_number="1234567")
    StaffRoleFactory(
        user=profile.user, institution=InstitutionFactory(short_name="UU"), role=StaffRole.Role.HOST_ADMISSIONS
    )
    client.force_login(profile.user)

    page = client.get("/accounts/profile/").content.decode()

    assert "HU University of Applied Sciences Utrecht (HU)" in page
    assert "1234567" in page
    assert '<li data-role="student">Student · HU</li>' in page
    assert '<li data-role="host_admissions">Host admissions · UU</li>' in page


def test_profile_page_for_a_user_without_roles(client, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(UserFactory())

    page = client.get("/accounts/profile/").content.decode()

    assert "None: you are not registered as a student." in page
    assert "You have no roles in the portal yet." in page
