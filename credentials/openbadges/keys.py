"""Ed25519 keys as Multikey, and the controller document that publishes an issuer's public keys.

No storage here: the app keeps private keys encrypted and hands them to ``dataintegrity.sign`` when it signs.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .contexts import DID_V1, MULTIKEY_V1
from .errors import MALFORMED_KEY_MESSAGE, KeyFormatError
from .multibase import multibase_base58btc_decode, multibase_base58btc_encode

# Multicodec prefixes, as unsigned varints: ed25519-pub is 0xed, ed25519-priv is 0x1300.
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_multibase(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """``publicKeyMultibase`` of a Multikey: base58btc of 0xed01 followed by the 32 raw key bytes."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multibase_base58btc_encode(ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    try:
        data = multibase_base58btc_decode(value)
    except ValueError as error:
        raise KeyFormatError(MALFORMED_KEY_MESSAGE % {"reason": str(error)}) from error
    if not data.startswith(ED25519_PUB_PREFIX) or len(data) != 34:
        raise KeyFormatError(MALFORMED_KEY_MESSAGE % {"reason": "not 0xed01 followed by 32 bytes"})
    return Ed25519PublicKey.from_public_bytes(data[2:])


def secret_key_multibase(key: Ed25519PrivateKey) -> str:
    """``secretKeyMultibase``: base58btc of 0x8026 followed by the 32-byte seed. Never publish it."""
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return multibase_base58btc_encode(ED25519_PRIV_PREFIX + raw)


def private_key_from_multibase(value: str) -> Ed25519PrivateKey:
    try:
        data = multibase_base58btc_decode(value)
    except ValueError as error:
        raise KeyFormatError(MALFORMED_KEY_MESSAGE % {"reason": str(error)}) from error
    if not data.startswith(ED25519_PRIV_PREFIX) or len(data) != 34:
        raise KeyFormatError(MALFORMED_KEY_MESSAGE % {"reason": "not 0x8026 followed by 32 bytes"})
    return Ed25519PrivateKey.from_private_bytes(data[2:])


@dataclass(frozen=True)
class PublishedKey:
    """One verification method of a controller: its full id (``urls.key_url``) and its public key.

    ``revoked`` (an xsd:dateTime string) marks a compromised key: it verifies nothing any more, earlier
    credentials included. A key merely rotated out stays in the document without it, so the credentials it
    signed still verify; the app simply stops signing with it.
    """

    id: str
    public_key: Ed25519PublicKey
    revoked: str | None = None


def verification_method(controller: str, key: PublishedKey) -> dict[str, Any]:
    method: dict[str, Any] = {
        "id": key.id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_key_multibase(key.public_key),
    }
    if key.revoked:
        method["revoked"] = key.revoked
    return method


def controller_document(controller: str, keys: Iterable[PublishedKey]) -> dict[str, Any]:
    """The document at ``controller`` listing its keys, readable as a DID document (``did:web``) or a
    Multikey controller document: the DID v1 context defines verificationMethod and assertionMethod, the
    Multikey context defines the key's own terms. Keys that are not revoked may assert credentials."""
    keys = list(keys)
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": controller,
        "verificationMethod": [verification_method(controller, key) for key in keys],
        "assertionMethod": [key.id for key in keys if not key.revoked],
    }


def keys_from_controller_document(document: dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys a controller document lets assert credentials, by verification method id."""
    assertion = set(document.get("assertionMethod") or [])
    found = {}
    for method in document.get("verificationMethod") or []:
        if method.get("id") in assertion and method.get("type") == "Multikey" and not method.get("revoked"):
            found[method["id"]] = public_key_from_multibase(method.get("publicKeyMultibase", ""))
    return found
