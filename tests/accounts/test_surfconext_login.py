"""Logging in through SURFconext / eduID, for real: the portal (live server) talks OpenID Connect with a
django-oauth-toolkit provider in another process, and a requests session plays the browser."""

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.utils import translation
from django.utils.html import escape

from accounts.errors import HOME_INSTITUTION_MISSING_MESSAGE, HOME_INSTITUTION_UNKNOWN_MESSAGE, MFA_REQUIRED_MESSAGE
from accounts.models import StaffRole, StudentProfile, User
from tests.accounts.oidc_browser import Browser
from tests.factories import InstitutionFactory, ProgrammeFactory, StaffRoleFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "idp-password-1"


def claims(*, email, schac_home=None, student_id=None, **extra):
    released = {"email": email, "email_verified": True, "given_name": "Sanne", "family_name": "de Vries", **extra}
    if schac_home is not None:
        released["schac_home_organization"] = schac_home
    if student_id is not None:
        released["schac_personal_unique_code"] = [
            f"urn:schac:personalUniqueCode:nl:local:{schac_home}:studentid:{student_id}"
        ]
    return released


def english_html(message, **values):
    """The message as the English page shows it (HTML-escaped)."""
    with translation.override("en"):
        return escape(str(message) % values if values else str(message))


def test_first_login_creates_a_logged_in_student_at_the_home_institution(browser, surfconext):
    utrecht = InstitutionFactory(code="hu", schac_home="hu.nl")
    InstitutionFactory(code="uva", schac_home="uva.nl")
    surfconext.add_person(
        "sanne", password=PASSWORD, claims=claims(email="Sanne@Student.HU.nl", schac_home="HU.nl", student_id="1234567")
    )

    landed = browser.login_via_surfconext("sanne", PASSWORD)

    assert landed.status_code == 200
    assert landed.url == f"{browser.portal_url}/accounts/profile/"
    user = User.objects.get()
    assert user.email == "sanne@student.hu.nl"
    assert (user.first_name, user.last_name) == ("Sanne", "de Vries")
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).provider == "surfconext"
    profile = StudentProfile.objects.get(user=user)
    assert profile.home_institution == utrecht
    assert profile.student_number == "1234567"
    # The session is a real login: the profile page and the API both know who this is.
    assert "sanne@student.hu.nl" in landed.text
    me = browser.get("/accounts/api/me/").json()
    assert me["email"] == "sanne@student.hu.nl"
    assert me["home_institution"]["code"] == "hu"
    assert [role["role"] for role in me["roles"]] == ["student"]


def test_unknown_institution_gets_a_clear_page_and_nothing_is_created(browser, surfconext):
    InstitutionFactory(code="hu", schac_home="hu.nl")
    surfconext.add_person(
        "visitor", password=PASSWORD, claims=claims(email="visitor@elsewhere.edu", schac_home="elsewhere.edu")
    )

    landed = browser.login_via_surfconext("visitor", PASSWORD)

    assert landed.status_code == 403
    assert english_html(HOME_INSTITUTION_UNKNOWN_MESSAGE, schac_home="elsewhere.edu") in landed.text
    assert 'data-error-code="home_institution_unknown"' in landed.text
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()
    assert not EmailAddress.objects.exists()
    assert not StudentProfile.objects.exists()
    assert browser.get("/accounts/api/me/").status_code == 403


def test_missing_schac_home_claim_gets_a_clear_page_and_nothing_is_created(browser, surfconext):
    InstitutionFactory(code="hu", schac_home="hu.nl")
    surfconext.add_person("eduid-only", password=PASSWORD, claims=claims(email="someone@eduid.example"))

    landed = browser.login_via_surfconext("eduid-only", PASSWORD)

    assert landed.status_code == 403
    assert english_html(HOME_INSTITUTION_MISSING_MESSAGE) in landed.text
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()
    assert browser.get("/accounts/api/me/").status_code == 403


