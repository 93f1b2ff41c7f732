"""A verifier written from the specs, sharing no code with the issuing path.

It reads what a verifier on the internet would get (the credential, the issuer's published controller
document, the context documents the portal serves) and checks the proof by the letter of VC-DI-EdDSA 1.0
section 3.3.2 with its own pyld call, its own SHA-256, its own base58btc decoding and the ``cryptography``
Ed25519 primitive. The only things it takes from the portal are those documents, as a fetch would.
"""

import base64
import copy
import gzip
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld

from credentials.openbadges import dataintegrity, keys, statuslist, urls
from credentials.openbadges.contexts import eu_microcredential_context

from .conftest import BASE_URL, ISSUER, microcredential

CONTEXT_FILES = Path(__file__).resolve().parents[2] / "credentials" / "openbadges" / "contexts"
LIST_VALID_FROM = datetime(2026, 7, 2, tzinfo=UTC)
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def served_documents():
    """URL -> document, as the portal and the contexts' owners serve them."""
    by_file = {
        "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-context-3.0.3.json",
    }
    documents = {url: json.loads((CONTEXT_FILES / name).read_text(encoding="utf-8")) for url, name in by_file.items()}
    documents[f"{BASE_URL}/credentials/contexts/eu-microcredential-v1.jsonld"] = eu_microcredential_context(BASE_URL)
    return documents


def independent_loader(documents):
    def load(url, options=None):
        if url not in documents:
            raise LookupError(f"the independent verifier has no document at {url}")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": documents[url],
        }

    return load


def decode_base58btc(value):
    assert value[0] == "z", "multibase base58btc starts with z"
    number = 0
    for char in value[1:]:
        number = number * 58 + ALPHABET.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    zeros = len(value[1:]) - len(value[1:].lstrip("1"))
    return b"\x00" * zeros + body


def rdfc(document, documents):
    return jsonld.normalize(
        copy.deepcopy(document),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": independent_loader(documents),
            # pyld caches contexts process-wide by URL; a cache of our own keeps this verifier honest.
            "contextResolver": jsonld.ContextResolver({}, independent_loader(documents)),
        },
    )


def independently_verified(credential, controller_document, documents):
    proof = credential["proof"]
    if proof["type"] != "DataIntegrityProof" or proof["cryptosuite"] != "eddsa-rdfc-2022":
        return False
    methods = {m["id"]: m for m in controller_document["verificationMethod"]}
    if proof["verificationMethod"] not in controller_document["assertionMethod"]:
        return False
    multikey = decode_base58btc(methods[proof["verificationMethod"]]["publicKeyMultibase"])
    assert multikey[:2] == b"\xed\x01" and len(multikey) == 34
    public_key = Ed25519PublicKey.from_public_bytes(multikey[2:])

    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = unsecured["@context"]
    hash_data = (
        hashlib.sha256(rdfc(options, documents).encode()).digest()
        + hashlib.sha256(rdfc(unsecured, documents).encode()).digest()
    )
    try:
        public_key.verify(decode_base58btc(proof["proofValue"]), hash_data)
    except InvalidSignature:
        return False
    return True


def independently_revoked(credential, status_list_credential):
    entry = credential["credentialStatus"]
    assert entry["statusListCredential"] == status_list_credential["id"]
    encoded = status_list_credential["credentialSubject"]["encodedList"]
    assert encoded[0] == "u", "multibase base64url starts with u"
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    index = int(entry["statusListIndex"])
    return bool(bits[index // 8] >> (7 - index % 8) & 1)


@pytest.fixture
def issued(issuer_key, key_id, loader):
    credential = dataintegrity.sign(
        microcredential(), private_key=issuer_key, verification_method=key_id, loader=loader
    )
    controller = keys.controller_document(
        urls.issuer_url(BASE_URL, ISSUER), [keys.PublishedKey(key_id, issuer_key.public_key())]
    )
    return credential, json.loads(json.dumps(controller))


def test_the_independent_verifier_accepts_a_credential_the_portal_signed(issued):
    credential, controller = issued
    assert independently_verified(json.loads(json.dumps(credential)), controller, served_documents())


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "achievement", "name"), "Data Science 2"),
        (("credentialSubject", "achievement", "ects"), 30),
        (("issuer", "name"), "Hogeschool Utrecht"),
        (("validFrom",), "2020-01-01T00:00:00Z"),
    ],
)
def test_the_independent_verifier_rejects_a_tampered_credential(issued, path, value):
    credential, controller = issued
    tampered = json.loads(json.dumps(credential))
    target = tampered
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert not independently_verified(tampered, controller, served_documents())


def test_the_independent_verifier_reads_a_revoked_credential_as_revoked(issued, issuer_key, key_id, loader):
    credential, controller = issued
    entry = credential["credentialStatus"]
    bits = statuslist.Bitstring()
    bits.set(int(entry["statusListIndex"]))
    list_credential = dataintegrity.sign(
        statuslist.status_list_credential(
            base_url=BASE_URL, issuer=ISSUER, list_id="2026", bits=bits, valid_from=LIST_VALID_FROM
        ),
        private_key=issuer_key,
        verification_method=key_id,
        loader=loader,
    )

    assert independently_verified(list_credential, controller, served_documents())
    assert independently_revoked(credential, list_credential)
    bits.set(int(entry["statusListIndex"]), False)
    cleared = statuslist.status_list_credential(
        base_url=BASE_URL, issuer=ISSUER, list_id="2026", bits=bits, valid_from=LIST_VALID_FROM
    )
    assert not independently_revoked(credential, cleared)
