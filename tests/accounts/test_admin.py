import pytest

from accounts.models import StaffRole, User
from tests.factories import StaffRoleFactory, StudentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, email="root@flexportal.example"))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/accounts/user/?q=anna",
        "/admin/accounts/user/?is_zone_coordinator__exact=1",
        "/admin/accounts/user/?staff_roles__role=home_approver",
        "/admin/accounts/studentprofile/?q=S0000",
        "/admin/accounts/studentprofile/?is_actively_enrolled__exact=1",
        "/admin/accounts/staffrole/?q=anna&role__exact=exam_board",
        "/admin/accounts/user/add/",
    ],
)
def test_admin_pages_open(admin_client_for, url):
    StudentProfileFactory(user__email="anna@uu.nl")
    StaffRoleFactory(user__email="anna.staff@uu.nl", role=StaffRole.Role.EXAMINATION_BOARD)

    assert admin_client_for.get(url).status_code == 200


def test_admin_search_finds_by_email(admin_client_for):
    anna = StudentProfileFactory(user__email="anna@uu.nl")
    StudentProfileFactory(user__email="bram@hu.nl")

    changelist = admin_client_for.get("/admin/accounts/studentprofile/?q=anna").context["cl"]

    assert list(changelist.result_list) == [anna]


def test_admin_adds_an_email_only_user(admin_client_for):
    response = admin_client_for.post(
        "/admin/accounts/user/add/",
        {
            "email": "new.coordinator@zone.nl",
            "usable_password": "true",
            "password1": "Xk3!vq9Lm2",
            "password2": "Xk3!vq9Lm2",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.coordinator@zone.nl")
    assert user.check_password("Xk3!vq9Lm2")


def test_admin_change_page_shows_roles_inline(admin_client_for):
    role = StaffRoleFactory(role=StaffRole.Role.CATALOGUE_MANAGER)

    response = admin_client_for.get(f"/admin/accounts/user/{role.user.pk}/change/")

    assert response.status_code == 200
    assert "staff_roles-TOTAL_FORMS" in response.content.decode()
