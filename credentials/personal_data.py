"""What microcredentials keep about people (``core.privacy``)."""

from django.utils.translation import gettext_lazy as _

from core.privacy import PSEUDONYMISE, no_personal_data, personal_data

personal_data(
    "credentials.IssuedCredential",
    about=("holder__user", "revoked_by"),
    erasure=PSEUDONYMISE,
    why=_(
        "Your microcredentials. On erasure the portal's copy of each signed credential is removed; its status "
        "entry stays, so that a copy you kept can still be checked and revoked."
    ),
    replace={"document": ""},
)
personal_data(
    "credentials.CredentialEvent",
    about=("credential__holder__user", "actor"),
    erasure=PSEUDONYMISE,
    why=_("The audit trail of your microcredentials: issued, revoked, by whom."),
)
no_personal_data("credentials.MicrocredentialDefinition", why=_("What a microcredential stands for."))
no_personal_data("credentials.IssuerKey", why=_("An institution's signing keys."))
no_personal_data("credentials.StatusList", why=_("An institution's revocation list: bits, no names."))
