"""Who is calling: a bearer token (django-oauth-toolkit), the provider client it was issued to, and so
the institution the caller acts for. Nothing here trusts anything but the token."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from oauth2_provider.oauth2_backends import get_oauthlib_core

from ooapi.models import ProviderClient
from ooapi.provider import problems
from ooapi.provider.problems import Problem

REALM = 'Bearer realm="ooapi"'


@dataclass(frozen=True)
class Caller:
    client: ProviderClient
    token: object  # oauth2_provider AccessToken
    scopes: frozenset[str]

    @property
    def institution_id(self) -> int:
        return self.client.institution_id

    @property
    def user(self):
        """The person the token was issued on behalf of; ``None`` for client credentials."""
        return self.token.user

    def require(self, *scopes: str) -> None:
        missing = [scope for scope in scopes if scope not in self.scopes]
        if missing:
            raise Problem(
                403,
                problems.MISSING_SCOPE.format(scopes=" ".join(missing)),
                headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{" ".join(scopes)}"'},
            )


def authenticate(request: HttpRequest) -> Caller:
    """The caller behind the request's bearer token. Raises 401 without a valid token and 403 when the
    token's application is not an active provider client.

    The token's scopes count only as far as the client still holds them, so narrowing a client's
    scopes in the admin takes effect at once, not when its tokens expire."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Problem(401, problems.NO_TOKEN, headers={"WWW-Authenticate": REALM})
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    if not valid:
        raise Problem(401, problems.BAD_TOKEN, headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
    token = oauth_request.access_token
    client = (
        ProviderClient.objects.select_related("institution")
        .filter(application_id=token.application_id, is_active=True)
        .first()
    )
    if client is None:
        raise Problem(403, problems.NOT_A_CLIENT)
    return Caller(client=client, token=token, scopes=frozenset(token.scope.split()) & frozenset(client.scope_list))
