"""The verifier: what holds and what does not of a credential someone shows us, in plain words.

It reads the portal's own data only. An issuer's keys and status lists come from the database, never from
the network: a credential of an issuer the portal does not know is refused with a clear verdict instead of
being fetched. Revocation is read as any verifier reads it: the bit in the signed status list credential the
portal publishes, once that list's proof holds. Every step is one ``Check`` (ok, failed or not checked, with the reason); nothing here raises
for bad input, so neither the page nor the API can answer a 500 for it.
"""

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from credentials import selectors, services
from credentials.errors import CredentialError
from credentials.models import IssuedCredential, StatusList
from credentials.openbadges import dataintegrity, keys, statuslist, terms, urls
from credentials.openbadges.errors import ContextNotBundledError, OpenBadgesError
from institutions.models import Institution

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 256 * 1024

OK, FAILED, NOT_CHECKED = "ok", "failed", "not_checked"
VALID, INVALID, REVOKED = "valid", "invalid", "revoked"

MALFORMED_JSON_MESSAGE = _("This is not valid JSON: %(reason)s")
NOT_AN_OBJECT_MESSAGE = _("A credential is a JSON object; this is not one.")
TOO_LARGE_MESSAGE = _("The file is larger than %(limit)s kB; a credential is far smaller.")
NOTHING_GIVEN_MESSAGE = _("Give a credential: upload its file, paste its JSON or give its link.")
FOREIGN_LINK_MESSAGE = _(
    "Only links to credentials issued through this portal are checked here; the portal never fetches other "
    "addresses. Download the credential and upload it instead."
)
UNKNOWN_LINK_MESSAGE = _("The portal issued no credential at this link.")

LABEL_JSON_LD = _("JSON-LD with known contexts")
LABEL_TERMS = _("Every term defined")
LABEL_ISSUER = _("Issuer known to the portal")
LABEL_PROOF = _("Signature")
LABEL_DATES = _("Valid now")
LABEL_STATUS = _("Not revoked")

NOT_CHECKED_BECAUSE_JSON_LD = _("Not checked: the credential is not readable JSON-LD.")
NOT_CHECKED_BECAUSE_ISSUER = _("Not checked: the issuer is not known to the portal.")
CONTEXTS_OK = _("Every context is one the portal holds; none was fetched.")
TERMS_OK = _("Every property and type is defined by the credential's contexts.")
TERMS_FAILED = _("These terms are defined by no context, so strict verifiers reject the credential: %(terms)s")
ISSUER_MISSING = _("The credential names no issuer.")
ISSUER_UNKNOWN = _("The issuer %(issuer)s is not an institution of this portal; its keys are not looked up elsewhere.")
ISSUER_OK = _("Issued by %(name)s, whose keys the portal publishes.")
METHOD_NOT_ISSUERS = _("The key that signed it (%(key)s) does not belong to the issuer %(issuer)s.")
PROOF_OK = _("The signature matches the credential and the issuer's key.")
DATES_MISSING = _("The credential has no valid validFrom date.")
DATES_NOT_YET = _("Not valid before %(date)s.")
DATES_EXPIRED = _("Expired on %(date)s.")
DATES_OK = _("Valid from %(date)s.")
DATES_OK_UNTIL = _("Valid from %(start)s until %(end)s.")
STATUS_MISSING = _("The credential has no status entry, so whether it was revoked cannot be told.")
STATUS_UNKNOWN_LIST = _("The status list %(url)s is not one this portal keeps.")
STATUS_OK = _("The issuer has not revoked it.")
STATUS_REVOKED = _("Revoked on %(date)s. Reason: %(reason)s")
STATUS_REVOKED_NO_DETAILS = _("Revoked by the issuer.")
STATUS_LIST_UNREADABLE = _("The issuer's status list could not be read: %(reason)s")

HEADLINE_VALID = _("This credential is valid.")
HEADLINE_INVALID = _("This credential is not valid.")
HEADLINE_REVOKED = _("This credential has been revoked.")


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    outcome: str
    reason: str


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)
    credential_name: str = ""
    issuer_name: str = ""
    # A stacked credential's components, as its ``evidence`` names them: (name, link) pairs.
    components: list[tuple[str, str]] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        failed = {check.key for check in self.checks if check.outcome == FAILED}
        if failed == {"status"}:
            return REVOKED
        if failed or any(check.outcome == NOT_CHECKED for check in self.checks):
            return INVALID
        return VALID

    @property
    def headline(self) -> str:
        return str({VALID: HEADLINE_VALID, REVOKED: HEADLINE_REVOKED}.get(self.verdict, HEADLINE_INVALID))

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "headline": self.headline,
            "credential_name": self.credential_name,
            "issuer_name": self.issuer_name,
            "components": [{"name": name, "id": link} for name, link in self.components],
            "checks": [
                {"check": c.key, "label": str(c.label), "outcome": c.outcome, "reason": str(c.reason)}
                for c in self.checks
            ],
        }


