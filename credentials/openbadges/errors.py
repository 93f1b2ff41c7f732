"""Errors of the Open Badges code. A verifier shows ``message`` to a person, so each is translatable."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError

CONTEXT_NOT_BUNDLED_MESSAGE = _(
    "The credential names a JSON-LD context that the portal does not hold (%(url)s); it is never fetched from the network."
)
CANONICALISATION_FAILED_MESSAGE = _("The credential is not valid JSON-LD: %(reason)s")
MALFORMED_PROOF_MESSAGE = _("The credential's proof is missing or malformed: %(reason)s")
UNSUPPORTED_PROOF_MESSAGE = _(
    "The proof type %(type)s with cryptosuite %(cryptosuite)s is not supported; only DataIntegrityProof with eddsa-rdfc-2022 is."
)
UNKNOWN_KEY_MESSAGE = _("The key that signed the credential (%(key)s) is not one of the issuer's keys.")
BAD_SIGNATURE_MESSAGE = _(
    "The signature does not match the credential: it was changed after signing, or signed by another key."
)
WRONG_PURPOSE_MESSAGE = _("The proof's purpose is %(purpose)s, not assertionMethod.")
MALFORMED_KEY_MESSAGE = _("The key is not an Ed25519 Multikey: %(reason)s")
MALFORMED_STATUS_LIST_MESSAGE = _("The status list cannot be read: %(reason)s")
STATUS_INDEX_OUT_OF_RANGE_MESSAGE = _("Status index %(index)s is outside the list of %(size)s entries.")


class OpenBadgesError(ApplicationError):
    code = "openbadges"


class ContextNotBundledError(OpenBadgesError):
    """A document names a context the offline loader does not serve; canonicalisation never fetches one."""

    code = "context_not_bundled"

    def __init__(self, url: str):
        super().__init__(CONTEXT_NOT_BUNDLED_MESSAGE % {"url": url}, extra={"url": url})
        self.url = url


class CanonicalisationError(OpenBadgesError):
    code = "invalid_json_ld"


class VerificationError(OpenBadgesError):
    """A proof does not hold. ``code`` says why, for machines: malformed_proof, unsupported_proof,
    unknown_key, wrong_purpose, bad_signature."""

    code = "verification_failed"


class KeyFormatError(OpenBadgesError):
    code = "malformed_key"


class StatusListError(OpenBadgesError):
    code = "malformed_status_list"
