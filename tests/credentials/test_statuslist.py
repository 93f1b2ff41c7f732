import gzip
from datetime import UTC, datetime

import pytest

from credentials.openbadges import statuslist
from credentials.openbadges.errors import StatusListError
from credentials.openbadges.multibase import multibase_base64url_decode, multibase_base64url_encode

from .conftest import BASE_URL, ISSUER


def test_a_new_list_has_16_kb_of_clear_bits_and_round_trips():
    bits = statuslist.Bitstring()
    encoded = bits.encode()

    assert encoded.startswith("u")
    assert "=" not in encoded
    assert len(gzip.decompress(multibase_base64url_decode(encoded))) == 16 * 1024
    decoded = statuslist.Bitstring.decode(encoded)
    assert decoded.size == 131072
    assert not any(decoded.get(i) for i in (0, 1, 42, 131071))


def test_a_revoked_bit_reads_back_and_only_that_one():
    bits = statuslist.Bitstring()
    bits.set(42)
    bits.set(131071)

    decoded = statuslist.Bitstring.decode(bits.encode())

    assert decoded.get(42) and decoded.get(131071)
    assert not decoded.get(41) and not decoded.get(43) and not decoded.get(0)


def test_index_zero_is_the_first_bytes_most_significant_bit():
    # The spec's bit order: a verifier elsewhere reads index 0 as 0x80 of byte 0.
    bits = statuslist.Bitstring()
    bits.set(0)
    assert gzip.decompress(multibase_base64url_decode(bits.encode()))[0] == 0x80


def test_a_bit_can_be_cleared():
    bits = statuslist.Bitstring()
    bits.set(7)
    bits.set(7, False)
    assert not statuslist.Bitstring.decode(bits.encode()).get(7)


def test_the_same_bits_encode_the_same_way():
    first, second = statuslist.Bitstring(), statuslist.Bitstring()
    first.set(5)
    second.set(5)
    assert first.encode() == second.encode()


@pytest.mark.parametrize("size", [8, 131064, 131073])
def test_a_list_smaller_than_16_kb_or_of_broken_bytes_is_refused(size):
    with pytest.raises(ValueError):
        statuslist.Bitstring(size=size)


@pytest.mark.parametrize(
    "encoded",
    [
        "not multibase",
        "unot-gzip",
        multibase_base64url_encode(gzip.compress(b"\0" * 100, mtime=0)),  # too small
    ],
)
def test_an_unreadable_list_is_a_clear_error(encoded):
    with pytest.raises(StatusListError):
        statuslist.Bitstring.decode(encoded)


def test_an_index_outside_the_list_is_a_clear_error():
    with pytest.raises(StatusListError) as caught:
        statuslist.Bitstring().get(131072)
    assert caught.value.code == "status_index"


def test_the_entry_and_the_list_credential_belong_together():
    entry = statuslist.status_entry(base_url=BASE_URL, issuer=ISSUER, list_id="2026", index=42)
    bits = statuslist.Bitstring()
    bits.set(42)
    credential = statuslist.status_list_credential(
        base_url=BASE_URL, issuer=ISSUER, list_id="2026", bits=bits, valid_from=datetime(2026, 7, 1, tzinfo=UTC)
    )

    assert entry == {
        "id": f"{BASE_URL}/credentials/issuers/uu/status/2026#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": f"{BASE_URL}/credentials/issuers/uu/status/2026",
    }
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["credentialSubject"]["type"] == "BitstringStatusList"
    assert credential["issuer"] == f"{BASE_URL}/credentials/issuers/uu"
    assert statuslist.entry_is_set(entry, credential) is True
    assert statuslist.entry_is_set({**entry, "statusListIndex": "41"}, credential) is False
    with pytest.raises(StatusListError):
        statuslist.entry_is_set({**entry, "statusListCredential": "https://elsewhere.example/list"}, credential)
