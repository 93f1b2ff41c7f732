"""Provider clients made in the admin: the secret is shown once and works; scopes can be changed."""

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse

from ooapi.models import AssociationResult, ProviderClient
from ooapi.provider.scopes import ASSOCIATIONS_READ, READ
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(db):
    browser = Client()
    browser.force_login(UserFactory(is_staff=True, is_superuser=True))
    return browser


def test_add_shows_the_secret_once_and_it_works(admin_browser, client, api, zone):
    response = admin_browser.post(
        reverse("admin:ooapi_providerclient_add"),
        {
            "institution": zone["beta"].pk,
            "name": "Beta SIS",
            "scope_list": [READ, ASSOCIATIONS_READ],
            "is_active": "on",
        },
    )
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    client_id = re.search(r"client_id</dt><dd><code>([^<]+)</code>", page).group(1)
    secret = re.search(r"client_secret</dt><dd><code>([^<]+)</code>", page).group(1)
    provider = ProviderClient.objects.get(application__client_id=client_id)
    assert (provider.institution, provider.application.name, provider.scopes) == (
        zone["beta"],
        "Beta SIS",
        f"{READ} {ASSOCIATIONS_READ}",
    )
    assert (
        secret
        not in admin_browser.get(reverse("admin:ooapi_providerclient_change", args=[provider.pk])).content.decode()
    )
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token = client.post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert token.status_code == 200
    assert api.get("/courses", token.json()["access_token"]).status_code == 200


def test_change_scopes_and_deactivate(admin_browser, zone, make_token):
    make_token(zone["alpha"], (READ,))
    provider = ProviderClient.objects.get()
    response = admin_browser.post(
        reverse("admin:ooapi_providerclient_change", args=[provider.pk]), {"scope_list": [ASSOCIATIONS_READ]}
    )
    assert response.status_code == 302, response.content
    provider.refresh_from_db()
    assert (provider.scopes, provider.is_active) == (ASSOCIATIONS_READ, False)


def test_changelists_open(admin_browser, api, zone, make_token):
    make_token(zone["alpha"])
    api.patch(
        f"/associations/{zone['requests']['beta_at_alpha'].public_id}",
        {"remoteState": "queued"},
        make_token(zone["alpha"]),
    )
    assert AssociationResult.objects.count() == 1
    for model in ("providerclient", "associationresult"):
        response = admin_browser.get(reverse(f"admin:ooapi_{model}_changelist"), {"q": "a"})
        assert response.status_code == 200
    result = AssociationResult.objects.get()
    assert admin_browser.get(reverse("admin:ooapi_associationresult_change", args=[result.pk])).status_code == 200
    assert admin_browser.get(reverse("admin:ooapi_associationresult_add")).status_code == 403
