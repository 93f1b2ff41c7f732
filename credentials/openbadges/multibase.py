"""Multibase, the two bases Data Integrity uses: base58btc (prefix ``z``) and base64url without padding (``u``).

base58 is written here rather than taken from a package: it is twenty lines of a fixed, public algorithm
(the Bitcoin alphabet), and a dependency for it would be one more thing to audit and pin.
"""

import base64

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: value for value, char in enumerate(BASE58_ALPHABET)}


def base58_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(BASE58_ALPHABET[remainder])
    # Each leading zero byte is written as a leading "1"; the number alone would lose them.
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(digits))


def base58_decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _BASE58_INDEX:
            raise ValueError(f"{char!r} is not a base58btc character")
        number = number * 58 + _BASE58_INDEX[char]
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_zeros + body


def multibase_base58btc_encode(data: bytes) -> str:
    return "z" + base58_encode(data)


def multibase_base58btc_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("a base58btc multibase value starts with 'z'")
    return base58_decode(text[1:])


def multibase_base64url_encode(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def multibase_base64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("u"):
        raise ValueError("a base64url multibase value starts with 'u'")
    body = text[1:]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
