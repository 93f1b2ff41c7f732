"""The consent screen: met at first login, answered and recorded, met again when its words change."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import StaffRole
from privacy import consent
from privacy.models import ConsentAnswer
from tests.factories import InstitutionFactory, StaffRoleFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-1"


@pytest.fixture(autouse=True)
def required(settings, client):
    settings.PRIVACY_CONSENT_REQUIRED = True
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def student():
    user = StudentProfileFactory(home_institution=InstitutionFactory()).user
    user.set_password(PASSWORD)
    user.save()
    return user


def _log_in(client, user):
    """Through allauth's own login form, as a person does."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def test_a_first_login_meets_the_screen_and_the_answer_is_recorded(client, student):
    _log_in(client, student)
    response = client.get(reverse("enrolment:requests"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('privacy:consent')}?next=%2Fenrolment%2Frequests%2F"
    page = client.get(response["Location"]).content.decode()
    assert "The host institution of a course you ask for" in page
    assert "Counts only, never your records" in page

    answered = client.post(
        reverse("privacy:consent"),
        {"answer": "agree", "version": consent.consent_version(), "next": "/enrolment/requests/"},
    )
    assert answered["Location"] == "/enrolment/requests/"
    assert list(ConsentAnswer.objects.values_list("user", "version", "agreed")) == [
        (student.pk, consent.consent_version(), True)
    ]
    assert client.get(reverse("enrolment:requests")).status_code == 200
    # A later login does not ask again.
    client.logout()
    _log_in(client, student)
    assert client.get(reverse("enrolment:requests")).status_code == 200


def test_the_screen_comes_back_when_its_words_change(client, student, monkeypatch):
    ConsentAnswer.objects.create(user=student, version=consent.consent_version(), agreed=True)
    _log_in(client, student)
    assert client.get(reverse("enrolment:requests")).status_code == 200
    changed = (*consent.FLOWS, consent.Flow(to="A new party", what="Your name", why="A new reason"))
    monkeypatch.setattr(consent, "FLOWS", changed)
    response = client.get(reverse("enrolment:requests"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("privacy:consent"))


def test_declining_is_recorded_and_signs_out(client, student):
    _log_in(client, student)
    response = client.post(reverse("privacy:consent"), {"answer": "decline", "version": consent.consent_version()})
    assert response["Location"] == reverse("home")
    assert ConsentAnswer.objects.get(user=student).agreed is False
    assert "_auth_user_id" not in client.session


def test_an_answer_to_outdated_words_is_refused_and_records_nothing(client, student):
    _log_in(client, student)
    response = client.post(reverse("privacy:consent"), {"answer": "agree", "version": "0" * 16})
    assert response.status_code == 409
    assert "has changed since you opened it" in response.content.decode()
    assert not ConsentAnswer.objects.exists()


def test_next_goes_nowhere_outside_the_portal(client, student):
    _log_in(client, student)
    response = client.post(
        reverse("privacy:consent"),
        {"answer": "agree", "version": consent.consent_version(), "next": "https://elsewhere.example/"},
    )
    assert response["Location"] == reverse("home")


def test_staff_and_the_api_are_not_sent_to_the_screen(client, student):
    staff = StaffRoleFactory(role=StaffRole.Role.HOST_ADMISSIONS).user
    client.force_login(staff)
    assert client.get(reverse("account_profile")).status_code == 200
    client.force_login(student)
    assert client.get("/api/enrolments/").status_code == 200
    assert client.get(reverse("account_profile")).status_code == 302


def test_off_means_no_screen(client, student, settings):
    settings.PRIVACY_CONSENT_REQUIRED = False
    client.force_login(student)
    assert client.get(reverse("account_profile")).status_code == 200
