import copy

import pytest
from django.conf import settings as django_settings

from tests.accounts.oidc_browser import CALLBACK_PATH, Browser
from tests.oidc_idp.harness import OidcIdp


@pytest.fixture(scope="session")
def oidc_idp(live_server, tmp_path_factory):
    """A real OpenID Connect provider on its own port, registered with the portal's live server as client."""
    idp = OidcIdp(tmp_path_factory.mktemp("oidc_idp"))
    idp.start(redirect_uris=[f"{live_server.url}{CALLBACK_PATH}"])
    yield idp
    idp.stop()


@pytest.fixture
def surfconext(settings, oidc_idp, monkeypatch):
    """The portal's own SURFconext configuration (scopes, PKCE, token auth), pointed at the test IdP."""
    # allauth's server-to-server calls (discovery, token, userinfo) must not wander off to a proxy.
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(variable, "127.0.0.1,localhost")
    providers = copy.deepcopy(django_settings.SOCIALACCOUNT_PROVIDERS)
    (app,) = [app for app in providers["openid_connect"]["APPS"] if app["provider_id"] == "surfconext"]
    app.update(client_id=oidc_idp.client_id, secret=oidc_idp.client_secret)
    app["settings"]["server_url"] = oidc_idp.issuer
    settings.SOCIALACCOUNT_PROVIDERS = providers
    return oidc_idp


@pytest.fixture
def browser(live_server, surfconext):
    return Browser(portal_url=live_server.url, idp=surfconext)
