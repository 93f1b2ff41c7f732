"""W3C Bitstring Status List v1.0: the list, its entries in credentials, and the list credential.

The list is a bitstring, index 0 being the most significant bit of the first byte; published GZIP-compressed
and base64url-encoded as multibase (``u``). At least 16 KB (131,072 entries) so one credential's index
does not single out its holder (the spec's herd privacy).
"""

import gzip
from datetime import datetime
from typing import Any

from . import urls
from .contexts import CREDENTIALS_V2
from .dates import xsd_datetime
from .errors import MALFORMED_STATUS_LIST_MESSAGE, STATUS_INDEX_OUT_OF_RANGE_MESSAGE, StatusListError
from .multibase import multibase_base64url_decode, multibase_base64url_encode

MINIMUM_BITS = 16 * 1024 * 8
REVOCATION = "revocation"
SUSPENSION = "suspension"


class Bitstring:
    """A mutable list of bits; ``set(i)`` marks entry ``i`` (revoked, for a revocation list)."""

    def __init__(self, size: int = MINIMUM_BITS, data: bytes | None = None):
        if size < MINIMUM_BITS or size % 8:
            raise ValueError(f"a status list has at least {MINIMUM_BITS} entries, a whole number of bytes")
        self.size = size
        self._bytes = bytearray(data if data is not None else size // 8)
        if len(self._bytes) * 8 != size:
            raise ValueError("data does not match the size")

    def _check(self, index: int) -> None:
        if not 0 <= index < self.size:
            raise StatusListError(
                STATUS_INDEX_OUT_OF_RANGE_MESSAGE % {"index": index, "size": self.size}, code="status_index"
            )

    def get(self, index: int) -> bool:
        self._check(index)
        return bool(self._bytes[index // 8] & (0x80 >> (index % 8)))

    def set(self, index: int, value: bool = True) -> None:
        self._check(index)
        if value:
            self._bytes[index // 8] |= 0x80 >> (index % 8)
        else:
            self._bytes[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF

    def encode(self) -> str:
        """``encodedList``. mtime=0 keeps the output the same for the same bits, so an unchanged list
        re-signed gives the same ``encodedList``."""
        return multibase_base64url_encode(gzip.compress(bytes(self._bytes), mtime=0))

    @classmethod
    def decode(cls, encoded: str) -> "Bitstring":
        try:
            data = gzip.decompress(multibase_base64url_decode(encoded))
        except (ValueError, OSError, EOFError) as error:
            raise StatusListError(MALFORMED_STATUS_LIST_MESSAGE % {"reason": str(error)}) from error
        try:
            return cls(size=len(data) * 8, data=data)
        except ValueError as error:
            raise StatusListError(MALFORMED_STATUS_LIST_MESSAGE % {"reason": str(error)}) from error


def status_entry(*, base_url: str, issuer: str, list_id: str, index: int, purpose: str = REVOCATION) -> dict[str, Any]:
    """The ``credentialStatus`` of a credential whose status is bit ``index`` of the issuer's list."""
    list_url = urls.status_list_url(base_url, issuer, list_id)
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *,
    base_url: str,
    issuer: str,
    list_id: str,
    bits: Bitstring,
    valid_from: datetime,
    purpose: str = REVOCATION,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` published at the list's URL; sign it with
    ``dataintegrity.sign`` and the issuer's key, like any credential."""
    list_url = urls.status_list_url(base_url, issuer, list_id)
    return {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": urls.issuer_url(base_url, issuer),
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encode(),
        },
    }


def entry_is_set(entry: dict[str, Any], list_credential: dict[str, Any]) -> bool:
    """Whether the bit of ``entry`` (a credential's ``credentialStatus``) is set in the (already verified)
    list credential. Raises ``StatusListError`` when the two do not belong together or cannot be read."""
    subject = list_credential.get("credentialSubject") or {}
    if entry.get("statusListCredential") != list_credential.get("id"):
        raise StatusListError(MALFORMED_STATUS_LIST_MESSAGE % {"reason": "the entry names another list"})
    if entry.get("statusPurpose") != subject.get("statusPurpose"):
        raise StatusListError(MALFORMED_STATUS_LIST_MESSAGE % {"reason": "the purposes differ"})
    try:
        index = int(entry.get("statusListIndex"))
    except (TypeError, ValueError) as error:
        raise StatusListError(MALFORMED_STATUS_LIST_MESSAGE % {"reason": "statusListIndex is not a number"}) from error
    return Bitstring.decode(subject.get("encodedList", "")).get(index)
