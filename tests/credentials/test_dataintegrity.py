import copy
import socket
from datetime import UTC, datetime

import pytest
from django.utils import translation

from credentials.openbadges import dataintegrity, keys, urls
from credentials.openbadges.contexts import OfflineDocumentLoader, canonicalize
from credentials.openbadges.errors import (
    BAD_SIGNATURE_MESSAGE,
    UNKNOWN_KEY_MESSAGE,
    UNSUPPORTED_PROOF_MESSAGE,
    CanonicalisationError,
    ContextNotBundledError,
    VerificationError,
)

from .conftest import BASE_URL, ISSUER, microcredential

# The W3C VC-DI-EdDSA 1.0 test vector for eddsa-rdfc-2022 (the spec's TestVectors: keyPair.json,
# unsigned.json, eddsa-rdfc-2022/signedDataInt.json), rebuilt here. Ed25519 signatures are deterministic,
# so the same key, document and proof options must give exactly the spec's proofValue.
SPEC_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SPEC_SECRET_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
SPEC_METHOD = f"did:key:{SPEC_PUBLIC_KEY}#{SPEC_PUBLIC_KEY}"
SPEC_EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
SPEC_UNSIGNED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", SPEC_EXAMPLES_CONTEXT],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
SPEC_PROOF_VALUE = "z2YwC8z3ap7yx1nZYCg4L3j3ApHsF8kgPdSb5xoS1VR7vPG3F561B52hYnQF9iseabecm3ijx4K1FBTQsCZahKZme"
SPEC_CANONICAL_PROOF_CONFIG = (
    '_:c14n0 <http://purl.org/dc/terms/created> "2023-02-24T23:36:38Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n'
    "_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/security#DataIntegrityProof> .\n"
    '_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022"^^<https://w3id.org/security#cryptosuiteString> .\n'
    "_:c14n0 <https://w3id.org/security#proofPurpose> <https://w3id.org/security#assertionMethod> .\n"
    f"_:c14n0 <https://w3id.org/security#verificationMethod> <{SPEC_METHOD}> .\n"
)


def spec_loader():
    # The spec's examples context (VC DM 2.0, section "Contexts") is one @vocab; it is not bundled.
    return OfflineDocumentLoader(
        extra={SPEC_EXAMPLES_CONTEXT: {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}}
    )


def test_the_spec_test_vector_is_reproduced_exactly():
    private_key = keys.private_key_from_multibase(SPEC_SECRET_KEY)
    assert keys.public_key_multibase(private_key) == SPEC_PUBLIC_KEY

    signed = dataintegrity.sign(
        SPEC_UNSIGNED,
        private_key=private_key,
        verification_method=SPEC_METHOD,
        loader=spec_loader(),
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
    )

    assert signed["proof"] == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": SPEC_METHOD,
        "proofPurpose": "assertionMethod",
        "proofValue": SPEC_PROOF_VALUE,
    }
    public_key = keys.public_key_from_multibase(SPEC_PUBLIC_KEY)
    assert dataintegrity.verify(signed, keys={SPEC_METHOD: public_key}, loader=spec_loader())["proofValue"] == (
        SPEC_PROOF_VALUE
    )


def test_the_spec_canonical_proof_configuration_is_reproduced():
    config = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": SPEC_METHOD,
        "proofPurpose": "assertionMethod",
        "@context": SPEC_UNSIGNED["@context"],
    }
    assert canonicalize(config, spec_loader()) == SPEC_CANONICAL_PROOF_CONFIG


def sign(credential, issuer_key, key_id, loader):
    return dataintegrity.sign(credential, private_key=issuer_key, verification_method=key_id, loader=loader)


def test_a_signed_microcredential_verifies(issuer_key, key_id, loader):
    signed = sign(microcredential(), issuer_key, key_id, loader)

    proof = dataintegrity.verify(signed, keys={key_id: issuer_key.public_key()}, loader=loader)

    assert proof["verificationMethod"] == key_id
    assert signed["proof"]["proofValue"].startswith("z")


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda c: c["credentialSubject"]["achievement"].__setitem__("name", "Data Science 2"), id="name"),
        pytest.param(lambda c: c["credentialSubject"]["achievement"].__setitem__("ects", 30), id="ects"),
        pytest.param(lambda c: c["credentialSubject"].__setitem__("id", "did:example:someone-else"), id="holder"),
        pytest.param(
            lambda c: c["issuer"].__setitem__("id", "https://flexportal.example/credentials/issuers/hu"), id="issuer"
        ),
        pytest.param(lambda c: c.__setitem__("validFrom", "2020-01-01T00:00:00Z"), id="validFrom"),
        pytest.param(lambda c: c["credentialStatus"].__setitem__("statusListIndex", "43"), id="status"),
        pytest.param(lambda c: c["proof"].__setitem__("created", "2020-01-01T00:00:00Z"), id="proof created"),
    ],
)
def test_tampering_with_any_field_fails(tamper, issuer_key, key_id, loader):
    signed = sign(microcredential(), issuer_key, key_id, loader)
    tampered = copy.deepcopy(signed)
    tamper(tampered)

    with pytest.raises(VerificationError) as caught:
        dataintegrity.verify(tampered, keys={key_id: issuer_key.public_key()}, loader=loader)

    assert caught.value.code == "bad_signature"
    assert caught.value.message == BAD_SIGNATURE_MESSAGE


def test_another_key_fails(issuer_key, key_id, loader):
    signed = sign(microcredential(), issuer_key, key_id, loader)

    with pytest.raises(VerificationError) as caught:
        dataintegrity.verify(signed, keys={key_id: keys.generate_private_key().public_key()}, loader=loader)

    assert caught.value.code == "bad_signature"


