"""allauth's pages render inside the portal's own layout."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/accounts/oidc/surfconext/login/"],
)
def test_entrance_pages_use_the_portal_layout(client, url):
    response = client.get(url)

    assert response.status_code == 200
    templates = [template.name for template in response.templates]
    assert "base.html" in templates
    assert "allauth/layouts/base.html" not in templates


@pytest.mark.parametrize(
    "url",
    ["/accounts/email/", "/accounts/password/change/", "/accounts/3rdparty/", "/accounts/2fa/", "/accounts/logout/"],
)
def test_account_management_pages_use_the_portal_layout(client, url):
    client.force_login(UserFactory())

    response = client.get(url)

    assert response.status_code == 200
    templates = [template.name for template in response.templates]
    assert "base.html" in templates
    assert "allauth/layouts/base.html" not in templates
