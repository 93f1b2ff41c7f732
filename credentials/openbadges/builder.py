"""An Open Badges 3.0 ``OpenBadgeCredential`` for a microcredential (VC Data Model 2.0), unsigned.

Open Badges says what was achieved (``Achievement`` with ``achievementType: MicroCredential``, its name,
description and criteria); the EU elements it has no term for go on the same Achievement under the portal's
own context (``contexts.EU_TERMS``). Every URL is built from ``base_url`` by ``urls``.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import urls
from .contexts import CREDENTIALS_V2, OPEN_BADGES_V3
from .dates import xsd_datetime

CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
MICROCREDENTIAL = "MicroCredential"
# OB 3.0's AchievementType for a larger whole beyond a microcredential's size: "a credential earned ... that
# meets a standard"; a stack that stays within the size rule is itself a MicroCredential.
CERTIFICATE = "Certificate"


@dataclass(frozen=True)
class EuElements:
    """The elements of the EU Council Recommendation on micro-credentials (Annex I) beyond title and
    awarding body. ``ects`` is the workload in EC; the optional ones are left out when empty."""

    ects: Decimal | int | float
    eqf_level: int
    learning_outcomes: Sequence[str]
    assessment_type: str
    participation_form: str
    quality_assurance: str
    awarding_body_country: str
    prerequisites: str = ""
    supervision_and_identity_verification: str = ""
    grade: str = ""
    stackability: str = ""
    integrated_into: str = ""

    def as_terms(self) -> dict[str, Any]:
        ects = Decimal(str(self.ects))
        # JSON has one number type; 6 stays 6 and 7.5 stays 7.5, never "7.50" or 6.0.
        terms: dict[str, Any] = {
            "ects": int(ects) if ects == ects.to_integral_value() else float(ects),
            "eqfLevel": self.eqf_level,
            "learningOutcomes": list(self.learning_outcomes),
            "assessmentType": self.assessment_type,
            "participationForm": self.participation_form,
            "qualityAssurance": self.quality_assurance,
            "awardingBodyCountry": self.awarding_body_country,
        }
        optional = {
            "prerequisites": self.prerequisites,
            "supervisionAndIdentityVerification": self.supervision_and_identity_verification,
            "grade": self.grade,
            "stackability": self.stackability,
            "integratedInto": self.integrated_into,
        }
        terms.update({term: value for term, value in optional.items() if value})
        return terms


def identity_object(email: str, *, salt: str) -> dict[str, Any]:
    """An OB 3.0 ``IdentityObject`` naming the holder by a salted hash of their email address, for a holder
    without a DID: the credential does not show the address, and the holder can prove it is theirs."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def component_evidence(*, base_url: str, credential_id: str, name: str, description: str) -> dict[str, Any]:
    """An OB 3.0 ``Evidence`` entry naming a component credential of a stacked one by its URL (the
    credential's own ``id``): "the work that the recipient did to earn the achievement" is that credential."""
    return {
        "id": urls.credential_url(base_url, credential_id),
        "type": ["Evidence"],
        "name": name,
        "description": description,
        "genre": "Component credential",
    }


def build_microcredential(
    *,
    base_url: str,
    credential_id: str,
    issuer: str,
    issuer_name: str,
    achievement: str,
    name: str,
    description: str,
    criteria: str,
    eu: EuElements,
    valid_from: datetime,
    valid_until: datetime | None = None,
    subject_id: str | None = None,
    subject_identifier: dict[str, Any] | None = None,
    credential_status: dict[str, Any] | None = None,
    achievement_type: str = MICROCREDENTIAL,
    evidence: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The credential as a dict, ready for ``dataintegrity.sign``.

    ``issuer``, ``achievement`` and ``credential_id`` are the portal's identifiers (an institution's slug,
    a definition's, a credential's) that ``urls`` turns into URLs; ``subject_id`` is the holder's own id
    (a DID) if they have one, ``subject_identifier`` an ``identity_object``; ``credential_status`` a
    ``statuslist.status_entry``. A credential for a larger whole lists its component credentials as
    ``evidence`` (``component_evidence``), OB 3.0's place for what earned the achievement."""
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if subject_id:
        subject["id"] = subject_id
    if subject_identifier:
        subject["identifier"] = [subject_identifier]
    subject["achievement"] = {
        "id": urls.achievement_url(base_url, achievement),
        "type": ["Achievement"],
        "achievementType": achievement_type,
        "name": name,
        "description": description,
        "criteria": {"narrative": criteria},
        **eu.as_terms(),
    }
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, OPEN_BADGES_V3, urls.eu_microcredential_context_url(base_url)],
        "id": urls.credential_url(base_url, credential_id),
        "type": list(CREDENTIAL_TYPES),
        "name": name,
        "issuer": {"id": urls.issuer_url(base_url, issuer), "type": ["Profile"], "name": issuer_name},
        "validFrom": xsd_datetime(valid_from),
    }
    if valid_until is not None:
        if valid_until <= valid_from:
            raise ValueError("validUntil must come after validFrom")
        credential["validUntil"] = xsd_datetime(valid_until)
    credential["credentialSubject"] = subject
    if credential_status is not None:
        credential["credentialStatus"] = credential_status
    if evidence:
        credential["evidence"] = [dict(entry) for entry in evidence]
    return credential
