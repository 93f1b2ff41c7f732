"""A requests session that plays a person's browser across the portal and the test IdP."""

import re
from dataclasses import dataclass

import requests

from tests.oidc_idp.harness import OidcIdp

CALLBACK_PATH = "/accounts/oidc/surfconext/login/callback/"
LOGIN_PATH = "/accounts/oidc/surfconext/login/"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = _CSRF_INPUT.search(html)
    assert match, "no CSRF token in the form"
    return match[1]


@dataclass
class Browser:
    """A requests session that behaves like a person's browser across the portal and the IdP."""

    portal_url: str
    idp: OidcIdp

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.trust_env = False
        # English pages, so that assertions hold whether or not Dutch translations have been compiled.
        self.session.headers["Accept-Language"] = "en"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(f"{self.portal_url}{path}", timeout=10, **kwargs)

    def login_via_surfconext(self, username: str, password: str, *, next_path: str = "/accounts/profile/"):
        """Press "log in with SURFconext", sign in at the IdP, and land wherever the portal sends us."""
        login_url = f"{self.portal_url}{LOGIN_PATH}?next={next_path}"
        page = self.session.get(login_url, timeout=10)
        assert page.status_code == 200, page.text
        # allauth only starts a login on POST (with CSRF), so a link alone cannot log anyone in.
        idp_login = self.session.post(login_url, data={"csrfmiddlewaretoken": csrf_token(page.text)}, timeout=10)
        assert idp_login.status_code == 200
        assert idp_login.url.startswith(f"{self.idp.url}/login/"), idp_login.url
        (authorize,) = [r.url for r in idp_login.history if r.url.startswith(f"{self.idp.url}/o/authorize/")]
        assert "code_challenge_method=S256" in authorize  # the portal's PKCE setting is in force
        landed = self.session.post(
            idp_login.url,
            data={"csrfmiddlewaretoken": csrf_token(idp_login.text), "username": username, "password": password},
            timeout=30,
        )
        hops = [response.url for response in landed.history]
        assert any(url.startswith(f"{self.idp.url}/o/authorize/") for url in hops), hops
        assert any(CALLBACK_PATH in url for url in [*hops, landed.url]), hops
        return landed
