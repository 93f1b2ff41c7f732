"""A professional or guest signs up with eduID over OpenID Connect (the portal as a live server, the test
IdP in its own process) or by email, and becomes a module-only learner without a home institution."""

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from accounts.models import StudentProfile, User
from tests.accounts.conftest import browser, oidc_idp, surfconext  # noqa: F401  (the OIDC fixtures)
from tests.accounts.oidc_browser import csrf_token
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "idp-password-2"


def eduid_claims(email):
    # An eduID names no institution: no schac_home_organization.
    return {"email": email, "email_verified": True, "given_name": "Pat", "family_name": "Jansen"}


def test_eduid_from_the_learner_page_makes_a_professional_and_comes_back(browser, surfconext):  # noqa: F811
    InstitutionFactory(code="hu", schac_home="hu.nl")
    surfconext.add_person("pat", password=PASSWORD, claims=eduid_claims("pat@eduid.example"))
    page = browser.get("/accounts/learner/")
    assert page.status_code == 200 and 'id="signup-eduid"' in page.text

    landed = browser.login_via_surfconext("pat", PASSWORD, next_path="/accounts/learner/")

    assert landed.status_code == 200 and landed.url == f"{browser.portal_url}/accounts/learner/", landed.url
    user = User.objects.get()
    assert SocialAccount.objects.get(user=user).provider == "surfconext"
    assert not StudentProfile.objects.exists()  # no profile until they say which kind of learner they are
    chosen = browser.session.post(
        f"{browser.portal_url}/accounts/learner/",
        data={"csrfmiddlewaretoken": csrf_token(landed.text), "kind": "professional"},
        timeout=10,
    )
    assert chosen.status_code == 200 and chosen.url == f"{browser.portal_url}/billing/modules/"
    profile = StudentProfile.objects.get(user=user)
    assert (profile.kind, profile.home_institution_id, profile.programme_id, profile.is_actively_enrolled) == (
        "professional",
        None,
        None,
        False,
    )
    # Back another day through the ordinary login button: a known learner's eduID is accepted.
    browser.session.cookies.clear()
    again = browser.login_via_surfconext("pat", PASSWORD)
    assert again.status_code == 200 and again.url == f"{browser.portal_url}/accounts/profile/"
    assert "Professional" in again.text
    assert User.objects.count() == 1 and StudentProfile.objects.count() == 1


def test_an_eduid_without_institution_is_still_refused_from_the_ordinary_login(browser, surfconext):  # noqa: F811
    surfconext.add_person("nobody", password=PASSWORD, claims=eduid_claims("nobody@eduid.example"))
    landed = browser.login_via_surfconext("nobody", PASSWORD)
    assert landed.status_code == 403
    assert not User.objects.exists()


def test_email_signup_then_guest(client):
    response = client.post(
        "/accounts/signup/?next=/accounts/learner/",
        {
            "email": "Guest@Example.com",
            "password1": "a long enough pass phrase 1",
            "password2": "a long enough pass phrase 1",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].startswith("/accounts/learner/")
    assert EmailAddress.objects.filter(email="guest@example.com").exists()
    refused = client.post("/accounts/learner/", {"kind": "student"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and not StudentProfile.objects.exists()
    chosen = client.post("/accounts/learner/", {"kind": "guest"}, HTTP_ACCEPT_LANGUAGE="en")
    assert chosen.status_code == 302 and chosen["Location"] == "/billing/modules/"
    assert StudentProfile.objects.get(user__email="guest@example.com").kind == "guest"