def test_returning_student_moves_to_the_institution_the_claims_name_now(live_server, surfconext):
    hu = InstitutionFactory(code="hu", schac_home="hu.nl")
    uva = InstitutionFactory(code="uva", schac_home="uva.nl")
    surfconext.add_person(
        "mover", password=PASSWORD, claims=claims(email="mover@hu.nl", schac_home="hu.nl", student_id="1111111")
    )
    Browser(portal_url=live_server.url, idp=surfconext).login_via_surfconext("mover", PASSWORD)
    user = User.objects.get()
    profile = StudentProfile.objects.get(user=user)
    profile.programme = ProgrammeFactory(institution=hu)
    profile.save()

    # Next year the student logs in from their new institution, in a new browser.
    surfconext.set_claims("mover", claims(email="mover@hu.nl", schac_home="uva.nl", student_id="2222222"))
    landed = Browser(portal_url=live_server.url, idp=surfconext).login_via_surfconext("mover", PASSWORD)

    assert landed.status_code == 200
    assert User.objects.get() == user
    profile.refresh_from_db()
    assert profile.home_institution == uva
    assert profile.student_number == "2222222"
    assert profile.programme is None  # the old institution's programme does not follow the student


def test_returning_student_without_schac_home_is_refused_and_keeps_the_profile(live_server, surfconext):
    hu = InstitutionFactory(code="hu", schac_home="hu.nl")
    surfconext.add_person(
        "lapsed", password=PASSWORD, claims=claims(email="lapsed@hu.nl", schac_home="hu.nl", student_id="3333333")
    )
    Browser(portal_url=live_server.url, idp=surfconext).login_via_surfconext("lapsed", PASSWORD)

    surfconext.set_claims("lapsed", claims(email="lapsed@hu.nl"))
    browser = Browser(portal_url=live_server.url, idp=surfconext)
    landed = browser.login_via_surfconext("lapsed", PASSWORD)

    assert landed.status_code == 403
    assert english_html(HOME_INSTITUTION_MISSING_MESSAGE) in landed.text
    assert browser.get("/accounts/api/me/").status_code == 403
    profile = StudentProfile.objects.get()
    assert (profile.home_institution, profile.student_number) == (hu, "3333333")


def test_student_number_held_by_another_account_is_refused_without_a_half_created_user(browser, surfconext):
    hu = InstitutionFactory(code="hu", schac_home="hu.nl")
    StudentProfileFactory(home_institution=hu, student_number="4444444", user__email="first@hu.nl")
    surfconext.add_person(
        "second", password=PASSWORD, claims=claims(email="second@hu.nl", schac_home="hu.nl", student_id="4444444")
    )

    landed = browser.login_via_surfconext("second", PASSWORD)

    assert landed.status_code == 409
    assert 'data-error-code="student_number_taken"' in landed.text
    assert list(User.objects.values_list("email", flat=True)) == ["first@hu.nl"]
    assert not SocialAccount.objects.exists()
    assert not EmailAddress.objects.filter(email="second@hu.nl").exists()


def test_staff_who_log_in_through_surfconext_can_set_up_totp_without_a_password(live_server, surfconext, settings):
    hu = InstitutionFactory(code="hu", schac_home="hu.nl")
    surfconext.add_person(
        "approver",
        password=PASSWORD,
        claims=claims(email="approver@hu.nl", schac_home="hu.nl", eduperson_affiliation=["employee"]),
    )
    Browser(portal_url=live_server.url, idp=surfconext).login_via_surfconext("approver", PASSWORD)
    user = User.objects.get()
    assert not StudentProfile.objects.exists()  # an employee, not a student
    StaffRoleFactory(user=user, institution=hu, role=StaffRole.Role.HOME_APPROVER)
    settings.PORTAL_REQUIRE_STAFF_MFA = True

    landed = Browser(portal_url=live_server.url, idp=surfconext).login_via_surfconext("approver", PASSWORD)

    # Sent to the setup page, and it opens: no password to reauthenticate with is needed right after login.
    assert landed.status_code == 200
    assert landed.url == f"{live_server.url}/accounts/2fa/totp/activate/"
    assert english_html(MFA_REQUIRED_MESSAGE) in landed.text
