"""The provider's OAuth2 scopes, and the django-oauth-toolkit scopes backend that limits each provider
client to the scopes its ``ProviderClient`` row grants (a client asking for no scope gets exactly those).
Applications that are not provider clients keep the settings' scopes."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import SettingsScopes

READ = "ooapi.read"
PERSONS_READ = "persons.read"
ASSOCIATIONS_READ = "associations.read"
ASSOCIATIONS_WRITE = "associations.write"

PROVIDER_SCOPES = {
    READ: _("Read the catalogue: organizations, academic sessions, programs, courses, offerings"),
    PERSONS_READ: _("Read the person behind a token (GET /persons/me), own students only"),
    ASSOCIATIONS_READ: _("Read enrolments (associations) the institution is home or host of"),
    ASSOCIATIONS_WRITE: _("Report remoteState and results of those enrolments (PATCH /associations/{id})"),
}


def _provider_client(application):
    if application is None:
        return None
    try:
        return application.ooapi_client
    except ObjectDoesNotExist:
        return None


class ProviderClientScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = _provider_client(application)
        if client is None:
            return super().get_available_scopes(application, request, *args, **kwargs)
        if not client.is_active:
            return []
        known = set(super().get_available_scopes(application, request, *args, **kwargs))
        return [scope for scope in client.scope_list if scope in known]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        if _provider_client(application) is None:
            return super().get_default_scopes(application, request, *args, **kwargs)
        return self.get_available_scopes(application, request, *args, **kwargs)
