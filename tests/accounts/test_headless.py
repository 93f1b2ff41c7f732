"""API clients log in through allauth headless and use the session token against the portal's DRF API."""

import json

import pytest

from tests.factories import StaffRoleFactory, StudentProfileFactory, UserFactory

PASSWORD = "correct horse battery staple"  # the factories' password
LOGIN_URL = "/_allauth/app/v1/auth/login"
SESSION_URL = "/_allauth/app/v1/auth/session"
ME_URL = "/accounts/api/me/"

pytestmark = pytest.mark.django_db


def app_login(client, email, password):
    return client.post(
        LOGIN_URL, data=json.dumps({"email": email, "password": password}), content_type="application/json"
    )


def test_login_returns_a_session_token_that_authenticates_drf_requests(client):
    profile = StudentProfileFactory(user__email="anna@uu.nl", home_institution__code="uu")

    login = app_login(client, "anna@uu.nl", PASSWORD)

    assert login.status_code == 200
    body = login.json()
    assert body["meta"]["is_authenticated"] is True
    assert body["data"]["user"]["email"] == "anna@uu.nl"
    token = body["meta"]["session_token"]
    # A fresh client: no session cookie, only the token.
    client.cookies.clear()
    me = client.get(ME_URL, headers={"X-Session-Token": token})
    assert me.status_code == 200
    assert me.json()["email"] == "anna@uu.nl"
    assert me.json()["home_institution"]["code"] == profile.home_institution.code


def test_email_lookup_ignores_letter_case(client):
    UserFactory(email="anna@uu.nl")

    assert app_login(client, "Anna@UU.nl", PASSWORD).status_code == 200


def test_wrong_password_gives_no_token(client):
    UserFactory(email="anna@uu.nl")

    login = app_login(client, "anna@uu.nl", "not the password")

    assert login.status_code == 400
    assert "session_token" not in login.json().get("meta", {})


def test_requests_without_a_valid_token_are_anonymous(client):
    assert client.get(ME_URL).status_code == 403
    assert client.get(ME_URL, headers={"X-Session-Token": "made-up"}).status_code == 403


def test_logging_out_ends_the_token(client):
    UserFactory(email="anna@uu.nl")
    token = app_login(client, "anna@uu.nl", PASSWORD).json()["meta"]["session_token"]
    client.cookies.clear()

    assert client.delete(SESSION_URL, headers={"X-Session-Token": token}).status_code == 401

    assert client.get(ME_URL, headers={"X-Session-Token": token}).status_code == 403


def test_token_user_sees_their_roles(client):
    role = StaffRoleFactory(user__email="staff@hu.nl", user__is_zone_coordinator=True, institution__code="hu")
    token = app_login(client, "staff@hu.nl", PASSWORD).json()["meta"]["session_token"]
    client.cookies.clear()

    me = client.get(ME_URL, headers={"X-Session-Token": token, "Accept-Language": "en"}).json()

    assert me["roles"] == [
        {"role": role.role, "label": "Home approver", "institution": "hu"},
        {"role": "zone_coordinator", "label": "Zone coordinator", "institution": None},
    ]
    assert me["home_institution"] is None


def test_the_session_token_is_looked_up_once_per_request(client, settings):
    """With staff MFA enforced, the middleware authenticates API requests before DRF does; DRF takes its
    answer instead of reading the session again, so the request reads the session as often as one without
    the middleware's check (before, twice as often)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    StudentProfileFactory(user__email="anna@uu.nl", home_institution__code="uu")
    token = app_login(client, "anna@uu.nl", PASSWORD).json()["meta"]["session_token"]
    client.cookies.clear()

    def session_reads(mfa_required: bool) -> int:
        settings.PORTAL_REQUIRE_STAFF_MFA = mfa_required
        with CaptureQueriesContext(connection) as queries:
            me = client.get(ME_URL, headers={"X-Session-Token": token})
        assert me.status_code == 200 and me.json()["email"] == "anna@uu.nl"
        return sum('FROM "django_session"' in q["sql"] for q in queries.captured_queries)

    without_check = session_reads(False)
    assert without_check > 0
    assert session_reads(True) == without_check


def _reads(queries, table: str) -> int:
    return sum(f'FROM "{table}"' in q["sql"] for q in queries.captured_queries)


def test_a_token_is_found_with_one_read_of_its_session(client):
    """allauth's session-token strategy asks whether the session exists, then loads it; the portal's
    (accounts.tokens) loads it once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    StudentProfileFactory(user__email="anna@uu.nl", home_institution__code="uu")
    token = app_login(client, "anna@uu.nl", PASSWORD).json()["meta"]["session_token"]
    client.cookies.clear()

    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME_URL, headers={"X-Session-Token": token}).status_code == 200
    assert _reads(queries, "django_session") == 1


def test_an_expired_token_is_anonymous(client):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    UserFactory(email="anna@uu.nl")
    token = app_login(client, "anna@uu.nl", PASSWORD).json()["meta"]["session_token"]
    client.cookies.clear()
    assert client.get(ME_URL, headers={"X-Session-Token": token}).status_code == 200

    Session.objects.filter(session_key=token).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(ME_URL, headers={"X-Session-Token": token}).status_code == 403


def test_staff_roles_are_read_once_per_request_with_mfa_enforced(client, settings):
    """The staff MFA check and the enrolment permissions both ask for the user's staff roles; they share
    one read (accounts.selectors.staff_role_pairs)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PORTAL_REQUIRE_STAFF_MFA = True
    StudentProfileFactory(user__email="anna@uu.nl", home_institution__code="uu")
    token = app_login(client, "anna@uu.nl", PASSWORD).json()["meta"]["session_token"]
    client.cookies.clear()

    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/enrolments/", headers={"X-Session-Token": token})
    assert answer.status_code == 200
    assert _reads(queries, "accounts_staffrole") == 1
