from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.oidc_idp.people import read_people


class ZoneClaimsValidator(OAuth2Validator):
    """Releases the claims SURFconext releases, as listed for the person in the people file."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "schac_home_organization": "profile",
        "schac_personal_unique_code": "profile",
        "eduperson_affiliation": "profile",
    }

    def get_additional_claims(self, request):
        person = read_people(settings.STATE_DIR).get(request.user.username, {})
        return dict(person.get("claims", {}))
