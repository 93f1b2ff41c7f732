"""Staff, coordinators and admins need an authenticator app when PORTAL_REQUIRE_STAFF_MFA is on."""

import base64
import hashlib
import hmac
import json
import struct
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.test import Client
from django.utils import translation

from accounts.errors import MFA_AUTHENTICATION_REQUIRED_MESSAGE, MFA_REQUIRED_MESSAGE
from tests.factories import StaffRoleFactory, StudentProfileFactory, UserFactory

PASSWORD = "correct horse battery staple"  # the factories' password
SETUP_URL = "/accounts/2fa/totp/activate/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def mfa_required(settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = True
    settings.LANGUAGE_CODE = "en"


def totp_now(secret: str) -> str:
    """RFC 6238 with allauth's defaults (SHA-1, 30 s, 6 digits), written out here rather than borrowed."""
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret, casefold=True), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def english(message) -> str:
    with translation.override("en"):
        return str(message)


@pytest.fixture
def staff(db):
    return StaffRoleFactory().user


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: StaffRoleFactory().user, id="institution staff"),
        pytest.param(lambda: UserFactory(is_zone_coordinator=True), id="zone coordinator"),
        pytest.param(lambda: UserFactory(is_superuser=True, is_staff=True), id="superuser"),
    ],
)
def test_users_who_act_for_others_are_sent_to_totp_setup(client, mfa_required, make_user):
    client.force_login(make_user())

    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"] == SETUP_URL


def test_htmx_requests_are_told_to_load_the_setup_page(client, mfa_required, staff):
    client.force_login(staff)

    response = client.get("/accounts/profile/", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"] == SETUP_URL


def test_students_are_not_asked_for_totp(client, mfa_required):
    client.force_login(StudentProfileFactory().user)

    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/accounts/api/me/").status_code == 200


def login_with_totp(client, user) -> str:
    """Log in the way a person with an authenticator app does: password, then the code. Returns the secret."""
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    login = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert login["Location"] == "/accounts/2fa/authenticate/"
    assert client.post("/accounts/2fa/authenticate/", {"code": totp_now(secret)}).status_code == 302
    return secret


def test_staff_who_passed_their_authenticator_in_this_session_pass(client, mfa_required, staff):
    TOTP.activate(staff, generate_totp_secret())
    login_with_totp(client, staff)

    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/accounts/api/me/").status_code == 200


def test_having_an_authenticator_is_not_enough_the_session_must_have_passed_it(client, mfa_required, staff):
    """Hole 3 of issue #5: the check asked whether TOTP exists, not whether this session passed it."""
    secret = TOTP.activate(staff, generate_totp_secret()).instance.data["secret"]
    client.force_login(staff)  # a session without the code: a login that went around allauth's MFA step

    page = client.get("/accounts/profile/?tab=roles")
    api = client.get("/accounts/api/me/")
    htmx = client.get("/accounts/profile/", headers={"HX-Request": "true"})

    assert page.status_code == 302
    assert page["Location"] == "/accounts/2fa/reauthenticate/?next=%2Faccounts%2Fprofile%2F%3Ftab%3Droles"
    assert api.status_code == 403
    assert api.json() == {"detail": english(MFA_AUTHENTICATION_REQUIRED_MESSAGE), "code": "mfa_authentication_required"}
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith("/accounts/2fa/reauthenticate/")

    prompt = client.get(page["Location"])
    assert prompt.status_code == 200
    assert english(MFA_AUTHENTICATION_REQUIRED_MESSAGE) in prompt.content.decode()
    passed = client.post(page["Location"], {"code": totp_now(decrypt(secret))})
    assert passed.status_code == 302
    assert passed["Location"] == "/accounts/profile/?tab=roles"
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/accounts/api/me/").status_code == 200


def test_a_wrong_code_at_the_prompt_lets_nobody_in(client, mfa_required, staff):
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)

    wrong = client.post("/accounts/2fa/reauthenticate/", {"code": "000000"})

    assert wrong.status_code == 200  # the form again, with its error
    assert client.get("/accounts/profile/").status_code == 302


