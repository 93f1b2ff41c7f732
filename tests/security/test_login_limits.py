"""Issue #5, holes 3 and 4, and the login rate limits: the admin signs in through allauth (TOTP, lockout),
lockouts say how long and where to reset the password, and clients behind one proxy are counted apart."""

import ast
import re
import subprocess
import sys

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.test import Client
from django.utils import translation

from tests.accounts.test_staff_mfa import PASSWORD, totp_now
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REAUTHENTICATE = "/accounts/2fa/reauthenticate/"


@pytest.fixture
def production_like(settings):
    """The production rules this file is about: staff MFA on, allauth's login limits as configured."""
    settings.PORTAL_REQUIRE_STAFF_MFA = True
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def admin_user(db):
    user = UserFactory(email="root@flexportal.example", is_staff=True, is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    return user


def _secret(user) -> str:
    return decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])


def test_admin_without_a_passed_totp_is_sent_to_the_mfa_step(client, production_like, admin_user):
    """Hole 3: a session that has not passed TOTP reaches no admin page, whatever else it has."""
    client.force_login(admin_user)  # logged in, but no code entered in this session

    for path in ("/admin/", "/admin/accounts/user/", "/enrolment/staff/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{REAUTHENTICATE}?next="), path

    assert client.post(f"{REAUTHENTICATE}?next=/admin/", {"code": totp_now(_secret(admin_user))})["Location"] == (
        "/admin/"
    )
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_page_is_allauths(client, production_like, admin_user):
    """/admin/login/ checks no password of its own: it sends the admin to allauth's login and its TOTP step."""
    page = client.get("/admin/login/?next=/admin/accounts/user/")
    posted = client.post("/admin/login/", {"username": admin_user.email, "password": PASSWORD, "next": "/admin/"})
    anonymous_admin = client.get("/admin/")

    assert page.status_code == 302
    assert page["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session  # the right password posted there logged nobody in
    assert anonymous_admin["Location"].startswith("/admin/login/")

    # Through allauth: the password, then the code, then the admin.
    login = client.post("/accounts/login/", {"login": admin_user.email, "password": PASSWORD, "next": "/admin/"})
    assert login["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")  # not logged in before the code
    done = client.post("/accounts/2fa/authenticate/", {"code": totp_now(_secret(admin_user))})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_open_redirect_through_the_admin_login_is_refused(client, production_like):
    response = client.get("/admin/login/?next=https://evil.example/")

    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_a_signed_in_user_the_admin_refuses_gets_403_not_a_loop(client, production_like):
    client.force_login(UserFactory())

    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_twenty_wrong_admin_passwords_lock_the_account_out(client, production_like, admin_user):
    """Hole 3: twenty wrong passwords for the admin end in a lockout (429), which the right password does not
    lift, and whose message names the wait and links the password reset."""
    statuses = [
        client.post(
            "/accounts/login/", {"login": admin_user.email, "password": f"wrong-{n}"}, HTTP_ACCEPT_LANGUAGE="en"
        )
        for n in range(20)
    ]
    right = client.post("/accounts/login/", {"login": admin_user.email, "password": PASSWORD})

    codes = [response.status_code for response in statuses]
    assert codes[:5] == [200] * 5  # the form again, "password incorrect"
    assert set(codes[5:]) == {429}
    locked = statuses[-1]
    assert 1 <= int(locked["Retry-After"]) <= 300
    text = locked.content.decode()
    assert re.search(r"Too many failed login attempts\. Wait [1-5] minutes? and try again", text)
    assert '<a href="/accounts/password/reset/">reset your password</a>' in text
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_message_is_dutch_too(client, production_like, admin_user, settings):
    settings.LANGUAGE_CODE = "nl"
    for n in range(6):
        response = client.post("/accounts/login/", {"login": admin_user.email, "password": f"fout-{n}"})

    assert response.status_code == 429
    text = response.content.decode()
    with translation.override("nl"):
        assert "Te veel mislukte inlogpogingen" in text
    assert "minuten" in text or "minuut" in text
    assert 'href="/accounts/password/reset/"' in text


def test_api_clients_get_the_lockout_with_the_reset_address(client, production_like, admin_user):
    for n in range(6):
        response = client.post(
            "/_allauth/app/v1/auth/login",
            {"email": admin_user.email, "password": f"wrong-{n}"},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "too_many_login_attempts"
    assert re.match(r"Too many failed login attempts\. Wait [1-5] minutes? and try again", error["message"])
    assert "http://testserver/accounts/password/reset/" in error["message"]


def test_too_many_login_requests_answer_429_with_retry_after(client, production_like, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}

    answers = [client.post("/accounts/login/", {"login": f"nobody{n}@example.nl", "password": "x"}) for n in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1]["Retry-After"] == "60"


def production_proxy_settings(**environment: str) -> tuple[int, str | None]:
    """ALLAUTH_TRUSTED_PROXY_COUNT and ALLAUTH_TRUSTED_CLIENT_IP_HEADER as portal.settings.production makes them
    from a realistic production environment (plus ``environment``), read in a process of their own."""
    from tests.ops.test_production_settings import ROOT, _production_env

    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(repr((s.ALLAUTH_TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)))",
        ],
        cwd=ROOT,
        env=_production_env(**environment),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return ast.literal_eval(completed.stdout.strip())


@pytest.mark.parametrize(
    "environment, forwarded",
    [
        pytest.param({}, "HTTP_X_FORWARDED_FOR", id="production-default-one-proxy"),
        pytest.param({"ALLAUTH_TRUSTED_PROXY_COUNT": "2"}, "HTTP_X_FORWARDED_FOR", id="two-proxies"),
        pytest.param({"ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"}, "HTTP_X_REAL_IP", id="client-ip-header"),
    ],
)
def test_two_clients_behind_one_proxy_have_separate_buckets(production_like, settings, environment, forwarded):
    """Hole 4: production, configured from its environment, counts failed logins per client behind its proxy:
    one client's failures lock out that client, not everyone. Both reach the portal from the proxy's address."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = production_proxy_settings(
        **environment
    )

    def via_proxy(address: str) -> Client:
        chain = f"{address}, 10.0.0.1" if environment.get("ALLAUTH_TRUSTED_PROXY_COUNT") == "2" else address
        return Client(REMOTE_ADDR="10.0.0.2", **{forwarded: chain})

    careless, other = via_proxy("198.51.100.7"), via_proxy("203.0.113.9")
    person = UserFactory(email="anna@uu.nl")

    # Ten failures from one client, each for a different account: the per-address limit, not the per-account one.
    for n in range(10):
        careless.post("/accounts/login/", {"login": f"typo{n}@uu.nl", "password": "wrong"})
    locked = careless.post("/accounts/login/", {"login": "typo-more@uu.nl", "password": "wrong"})
    logged_in = other.post("/accounts/login/", {"login": person.email, "password": PASSWORD})

    assert logged_in.status_code == 302  # the other client's bucket is its own
    assert other.session["_auth_user_id"] == str(person.pk)
    assert locked.status_code == 429  # while the careless one is locked out


def test_without_a_trusted_proxy_everyone_behind_it_shares_one_bucket(production_like, settings):
    """The control: what hole 4 was. Untrusted, the forwarded addresses are ignored."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    careless = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    other = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    person = UserFactory(email="anna@uu.nl")

    for n in range(10):
        careless.post("/accounts/login/", {"login": f"typo{n}@uu.nl", "password": "wrong"})

    assert other.post("/accounts/login/", {"login": person.email, "password": PASSWORD}).status_code == 429
