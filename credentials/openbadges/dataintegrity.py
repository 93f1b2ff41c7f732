"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C VC-DI-EdDSA 1.0, section 3.3).

Transformation: RDFC-1.0 canonical N-Quads of the document without its proof, and of the proof options with
the document's ``@context``. Hashing: SHA-256 of each; the proof configuration's hash comes first. Signature:
Ed25519 over the 64 bytes. ``proofValue``: base58btc multibase of the 64-byte signature.
"""

import copy
import hashlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .contexts import OfflineDocumentLoader, canonicalize
from .dates import xsd_datetime
from .errors import (
    BAD_SIGNATURE_MESSAGE,
    MALFORMED_PROOF_MESSAGE,
    UNKNOWN_KEY_MESSAGE,
    UNSUPPORTED_PROOF_MESSAGE,
    WRONG_PURPOSE_MESSAGE,
    VerificationError,
)
from .multibase import multibase_base58btc_decode, multibase_base58btc_encode

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION_METHOD = "assertionMethod"

KeyLookup = Mapping[str, Ed25519PublicKey] | Callable[[str], Ed25519PublicKey | None]


def _hash_data(unsecured: Mapping[str, Any], proof_config: Mapping[str, Any], loader: OfflineDocumentLoader) -> bytes:
    config_hash = hashlib.sha256(canonicalize(proof_config, loader).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(unsecured, loader).encode("utf-8")).digest()
    return config_hash + document_hash


def sign(
    document: Mapping[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    loader: OfflineDocumentLoader,
    created: datetime | None = None,
    proof_purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    """A copy of ``document`` with a ``proof``. The document must not carry one already (proof sets and
    chains are not needed by the portal). Raises ``ContextNotBundledError`` for a context the loader lacks."""
    if "proof" in document:
        raise ValueError("the document already has a proof")
    if "@context" not in document:
        raise ValueError("a Data Integrity document needs an @context")
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created or datetime.now(UTC)),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    proof_config = {**proof, "@context": copy.deepcopy(document["@context"])}
    signature = private_key.sign(_hash_data(document, proof_config, loader))
    proof["proofValue"] = multibase_base58btc_encode(signature)
    return {**copy.deepcopy(dict(document)), "proof": proof}


def _malformed(reason: str) -> VerificationError:
    return VerificationError(MALFORMED_PROOF_MESSAGE % {"reason": reason}, code="malformed_proof")


def _find_key(keys: KeyLookup, method: str) -> Ed25519PublicKey | None:
    if callable(keys):
        return keys(method)
    return keys.get(method)


def verify(
    document: Mapping[str, Any],
    *,
    keys: KeyLookup,
    loader: OfflineDocumentLoader,
    proof_purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    """Check the document's one ``eddsa-rdfc-2022`` proof and return it; raise ``VerificationError`` (with a
    ``code`` and a translatable message) when it does not hold. ``keys`` maps verification method ids to
    public keys, or is a function that finds one; an unknown id is refused, never fetched.

    Only the signature is checked here: issuer, dates and status are the verifier's own steps."""
    if not isinstance(document, Mapping):
        raise _malformed("the credential is not a JSON object")
    proof = document.get("proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            raise _malformed("exactly one proof is expected")
        proof = proof[0]
    if not isinstance(proof, Mapping):
        raise _malformed("no proof object")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise VerificationError(
            UNSUPPORTED_PROOF_MESSAGE % {"type": proof.get("type"), "cryptosuite": proof.get("cryptosuite")},
            code="unsupported_proof",
        )
    if proof.get("proofPurpose") != proof_purpose:
        raise VerificationError(WRONG_PURPOSE_MESSAGE % {"purpose": proof.get("proofPurpose")}, code="wrong_purpose")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise _malformed("no verificationMethod")
    try:
        signature = multibase_base58btc_decode(proof.get("proofValue"))
    except ValueError as error:
        raise _malformed(f"proofValue: {error}") from error
    if len(signature) != 64:
        raise _malformed("an Ed25519 signature is 64 bytes")
    if "@context" not in document:
        raise _malformed("no @context")
    public_key = _find_key(keys, method)
    if public_key is None:
        raise VerificationError(UNKNOWN_KEY_MESSAGE % {"key": method}, code="unknown_key")

    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof_config = {key: value for key, value in proof.items() if key != "proofValue"}
    # A proof that carries its own @context must match the document's start (VC-DI-EdDSA 3.3.2, step 4).
    if "@context" in proof_config:
        proof_context = proof_config["@context"]
        proof_context = proof_context if isinstance(proof_context, list) else [proof_context]
        document_context = document["@context"] if isinstance(document["@context"], list) else [document["@context"]]
        if document_context[: len(proof_context)] != proof_context:
            raise _malformed("the proof's @context is not the start of the document's")
        unsecured["@context"] = proof_config["@context"]
    proof_config["@context"] = unsecured["@context"]
    try:
        public_key.verify(signature, _hash_data(unsecured, proof_config, loader))
    except InvalidSignature as error:
        raise VerificationError(BAD_SIGNATURE_MESSAGE, code="bad_signature") from error
    return dict(proof)
