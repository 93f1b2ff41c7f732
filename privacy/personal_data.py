"""Personal data in the libraries' tables, and privacy's own (``core.privacy``)."""

from django.utils.translation import gettext_lazy as _

from core.privacy import DELETE, PSEUDONYMISE, no_personal_data, personal_data

TOKEN = _("Sign-in tokens the portal gave an application acting for you.")

personal_data(
    "privacy.ErasureRecord",
    about=("user",),
    erasure=PSEUDONYMISE,
    why=_("That your account was erased, and when; it names no one."),
)
personal_data("account.EmailAddress", about=("user",), erasure=DELETE, why=_("Your email addresses."))
personal_data(
    "account.EmailConfirmation",
    about=("email_address__user",),
    erasure=DELETE,
    why=_("Confirmations sent to your email addresses."),
    hidden=("key",),
)
personal_data(
    "socialaccount.SocialAccount",
    about=("user",),
    erasure=DELETE,
    why=_("The link to your institution's login (SURFconext / eduID) and what it told the portal about you."),
)
personal_data(
    "socialaccount.SocialToken",
    about=("account__user",),
    erasure=DELETE,
    why=_("Tokens of your institution's login."),
    hidden=("token", "token_secret"),
)
no_personal_data("socialaccount.SocialApp", why=_("The portal's registration with a login provider."))
personal_data(
    "mfa.Authenticator",
    about=("user",),
    erasure=DELETE,
    why=_("Your second factor for signing in."),
    hidden=("data",),
)
personal_data(
    "admin.LogEntry",
    about=("user",),
    erasure=PSEUDONYMISE,
    why=_("Changes you made in the administration; kept as the audit trail of the administration."),
)
personal_data(
    "oauth2_provider.Application",
    about=("user",),
    erasure=PSEUDONYMISE,
    why=_("API applications registered in your name."),
    hidden=("client_secret",),
)
SECRETS = {
    "Grant": ("code", "code_challenge", "nonce"),
    "AccessToken": ("token", "token_checksum"),
    "RefreshToken": ("token", "token_checksum"),
    "IDToken": (),
    "DeviceGrant": ("device_code", "user_code"),
}
for label, secrets in SECRETS.items():
    personal_data(f"oauth2_provider.{label}", about=("user",), erasure=DELETE, why=TOKEN, hidden=secrets)
personal_data(
    "privacy.ConsentAnswer",
    about=("user",),
    erasure=DELETE,
    why=_("Your answers to the screen that says which data goes to which institution, and why."),
)
