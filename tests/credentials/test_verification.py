"""The verifier service: each bad input is a clear verdict, never an exception."""

import copy
import datetime as dt
import json

import pytest
from django.utils import timezone

from credentials import verification
from credentials.errors import CredentialError
from credentials.models import IssuedCredential
from credentials.openbadges import dataintegrity, keys
from credentials.services import credential_revoke
from credentials.verification import FAILED, INVALID, NOT_CHECKED, OK, REVOKED, VALID, credential_verify

from .conftest import BASE_URL
from .world import recognised_pass, zone

__all__ = ["zone"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(zone, django_capture_on_commit_callbacks):
    result = recognised_pass(zone, django_capture_on_commit_callbacks)
    return IssuedCredential.objects.get(result=result)


def outcomes(found) -> dict[str, str]:
    return {check.key: check.outcome for check in found.checks}


def reason(found, key: str) -> str:
    return str(next(check.reason for check in found.checks if check.key == key))


def test_a_valid_credential_passes_every_check(issued):
    found = credential_verify(json.loads(issued.document))
    assert found.verdict == VALID
    assert set(outcomes(found).values()) == {OK}
    assert found.as_dict()["headline"] == "This credential is valid."


def test_a_tampered_credential_fails_the_signature(issued):
    document = json.loads(issued.document)
    document["name"] = "Something grander"
    found = credential_verify(document)
    assert (found.verdict, outcomes(found)["proof"]) == (INVALID, FAILED)
    assert "changed after signing" in reason(found, "proof")


def test_a_signature_by_another_key_fails(issued, zone):
    document = json.loads(issued.document)
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    resigned = dataintegrity.sign(
        unsigned,
        private_key=keys.generate_private_key(),
        verification_method=document["proof"]["verificationMethod"],
        loader=verification.selectors.loader(),
    )
    found = credential_verify(resigned)
    assert outcomes(found)["proof"] == FAILED
    assert found.verdict == INVALID


def test_an_unknown_issuer_gets_a_clear_verdict(issued):
    document = json.loads(issued.document)
    document["issuer"]["id"] = "https://elsewhere.example/issuers/x"
    found = credential_verify(document)
    assert outcomes(found)["issuer"] == FAILED
    assert outcomes(found)["proof"] == NOT_CHECKED
    assert "not an institution of this portal" in reason(found, "issuer")
    assert found.verdict == INVALID


def test_an_unsupported_proof_type_is_named(issued):
    document = json.loads(issued.document)
    document["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    found = credential_verify(document)
    assert outcomes(found)["proof"] == FAILED
    assert "not supported" in reason(found, "proof")


def test_an_expired_credential_says_so(issued):
    document = json.loads(issued.document)
    found = credential_verify(document, now=timezone.now() + dt.timedelta(days=1))
    assert outcomes(found)["dates"] == OK
    document["validUntil"] = (timezone.now() - dt.timedelta(days=1)).isoformat()
    found = credential_verify(document)
    assert outcomes(found)["dates"] == FAILED
    assert reason(found, "dates").startswith("Expired on")


def test_a_revoked_credential_reads_as_revoked_with_its_reason(issued, zone):
    credential_revoke(user=zone.host_board, credential_id=issued.public_id, reason="Exam fraud established")
    found = credential_verify(json.loads(issued.document))
    assert found.verdict == REVOKED
    assert found.headline == "This credential has been revoked."
    assert "Exam fraud established" in reason(found, "status")


def test_an_unknown_context_is_refused_not_fetched(issued):
    document = json.loads(issued.document)
    document["@context"] = [*document["@context"], "https://elsewhere.example/context.jsonld"]
    found = credential_verify(document)
    assert outcomes(found)["json_ld"] == FAILED
    assert found.verdict == INVALID


def test_undefined_terms_fail_the_strict_reading(issued):
    document = copy.deepcopy(json.loads(issued.document))
    document["madeUpTerm"] = "x"
    found = credential_verify(document)
    assert outcomes(found)["terms"] == FAILED
    assert "madeUpTerm" in reason(found, "terms")


@pytest.mark.parametrize("document", [{}, {"issuer": 3, "proof": "x", "validFrom": 5, "credentialStatus": []}])
def test_nonsense_is_a_verdict(db, settings, document):
    settings.PORTAL_BASE_URL = BASE_URL
    assert credential_verify(document).verdict == INVALID


def test_malformed_json_and_huge_input_are_clear_errors():
    with pytest.raises(CredentialError) as malformed:
        verification.credential_parse("{not json")
    assert malformed.value.code == "malformed_json"
    with pytest.raises(CredentialError) as listed:
        verification.credential_parse("[1]")
    assert listed.value.code == "not_an_object"
    with pytest.raises(CredentialError) as huge:
        verification.credential_parse(b" " * (verification.MAX_UPLOAD_BYTES + 1))
    assert str(huge.value) == "The file is larger than 256 kB; a credential is far smaller."


def test_links_are_resolved_from_the_database_only(issued):
    link = f"{BASE_URL}/credentials/{issued.public_id}"
    assert verification.credential_from_link(link) == json.loads(issued.document)
    with pytest.raises(CredentialError) as foreign:
        verification.credential_from_link("https://elsewhere.example/credentials/1")
    assert foreign.value.code == "foreign_link"
    with pytest.raises(CredentialError) as unknown:
        verification.credential_from_link(f"{BASE_URL}/credentials/00000000-0000-0000-0000-000000000000")
    assert unknown.value.code == "unknown_link"


def test_a_status_list_of_another_institution_is_not_the_issuers_word(issued, zone):
    document = json.loads(issued.document)
    other_list = verification.StatusList.objects.create(institution=zone.other)
    document["credentialStatus"]["statusListCredential"] = (
        f"{BASE_URL}/credentials/issuers/{zone.other.code}/status/{other_list.pk}"
    )
    found = credential_verify(document)
    assert outcomes(found)["status"] == FAILED
    assert found.verdict == INVALID


def test_revocation_is_read_from_the_signed_published_list(issued, zone, monkeypatch):
    """The verdict follows the bit in the list anyone can fetch: a list whose bit was flipped after signing
    is not believed, whatever the portal's own rows say."""
    from credentials import services
    from credentials.openbadges import statuslist

    signed = services.status_list_document
    index = issued.status_index

    def flipped_after_signing(status_list):
        document = copy.deepcopy(signed(status_list))
        bits = statuslist.Bitstring.decode(document["credentialSubject"]["encodedList"])
        bits.set(index)
        document["credentialSubject"]["encodedList"] = bits.encode()
        return document

    monkeypatch.setattr(services, "status_list_document", flipped_after_signing)
    found = credential_verify(json.loads(issued.document))
    assert outcomes(found)["status"] == FAILED
    assert reason(found, "status").startswith("The issuer's status list could not be read")


def test_a_set_bit_in_the_published_list_reads_as_revoked(issued, zone, monkeypatch):
    """The control of the test above: the same list, bit set and then signed, reads as revoked."""
    from credentials import services
    from credentials.openbadges import dataintegrity as di
    from credentials.openbadges import statuslist

    signed = services.status_list_document
    index = issued.status_index

    def revoked_and_signed(status_list):
        document = copy.deepcopy(signed(status_list))
        proof = document.pop("proof")
        bits = statuslist.Bitstring.decode(document["credentialSubject"]["encodedList"])
        bits.set(index)
        document["credentialSubject"]["encodedList"] = bits.encode()
        key = services._current_key(status_list.institution)
        return di.sign(
            document,
            private_key=keys.private_key_from_multibase(key.secret),
            verification_method=proof["verificationMethod"],
            loader=verification.selectors.loader(),
        )

    monkeypatch.setattr(services, "status_list_document", revoked_and_signed)
    found = credential_verify(json.loads(issued.document))
    assert (found.verdict, reason(found, "status")) == (REVOKED, "Revoked by the issuer.")
