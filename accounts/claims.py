"""What SURFconext / eduID tell us about a person, read tolerantly.

Identity providers differ in what they release and how: a claim may be missing, empty, a string where
a list was expected, or carry a student number of another institution. Nothing here touches the
database; ``accounts.services`` decides what the parsed claims mean for the person's account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SCHAC_HOME_CLAIM = "schac_home_organization"
PERSONAL_UNIQUE_CODE_CLAIM = "schac_personal_unique_code"
AFFILIATION_CLAIM = "eduperson_affiliation"
STUDENT_NUMBER_MAX_LENGTH = 30

# urn:schac:personalUniqueCode:nl:local:uu.nl:studentid:1234567, also the older
# urn:mace:terena.org:schac:personalUniqueCode:... form. Case of the fixed parts varies between IdPs.
_STUDENT_ID = re.compile(
    r"^urn:(?:mace:terena\.org:)?schac:personalUniqueCode:[a-z]{2}:local:(?P<home>[^:]+):studentid:(?P<number>[^:\s]+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class InstitutionClaims:
    """The parts of an OIDC identity the portal uses. Empty strings mean "not sent or not usable"."""

    schac_home: str
    student_number: str
    affiliations: frozenset[str] | None

    @property
    def is_student(self) -> bool:
        """Whether the person may get a student profile. IdPs that send no affiliation are given the benefit
        of the doubt: most SURFconext logins for the portal are students."""
        return self.affiliations is None or "student" in self.affiliations


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def merged_claims(extra_data: Mapping[str, Any]) -> dict[str, Any]:
    """One claim dict from allauth's stored OIDC data: the ID token, overlaid with userinfo (which may add more)."""
    if "userinfo" in extra_data or "id_token" in extra_data:
        return {**(extra_data.get("id_token") or {}), **(extra_data.get("userinfo") or {})}
    return dict(extra_data)


def institution_claims_parse(claims: Mapping[str, Any]) -> InstitutionClaims:
    """Read the home institution, the student number and the affiliations out of raw claims, never raising."""
    schac_home = next((s.strip().lower() for s in _strings(claims.get(SCHAC_HOME_CLAIM)) if s.strip()), "")

    student_number = ""
    for code in _strings(claims.get(PERSONAL_UNIQUE_CODE_CLAIM)):
        match = _STUDENT_ID.match(code.strip())
        if not match or len(match["number"]) > STUDENT_NUMBER_MAX_LENGTH:
            continue
        # A code issued by another institution (a student enrolled at two) says nothing about this home.
        if schac_home and match["home"].lower() != schac_home:
            continue
        student_number = match["number"]
        break

    # eduperson_affiliation ("student") or its scoped form ("student@uu.nl"); an empty value counts as not sent.
    affiliations = frozenset(a.strip().lower().split("@", 1)[0] for a in _strings(claims.get(AFFILIATION_CLAIM)))
    return InstitutionClaims(schac_home=schac_home, student_number=student_number, affiliations=affiliations or None)
