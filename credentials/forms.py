from django import forms
from django.utils.translation import gettext_lazy as _

from credentials import verification
from credentials.errors import REASON_REQUIRED_MESSAGE, CredentialError

ONE_OF_MESSAGE = _("Give one of the three: a file, pasted JSON or a link.")


class VerifyForm(forms.Form):
    """One credential, given one of three ways. ``clean`` leaves the parsed document in ``credential``;
    what cannot be read is an error next to the field it came from."""

    file = forms.FileField(
        label=_("Credential file"),
        required=False,
        help_text=_("The JSON file you downloaded, at most 256 kB."),
    )
    pasted = forms.CharField(
        label=_("Or paste the credential's JSON"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    link = forms.CharField(
        label=_("Or give its share link"),
        required=False,
        max_length=500,
        help_text=_("A link to a credential issued through this portal."),
    )

    def clean(self):
        cleaned = super().clean()
        given = [name for name in ("file", "pasted", "link") if cleaned.get(name)]
        if len(given) != 1:
            raise forms.ValidationError(verification.NOTHING_GIVEN_MESSAGE if not given else ONE_OF_MESSAGE)
        name = given[0]
        try:
            if name == "file":
                raw = cleaned["file"].read(verification.MAX_UPLOAD_BYTES + 1)
                cleaned["credential"] = verification.credential_parse(raw)
            elif name == "pasted":
                cleaned["credential"] = verification.credential_parse(cleaned["pasted"])
            else:
                cleaned["credential"] = verification.credential_from_link(cleaned["link"])
        except CredentialError as error:
            self.add_error(name, str(error.message))
        return cleaned


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the revocation"),
        max_length=2000,
        error_messages={"required": REASON_REQUIRED_MESSAGE},
    )