def test_a_key_the_issuer_does_not_list_is_refused(issuer_key, key_id, loader):
    signed = sign(microcredential(), issuer_key, key_id, loader)

    with pytest.raises(VerificationError) as caught:
        dataintegrity.verify(signed, keys={}, loader=loader)

    assert caught.value.code == "unknown_key"
    assert caught.value.message == UNKNOWN_KEY_MESSAGE % {"key": key_id}


@pytest.mark.parametrize(
    ("proof_type", "cryptosuite"),
    [
        ("Ed25519Signature2020", None),
        ("DataIntegrityProof", "eddsa-jcs-2022"),
        ("DataIntegrityProof", "ecdsa-rdfc-2019"),
    ],
)
def test_an_unsupported_proof_is_a_clear_error(proof_type, cryptosuite, issuer_key, key_id, loader):
    signed = sign(microcredential(), issuer_key, key_id, loader)
    signed["proof"]["type"] = proof_type
    if cryptosuite:
        signed["proof"]["cryptosuite"] = cryptosuite
    else:
        del signed["proof"]["cryptosuite"]

    with pytest.raises(VerificationError) as caught:
        dataintegrity.verify(signed, keys={key_id: issuer_key.public_key()}, loader=loader)

    assert caught.value.code == "unsupported_proof"
    assert caught.value.message == UNSUPPORTED_PROOF_MESSAGE % {"type": proof_type, "cryptosuite": cryptosuite}


@pytest.mark.parametrize(
    "break_proof",
    [
        pytest.param(lambda c: c.pop("proof"), id="no proof"),
        pytest.param(lambda c: c["proof"].__setitem__("proofValue", "not-multibase"), id="not multibase"),
        pytest.param(lambda c: c["proof"].__setitem__("proofValue", "z0OIl"), id="not base58"),
        pytest.param(lambda c: c["proof"].__setitem__("proofValue", "z3mJ"), id="too short"),
        pytest.param(lambda c: c["proof"].pop("verificationMethod"), id="no key"),
    ],
)
def test_a_malformed_proof_is_a_clear_error(break_proof, issuer_key, key_id, loader):
    signed = sign(microcredential(), issuer_key, key_id, loader)
    break_proof(signed)

    with pytest.raises(VerificationError) as caught:
        dataintegrity.verify(signed, keys={key_id: issuer_key.public_key()}, loader=loader)

    assert caught.value.code == "malformed_proof"


def test_an_unknown_context_is_refused_with_a_clear_message(issuer_key, key_id, loader):
    signed = sign(microcredential(), issuer_key, key_id, loader)
    signed["@context"].append("https://contexts.example/extra.jsonld")

    with translation.override("en"), pytest.raises(ContextNotBundledError) as caught:
        dataintegrity.verify(signed, keys={key_id: issuer_key.public_key()}, loader=loader)

    assert caught.value.url == "https://contexts.example/extra.jsonld"
    message = str(caught.value.message)
    assert "https://contexts.example/extra.jsonld" in message and "never fetched" in message


def test_a_credential_under_another_portal_base_is_not_served_its_context(issuer_key, key_id, loader):
    signed = sign(microcredential(), issuer_key, key_id, loader)

    with pytest.raises(ContextNotBundledError):
        dataintegrity.verify(
            signed,
            keys={key_id: issuer_key.public_key()},
            loader=OfflineDocumentLoader(base_url="https://other.example"),
        )


def test_canonicalisation_opens_no_connection(issuer_key, key_id, loader):
    # The autouse fixture already makes connect() fail; prove it is in force, then sign and verify under it.
    with socket.socket() as probe, pytest.raises(AssertionError, match="opened a connection"):
        probe.connect(("127.0.0.1", 9))
    signed = sign(microcredential(), issuer_key, key_id, loader)
    dataintegrity.verify(signed, keys={key_id: issuer_key.public_key()}, loader=loader)


def test_rotation_leaves_earlier_credentials_verifiable(issuer_key, key_id, loader):
    old = sign(microcredential(), issuer_key, key_id, loader)
    new_key, new_id = keys.generate_private_key(), urls.key_url(BASE_URL, ISSUER, "key-2027")
    document = keys.controller_document(
        urls.issuer_url(BASE_URL, ISSUER),
        [keys.PublishedKey(key_id, issuer_key.public_key()), keys.PublishedKey(new_id, new_key.public_key())],
    )
    published = keys.keys_from_controller_document(document)

    dataintegrity.verify(old, keys=published, loader=loader)
    dataintegrity.verify(sign(microcredential(), new_key, new_id, loader), keys=published, loader=loader)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param(lambda c: c.__setitem__("@context", 5), "@context must be an object", id="context not a list"),
        pytest.param(lambda c: c.__setitem__("id", {"x": 1}), '"@id" value must be a string', id="id not a string"),
        pytest.param(
            lambda c: c["@context"].append({"name": "https://attacker.example/name"}),
            "tried to redefine a protected term",
            id="redefines a protected term",
        ),
    ],
)
def test_invalid_json_ld_gets_a_clear_verdict(change, reason, issuer_key, key_id, loader):
    signed = sign(microcredential(), issuer_key, key_id, loader)
    change(signed)

    with pytest.raises(CanonicalisationError) as caught:
        dataintegrity.verify(signed, keys={key_id: issuer_key.public_key()}, loader=loader)

    assert reason in str(caught.value.message)