def test_a_recovery_code_is_a_second_factor_too(client, mfa_required, staff):
    TOTP.activate(staff, generate_totp_secret())
    codes = RecoveryCodes.activate(staff).get_unused_codes()
    client.force_login(staff)

    assert client.post("/accounts/2fa/reauthenticate/", {"code": codes[0]}).status_code == 302
    assert client.get("/accounts/profile/").status_code == 200


def test_app_clients_whose_session_token_has_not_passed_totp_are_refused(client, mfa_required, staff):
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    session_key = client.session.session_key

    answer = Client().get("/accounts/api/me/", headers={"X-Session-Token": session_key})  # the token, no cookie

    assert answer.status_code == 403
    assert answer.json()["code"] == "mfa_authentication_required"


def test_recovery_codes_alone_do_not_count(client, mfa_required, staff):
    Authenticator.objects.create(user=staff, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00"})
    client.force_login(staff)

    assert client.get("/accounts/profile/")["Location"] == SETUP_URL


def test_with_the_setting_off_staff_without_totp_pass(client, settings, staff):
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    client.force_login(staff)

    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/accounts/api/me/").status_code == 200


def test_api_paths_answer_403_json_instead_of_redirecting(client, mfa_required, staff):
    client.force_login(staff)

    api = client.get("/api/institutions/")
    me = client.get("/accounts/api/me/")
    headless = client.get("/_allauth/browser/v1/account/email")

    for response in (api, me):
        assert response.status_code == 403
        assert response.json() == {"detail": english(MFA_REQUIRED_MESSAGE), "code": "mfa_required"}
    assert headless.status_code == 403
    assert headless.json() == {
        "status": 403,
        "errors": [{"message": english(MFA_REQUIRED_MESSAGE), "code": "mfa_required"}],
    }


def test_session_token_clients_are_held_to_the_same_rule(client, settings, mfa_required, staff):
    login = client.post(
        "/_allauth/app/v1/auth/login",
        data=json.dumps({"email": staff.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert login.status_code == 200  # logging in is allowed: it is how one gets to the TOTP setup
    token = login.json()["meta"]["session_token"]

    blocked = client.get("/accounts/api/me/", headers={"X-Session-Token": token})
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "mfa_required"

    settings.PORTAL_REQUIRE_STAFF_MFA = False
    assert client.get("/accounts/api/me/", headers={"X-Session-Token": token}).status_code == 200


def test_the_way_to_setup_and_out_stays_open(client, mfa_required, staff):
    client.force_login(staff)

    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 200
    assert client.get("/_allauth/browser/v1/auth/session").status_code == 200
    assert client.get("/_allauth/browser/v1/account/authenticators").status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth announces the new authenticator once its transaction commits
def test_staff_member_logs_in_sets_up_totp_and_then_gets_in(client, mfa_required, staff):
    login = client.post("/accounts/login/?next=/accounts/profile/", {"login": staff.email, "password": PASSWORD})
    assert login.status_code == 302
    blocked = client.get("/accounts/profile/")
    assert blocked["Location"] == SETUP_URL

    setup = client.get(SETUP_URL)
    assert setup.status_code == 200
    assert english(MFA_REQUIRED_MESSAGE) in setup.content.decode()
    secret = setup.context["form"].secret
    assert secret in setup.content.decode()  # shown to the person, to type into their app
    assert "issuer=Flexportal" in setup.context["totp_url"]
    activated = client.post(SETUP_URL, {"code": totp_now(secret)})
    assert activated.status_code == 302, activated.context["form"].errors

    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert client.get("/accounts/profile/").status_code == 200


def test_without_a_recent_login_the_setup_asks_to_reauthenticate_first(client, mfa_required, staff):
    client.force_login(staff)  # a session without a recorded login, like one from yesterday

    response = client.get(SETUP_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_changing_an_existing_authenticator_still_asks_to_reauthenticate(client, mfa_required, staff):
    TOTP.activate(staff, generate_totp_secret())
    # With TOTP on, the login waits for the code; complete it the way the person would.
    login_with_totp(client, staff)

    response = client.get("/accounts/2fa/totp/deactivate/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
