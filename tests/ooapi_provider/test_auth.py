"""Access: OAuth2 client credentials per institution (django-oauth-toolkit), scopes, and /persons/me."""

import base64
import datetime as dt

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, get_application_model

from ooapi.provider.scopes import ASSOCIATIONS_READ, ASSOCIATIONS_WRITE, PERSONS_READ, READ
from ooapi.provider.services import provider_client_create
from tests.factories import UserFactory
from tests.ooapi_provider.conftest import provider_client, token_for

pytestmark = pytest.mark.django_db


def token_request(client, client_id, secret, **data):
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return client.post(
        "/o/token/", {"grant_type": "client_credentials", **data}, HTTP_AUTHORIZATION=f"Basic {credentials}"
    )


def test_no_token_is_401_with_a_challenge(api, zone):
    response = api.get("/courses")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="ooapi"'
    assert response.json() == {
        "status": "401",
        "title": "Unauthorized",
        "detail": "This endpoint needs an OAuth2 bearer token (client credentials, see /o/token/).",
    }


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer unknown-token"])
def test_other_credentials_are_401(client, zone, header):
    response = client.get("/ooapi/v5/courses", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_expired_token_is_401(api, zone):
    client = provider_client(zone["alpha"])
    token = token_for(client)
    AccessToken.objects.filter(application=client.application).update(expires=timezone.now() - dt.timedelta(seconds=1))
    response = api.get("/courses", token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_token_lacking_the_scope_is_403(api, zone, make_token):
    response = api.get("/courses", make_token(zone["alpha"], (ASSOCIATIONS_READ,)))
    assert response.status_code == 403
    assert response.json()["detail"] == "The token lacks the scope this operation needs: ooapi.read."
    assert response["WWW-Authenticate"] == 'Bearer realm="ooapi", error="insufficient_scope", scope="ooapi.read"'


def test_narrowing_a_clients_scopes_takes_effect_at_once(api, zone):
    client = provider_client(zone["alpha"], (READ, ASSOCIATIONS_READ))
    token = token_for(client)
    assert api.get("/courses", token).status_code == 200
    client.scopes = ASSOCIATIONS_READ
    client.save(update_fields=["scopes"])
    assert api.get("/courses", token).status_code == 403


def test_inactive_client_and_foreign_application_are_403(api, zone):
    inactive = token_for(provider_client(zone["alpha"], active=False))
    assert api.get("/courses", inactive).json()["detail"] == (
        "This token does not belong to an active OOAPI client of the portal."
    )
    application_model = get_application_model()
    foreign = application_model.objects.create(
        name="Some other app",
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
    )
    AccessToken.objects.create(
        token="foreign-token", application=foreign, scope=READ, expires=timezone.now() + dt.timedelta(hours=1)
    )
    assert api.get("/courses", "foreign-token").status_code == 403


def test_token_endpoint_grants_only_the_clients_scopes(client, api, zone):
    provider, secret = provider_client_create(institution=zone["alpha"], scopes=[READ, ASSOCIATIONS_READ])
    client_id = provider.application.client_id
    default = token_request(client, client_id, secret)
    assert default.status_code == 200, default.content
    assert set(default.json()["scope"].split()) == {READ, ASSOCIATIONS_READ}
    narrower = token_request(client, client_id, secret, scope=READ)
    assert narrower.json()["scope"] == READ
    wider = token_request(client, client_id, secret, scope=f"{READ} {ASSOCIATIONS_WRITE}")
    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"
    assert token_request(client, client_id, "wrong-secret").status_code == 401
    token = narrower.json()["access_token"]
    assert api.get("/courses", token).status_code == 200
    assert api.get(f"/associations/{zone['requests']['beta_at_alpha'].public_id}", token).status_code == 403


def test_inactive_client_gets_a_token_worth_nothing(client, api, zone):
    provider, secret = provider_client_create(institution=zone["alpha"], scopes=[READ])
    provider.is_active = False
    provider.save(update_fields=["is_active"])
    asking = token_request(client, provider.application.client_id, secret, scope=READ)
    assert asking.json() == {"error": "invalid_scope"}
    # Asking for nothing yields a token without scopes, which the provider refuses anyway.
    empty = token_request(client, provider.application.client_id, secret)
    assert empty.json()["scope"] == ""
    assert api.get("/courses", empty.json()["access_token"]).status_code == 403


# /persons/me


def test_persons_me_with_client_credentials_is_403(api, zone, make_token):
    response = api.get("/persons/me", make_token(zone["alpha"]))
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "This token was issued to a client, not on behalf of a person; /persons/me needs a token of a person."
    )


def test_persons_me_for_a_token_of_an_own_student(api, zone, make_token):
    student = zone["students"]["alpha"]
    response = api.get("/persons/me", make_token(zone["alpha"], user=student.user))
    assert response.status_code == 200
    person = response.json()
    assert person["givenName"] == "Anna"
    assert person["primaryCode"] == {"codeType": "studentNumber", "code": student.student_number}
    assert person["mail"] == student.user.email
    assert person["activeEnrollment"] is True
    assert person["consumers"] == [
        {
            "consumerKey": "eduxchange",
            "institutionBRINCode": "21AA",
            "enrollments": [
                {"crohoCreboCode": student.programme.croho_code, "name": "Psychologie", "phase": "bachelor"}
            ],
        }
    ]


def test_persons_me_only_for_own_students_with_scope(api, zone, make_token):
    beta_student = zone["students"]["beta"].user
    other = api.get("/persons/me", make_token(zone["alpha"], user=beta_student))
    assert other.status_code == 403
    assert other.json()["detail"] == "Your institution may only see its own students."
    no_scope = api.get("/persons/me", make_token(zone["beta"], (READ,), user=beta_student))
    assert no_scope.status_code == 403
    staff_member = api.get("/persons/me", make_token(zone["alpha"], (PERSONS_READ,), user=UserFactory()))
    assert staff_member.status_code == 404
