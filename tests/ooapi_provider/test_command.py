"""``python manage.py ooapi_client``: the printed id and secret get a token, also under the production
django-oauth-toolkit options (secrets and tokens hashed at rest)."""

import base64
import json
import os
import re
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from oauth2_provider.models import AccessToken

from ooapi.models import ProviderClient

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def production_oauth2_provider() -> dict:
    """OAUTH2_PROVIDER exactly as portal.settings.production builds it."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "flexportal.nl",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/flexportal",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    script = "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.OAUTH2_PROVIDER))"
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def create(*args) -> dict[str, str]:
    out = StringIO()
    call_command("ooapi_client", "create", *args, stdout=out)
    return dict(re.findall(r"^(client_id|client_secret|scopes):\s+(.+)$", out.getvalue(), re.MULTILINE))


def get_token(client, printed: dict[str, str]):
    credentials = base64.b64encode(f"{printed['client_id']}:{printed['client_secret']}".encode()).decode()
    return client.post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {credentials}")


def test_create_prints_a_secret_that_gets_a_token(client, api, zone):
    printed = create("alpha", "--scopes", "ooapi.read", "associations.read")
    assert printed["scopes"] == "ooapi.read associations.read"
    provider = ProviderClient.objects.select_related("application").get(application__client_id=printed["client_id"])
    assert provider.institution == zone["alpha"]
    assert provider.application.client_secret != printed["client_secret"]  # hashed at rest
    response = get_token(client, printed)
    assert response.status_code == 200, response.content
    assert api.get("/courses", response.json()["access_token"]).status_code == 200


def test_create_under_production_oauth2_options(client, api, zone, settings, production_oauth2_provider):
    assert production_oauth2_provider["COMPLIANT_BCP_RFC9700_TOKEN_STORAGE"] is True
    settings.OAUTH2_PROVIDER = production_oauth2_provider
    printed = create("beta")
    response = get_token(client, printed)
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    assert AccessToken.objects.get().token == ""  # only its checksum is stored
    assert api.get("/courses", token).status_code == 200


def test_default_scope_is_catalogue_read(zone):
    assert create("gamma")["scopes"] == "ooapi.read"


def test_unknown_institution_or_scope_is_refused(zone):
    with pytest.raises(CommandError, match="No institution with code 'nowhere'"):
        create("nowhere")
    with pytest.raises(CommandError, match="Unknown scopes: everything"):
        create("alpha", "--scopes", "everything")
    assert not ProviderClient.objects.exists()


def test_list_shows_clients_but_never_secrets(zone):
    printed = create("alpha", "--scopes", "ooapi.read,persons.read")
    out = StringIO()
    call_command("ooapi_client", "list", "alpha", stdout=out)
    assert printed["client_id"] in out.getvalue()
    assert "ooapi.read persons.read" in out.getvalue()
    assert printed["client_secret"] not in out.getvalue()