def credential_parse(raw: bytes | str) -> dict[str, Any]:
    """The credential in ``raw`` (an upload's bytes or pasted text). Raises ``CredentialError`` with a
    message for a person when it is too large, not JSON or not an object."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise CredentialError(TOO_LARGE_MESSAGE % {"limit": MAX_UPLOAD_BYTES // 1024}, code="too_large")
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise CredentialError(MALFORMED_JSON_MESSAGE % {"reason": error}, code="malformed_json") from error
    if not isinstance(document, dict):
        raise CredentialError(NOT_AN_OBJECT_MESSAGE, code="not_an_object")
    return document


def credential_from_link(link: str) -> dict[str, Any]:
    """The credential the portal issued at ``link``, read from the database (never fetched). Raises
    ``CredentialError`` for a link elsewhere or to no credential."""
    prefix = urls.credential_url(selectors.base_url(), "")
    link = (link or "").strip()
    if not link.startswith(prefix):
        raise CredentialError(FOREIGN_LINK_MESSAGE, code="foreign_link")
    try:
        public_id = uuid.UUID(link[len(prefix) :].split("?")[0].split("#")[0].rstrip("/"))
    except ValueError as error:
        raise CredentialError(UNKNOWN_LINK_MESSAGE, code="unknown_link") from error
    found = selectors.credential_by_public_id(public_id)
    if found is None:
        raise CredentialError(UNKNOWN_LINK_MESSAGE, code="unknown_link")
    return credential_parse(found.document)


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _shown(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _issuer_id(document: dict[str, Any]) -> str:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else ""


def _known_institution(issuer_id: str) -> Institution | None:
    prefix = urls.issuer_url(selectors.base_url(), "")
    code = issuer_id[len(prefix) :] if issuer_id.startswith(prefix) else ""
    if not code or "/" in code or "#" in code:
        return None
    return Institution.objects.filter(code=code).first()


def _check_json_ld(document: dict[str, Any], loader) -> tuple[Check, Check]:
    try:
        undefined = terms.undefined_terms(document, loader)
    except ContextNotBundledError as error:
        failed = Check("json_ld", LABEL_JSON_LD, FAILED, error.message)
        return failed, Check("terms", LABEL_TERMS, NOT_CHECKED, NOT_CHECKED_BECAUSE_JSON_LD)
    except OpenBadgesError as error:
        failed = Check("json_ld", LABEL_JSON_LD, FAILED, error.message)
        return failed, Check("terms", LABEL_TERMS, NOT_CHECKED, NOT_CHECKED_BECAUSE_JSON_LD)
    contexts_ok = Check("json_ld", LABEL_JSON_LD, OK, CONTEXTS_OK)
    if undefined:
        return contexts_ok, Check("terms", LABEL_TERMS, FAILED, TERMS_FAILED % {"terms": ", ".join(undefined)})
    return contexts_ok, Check("terms", LABEL_TERMS, OK, TERMS_OK)


def _check_issuer_and_proof(document: dict[str, Any], loader, readable: bool) -> tuple[Check, Check, str]:
    issuer_id = _issuer_id(document)
    if not issuer_id:
        return (
            Check("issuer", LABEL_ISSUER, FAILED, ISSUER_MISSING),
            Check("proof", LABEL_PROOF, NOT_CHECKED, NOT_CHECKED_BECAUSE_ISSUER),
            "",
        )
    institution = _known_institution(issuer_id)
    if institution is None:
        return (
            Check("issuer", LABEL_ISSUER, FAILED, ISSUER_UNKNOWN % {"issuer": issuer_id}),
            Check("proof", LABEL_PROOF, NOT_CHECKED, NOT_CHECKED_BECAUSE_ISSUER),
            "",
        )
    name = institution.name
    issuer_check = Check("issuer", LABEL_ISSUER, OK, ISSUER_OK % {"name": name})
    if not readable:
        return issuer_check, Check("proof", LABEL_PROOF, NOT_CHECKED, NOT_CHECKED_BECAUSE_JSON_LD), name
    proof = document.get("proof")
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    if isinstance(method, str) and not method.startswith(issuer_id + "#"):
        reason = METHOD_NOT_ISSUERS % {"key": method, "issuer": issuer_id}
        return issuer_check, Check("proof", LABEL_PROOF, FAILED, reason), name
    # The issuer's own controller document, built from the database: only the keys it lists may assert.
    published = keys.keys_from_controller_document(selectors.issuer_document(institution))
    try:
        dataintegrity.verify(document, keys=published, loader=loader)
    except OpenBadgesError as error:
        return issuer_check, Check("proof", LABEL_PROOF, FAILED, error.message), name
    return issuer_check, Check("proof", LABEL_PROOF, OK, PROOF_OK), name


def _check_dates(document: dict[str, Any], now: datetime) -> Check:
    start, end = _date(document.get("validFrom")), _date(document.get("validUntil"))
    if start is None:
        return Check("dates", LABEL_DATES, FAILED, DATES_MISSING)
    if now < start:
        return Check("dates", LABEL_DATES, FAILED, DATES_NOT_YET % {"date": _shown(start)})
    if "validUntil" in document and end is None:
        return Check("dates", LABEL_DATES, FAILED, DATES_MISSING)
    if end is not None and now > end:
        return Check("dates", LABEL_DATES, FAILED, DATES_EXPIRED % {"date": _shown(end)})
    if end is not None:
        return Check("dates", LABEL_DATES, OK, DATES_OK_UNTIL % {"start": _shown(start), "end": _shown(end)})
    return Check("dates", LABEL_DATES, OK, DATES_OK % {"date": _shown(start)})


def _status_list(url: str) -> StatusList | None:
    prefix = urls.issuer_url(selectors.base_url(), "")
    if not url.startswith(prefix):
        return None
    issuer, _slash, rest = url[len(prefix) :].partition("/status/")
    return selectors.status_list_for(issuer=issuer, list_id=rest) if issuer and rest else None


def _check_status(document: dict[str, Any], institution: Institution | None) -> Check:
    entry = document.get("credentialStatus")
    if not isinstance(entry, dict):
        return Check("status", LABEL_STATUS, FAILED, STATUS_MISSING)
    if institution is None:
        return Check("status", LABEL_STATUS, NOT_CHECKED, NOT_CHECKED_BECAUSE_ISSUER)
    url = entry.get("statusListCredential")
    status_list = _status_list(url) if isinstance(url, str) else None
    try:
        index = int(entry.get("statusListIndex"))
    except (TypeError, ValueError):
        index = None
    # Only the issuer's own list says whether it revoked: another institution's list is not its word.
    if status_list is not None and status_list.institution_id != institution.pk:
        status_list = None
    if status_list is None or index is None or not 0 <= index < status_list.size:
        return Check("status", LABEL_STATUS, FAILED, STATUS_UNKNOWN_LIST % {"url": url})
    # The bit is read from the list anyone can fetch, as any verifier would: the signed status list
    # credential, its proof checked against the issuer's published keys, then the credential's bit decoded.
    published = services.status_list_document(status_list)
    try:
        dataintegrity.verify(
            published,
            keys=keys.keys_from_controller_document(selectors.issuer_document(institution)),
            loader=selectors.loader(),
        )
        revoked_bit = statuslist.entry_is_set(entry, published)
    except OpenBadgesError as error:
        return Check("status", LABEL_STATUS, FAILED, STATUS_LIST_UNREADABLE % {"reason": error.message})
    if not revoked_bit:
        return Check("status", LABEL_STATUS, OK, STATUS_OK)
    # Revoked: the portal's own record says when and why, for people reading the verdict.
    revoked = (
        IssuedCredential.objects.filter(
            status_list=status_list, status_index=index, status=IssuedCredential.Status.REVOKED
        )
        .only("revoked_at", "revocation_reason")
        .first()
    )
    if revoked is not None and revoked.revoked_at:
        reason = STATUS_REVOKED % {"date": _shown(revoked.revoked_at), "reason": revoked.revocation_reason}
        return Check("status", LABEL_STATUS, FAILED, reason)
    return Check("status", LABEL_STATUS, FAILED, STATUS_REVOKED_NO_DETAILS)


def _components(document: dict[str, Any]) -> list[tuple[str, str]]:
    """The component credentials a stacked credential lists as evidence (what the signature covers once the
    proof holds); anything malformed is left out."""
    evidence = document.get("evidence")
    if not isinstance(evidence, list):
        return []
    return [
        (entry["name"], entry.get("id", "") if isinstance(entry.get("id", ""), str) else "")
        for entry in evidence[:100]
        if isinstance(entry, dict) and isinstance(entry.get("name"), str)
    ]


def credential_verify(document: dict[str, Any], *, now: datetime | None = None) -> Verification:
    """Every check of ``document``, each one line. Reads only the portal's own data and bundled contexts;
    never raises for what the document holds (an unexpected fault is logged and reported as a failed check)."""
    now = now or timezone.now()
    verification = Verification()
    name = document.get("name")
    verification.credential_name = name if isinstance(name, str) else ""
    verification.components = _components(document)
    try:
        loader = selectors.loader()
        json_ld, defined = _check_json_ld(document, loader)
        issuer, proof, issuer_name = _check_issuer_and_proof(document, loader, readable=json_ld.outcome == OK)
        verification.issuer_name = issuer_name
        verification.checks = [
            json_ld,
            defined,
            issuer,
            proof,
            _check_dates(document, now),
            _check_status(document, _known_institution(_issuer_id(document)) if issuer.outcome == OK else None),
        ]
    except Exception:  # a fault of ours must still read as a verdict, never a 500
        logger.exception("verifying a credential failed unexpectedly")
        verification.checks = [Check("proof", LABEL_PROOF, FAILED, HEADLINE_INVALID)]
    return verification
