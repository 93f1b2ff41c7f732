"""A staff member reading a student's record appears in the student's view: role and institution, not name."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import RecordRead, StaffRole
from enrolment.models import EnrolmentRequest
from tests.credentials.world import recognised_pass, zone
from tests.factories import StaffRoleFactory

__all__ = ["zone"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def request_(zone, django_capture_on_commit_callbacks):
    recognised_pass(zone, django_capture_on_commit_callbacks)
    return EnrolmentRequest.objects.get(student=zone.student)


def test_a_staff_read_shows_in_the_students_view_with_role_and_institution(zone, request_, client):
    zone.home_board.first_name = "Bram"
    zone.home_board.save()
    client.force_login(zone.home_board)
    assert client.get(reverse("enrolment:request", args=[request_.public_id])).status_code == 200
    assert client.get(reverse("results:request", args=[request_.public_id])).status_code == 200
    reads = list(RecordRead.objects.filter(student=zone.student).order_by("pk"))
    assert [(r.role, r.institution_id, r.what) for r in reads] == [
        (StaffRole.Role.EXAMINATION_BOARD, zone.home.pk, "request"),
        (StaffRole.Role.EXAMINATION_BOARD, zone.home.pk, "results"),
    ]
    client.force_login(zone.student.user)
    page = client.get(reverse("privacy:mine")).content.decode()
    assert page.count('data-read-role="exam_board"') == 2
    assert zone.home.name in page
    assert "Bram" not in page


def test_the_host_reads_as_the_host(zone, request_, client):
    client.force_login(zone.host_admissions)
    client.get(reverse("enrolment:request", args=[request_.public_id]))
    read = RecordRead.objects.get(student=zone.student)
    assert (read.role, read.institution_id) == (StaffRole.Role.HOST_ADMISSIONS, zone.host.pk)


def test_reloading_is_one_read_and_the_students_own_reading_none(zone, request_, client):
    client.force_login(zone.student.user)
    client.get(reverse("enrolment:request", args=[request_.public_id]))
    assert not RecordRead.objects.exists()
    client.force_login(zone.host_admissions)
    for _ in range(3):
        client.get(reverse("enrolment:request", args=[request_.public_id]))
    assert RecordRead.objects.count() == 1


def test_staff_of_a_third_institution_read_nothing_and_leave_no_row(zone, request_, client):
    client.force_login(zone.other_board)
    assert client.get(reverse("enrolment:request", args=[request_.public_id])).status_code == 404
    assert not RecordRead.objects.exists()


def test_another_student_does_not_see_these_reads(zone, request_, client):
    client.force_login(zone.host_admissions)
    client.get(reverse("enrolment:request", args=[request_.public_id]))
    other = StaffRoleFactory(institution=zone.other, role=StaffRole.Role.HOME_APPROVER).user
    client.force_login(other)
    assert 'data-read-role="' not in client.get(reverse("privacy:mine")).content.decode()
