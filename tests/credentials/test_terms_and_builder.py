from datetime import UTC, datetime

import pytest

from credentials.openbadges import builder, contexts, keys, statuslist, terms, urls
from credentials.openbadges.errors import ContextNotBundledError

from .conftest import BASE_URL, ISSUER, eu_elements, microcredential


def test_the_builders_credential_has_no_undefined_term(loader):
    assert terms.undefined_terms(microcredential(), loader) == []


def test_a_credential_with_every_optional_element_has_no_undefined_term(loader):
    credential = microcredential(
        eu=eu_elements(prerequisites="Python basics", integrated_into=urls.achievement_url(BASE_URL, "uu-minor-ds")),
        subject_identifier=builder.identity_object("Student@Example.nl", salt="pepper"),
        valid_until=datetime(2031, 7, 1, tzinfo=UTC),
    )
    assert terms.undefined_terms(credential, loader) == []


def test_an_unknown_property_or_type_is_caught(loader):
    credential = microcredential()
    credential["credentialSubject"]["achievement"]["ectsCredits"] = 7.5
    credential["favouriteColour"] = "blue"
    credential["credentialSubject"]["type"].append("HonoursSubject")

    found = terms.undefined_terms(credential, loader)

    assert len(found) == 3
    assert any(path.endswith("ectsCredits") for path in found)
    assert "favouriteColour" in found
    assert any(path.endswith("@type HonoursSubject") for path in found)


def test_the_check_refuses_an_unknown_context(loader):
    credential = microcredential()
    credential["@context"].append("https://contexts.example/extra.jsonld")
    with pytest.raises(ContextNotBundledError):
        terms.undefined_terms(credential, loader)


def test_the_controller_document_has_no_undefined_term(loader, issuer_key, key_id):
    document = keys.controller_document(
        urls.issuer_url(BASE_URL, ISSUER), [keys.PublishedKey(key_id, issuer_key.public_key())]
    )
    assert terms.undefined_terms(document, loader) == []


def test_the_status_list_credential_has_no_undefined_term(loader):
    credential = statuslist.status_list_credential(
        base_url=BASE_URL, issuer=ISSUER, list_id="2026", bits=statuslist.Bitstring(), valid_from=datetime.now(UTC)
    )
    assert terms.undefined_terms(credential, loader) == []


def test_the_credential_is_an_open_badge_microcredential_with_every_url_from_the_base():
    credential = microcredential()

    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        f"{BASE_URL}/credentials/contexts/eu-microcredential-v1.jsonld",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {
        "id": f"{BASE_URL}/credentials/issuers/uu",
        "type": ["Profile"],
        "name": "Universiteit Utrecht",
    }
    assert credential["validFrom"] == "2026-07-01T12:00:00Z"
    assert "validUntil" not in credential
    achievement = credential["credentialSubject"]["achievement"]
    assert credential["credentialSubject"]["type"] == ["AchievementSubject"]
    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["criteria"] == {
        "narrative": "A passing result for the module, recognised by the home examination board."
    }
    assert achievement["ects"] == 7.5
    assert achievement["eqfLevel"] == 6
    assert achievement["awardingBodyCountry"] == "NL"
    assert "prerequisites" not in achievement  # optional elements left empty are left out
    for url in (credential["id"], achievement["id"], credential["credentialStatus"]["statusListCredential"]):
        assert url.startswith(f"{BASE_URL}/credentials/")


def test_whole_ec_stay_whole_numbers():
    assert builder.EuElements(**{**vars(eu_elements()), "ects": 6}).as_terms()["ects"] == 6
    assert isinstance(builder.EuElements(**{**vars(eu_elements()), "ects": 6}).as_terms()["ects"], int)


def test_valid_until_must_follow_valid_from():
    with pytest.raises(ValueError):
        microcredential(valid_until=datetime(2026, 1, 1, tzinfo=UTC))
    assert microcredential(valid_until=datetime(2031, 7, 1, tzinfo=UTC))["validUntil"] == "2031-07-01T00:00:00Z"


def test_the_portals_context_is_protected_and_built_from_the_base():
    context = contexts.eu_microcredential_context("https://portal.example/")["@context"]
    assert context["@protected"] is True
    assert context["ects"] == {"@id": "https://portal.example/credentials/vocab/eu-microcredential#ects"}
    assert set(contexts.EU_TERMS) <= set(context)


def test_the_identity_object_hides_the_address():
    identity = builder.identity_object("Student@Example.nl ", salt="pepper")
    assert identity["identityHash"].startswith("sha256$")
    assert "Student" not in identity["identityHash"]
    assert identity == builder.identity_object("student@example.nl", salt="pepper")


def test_multikey_round_trip_and_prefix(issuer_key):
    encoded = keys.public_key_multibase(issuer_key)
    assert encoded.startswith("z6Mk")  # every Ed25519 Multikey does: 0xed01 in base58btc
    assert keys.public_key_multibase(keys.public_key_from_multibase(encoded)) == encoded
    assert keys.public_key_multibase(keys.private_key_from_multibase(keys.secret_key_multibase(issuer_key))) == encoded


def test_a_revoked_key_no_longer_asserts(issuer_key, key_id):
    document = keys.controller_document(
        urls.issuer_url(BASE_URL, ISSUER),
        [keys.PublishedKey(key_id, issuer_key.public_key(), revoked="2026-12-01T00:00:00Z")],
    )
    assert document["assertionMethod"] == []
    assert keys.keys_from_controller_document(document) == {}
