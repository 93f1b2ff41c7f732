"""The format of a European VAT identification number (not whether it exists: that is VIES's to say, and
the portal calls no outside service). Written down once, used by the service and the forms."""

from __future__ import annotations

import re

# Per member state, the number after the country code (the formats the EU's VIES documents).
FORMATS = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
}
_SEPARATORS = re.compile(r"[\s.\-]")


def vat_normalise(value: str) -> str:
    """Upper case, without the spaces, dots and dashes people write in it."""
    return _SEPARATORS.sub("", value or "").upper()


def vat_is_valid(value: str) -> bool:
    """Whether ``value`` (normalised) has the format of its country's VAT numbers."""
    country, number = value[:2], value[2:]
    pattern = FORMATS.get(country)
    return bool(pattern and re.fullmatch(f"(?:{pattern})", number))
