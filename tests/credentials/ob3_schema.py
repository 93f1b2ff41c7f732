"""The Open Badges 3.0 JSON schema of an ``AchievementCredential``, rebuilt for the tests from the data model.

1EdTech publishes its JSON schemas only on its own site and in its specification repository; neither is
reachable from here, and the repository takes no copies of others' files. So this module writes the schema
again, class by class, from the normative data model of Open Badges 3.0 (appendix B, "Data Models"): for each
class its properties, their types, which are required ([1] or [1..*]) and whether the class admits other
properties (extension points do; closed classes such as ``AchievementSubject``, ``IdentityObject``, ``Image``
and ``Result`` do not). Where the data model says a type set MUST hold a value, the schema says so with
``contains`` (the published schema only describes it in words).

The schema is JSON Schema 2019-09, as 1EdTech's are. Built in code, not a JSON file, to keep the shared
shapes (a type set, a date, a URI) in one place each.
"""

from __future__ import annotations

from typing import Any

DATE_TIME_Z = {"type": "string", "format": "date-time", "pattern": r"(Z|[+-]\d{2}:\d{2})$"}
URI = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$"}
STRING = {"type": "string"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}


def type_set(*required: str | tuple[str, ...]) -> dict[str, Any]:
    """``type``: one IRI or an unordered set of them; each of ``required`` must be in it (a tuple: any one)."""
    contains = []
    for value in required:
        options = value if isinstance(value, tuple) else (value,)
        contains.append({"contains": {"enum": list(options)}})
    as_set = {"type": "array", "minItems": 1, "items": STRING, "allOf": contains}
    single = {"type": "string", "enum": [required[0]]} if len(required) == 1 and isinstance(required[0], str) else None
    return {"oneOf": [single, as_set]} if single else as_set


def one_or_many(ref: str) -> dict[str, Any]:
    return {"oneOf": [{"$ref": ref}, {"type": "array", "items": {"$ref": ref}}]}


def many(ref: str) -> dict[str, Any]:
    return {"type": "array", "items": {"$ref": ref}}


def klass(properties: dict[str, Any], required: list[str], *, open_: bool) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": open_}


ACHIEVEMENT_TYPES = [
    "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree", "Award", "Badge",
    "BachelorDegree", "Certificate", "CertificateOfCompletion", "Certification", "CommunityService", "Competency",
    "Course", "CoCurricular", "Degree", "Diploma", "DoctoralDegree", "Fieldwork", "GeneralEducationDevelopment",
    "JourneymanCertificate", "LearningProgram", "License", "Membership", "ProfessionalDoctorate",
    "QualityAssuranceCredential", "MasterCertificate", "MasterDegree", "MicroCredential", "ResearchDoctorate",
    "SecondarySchoolDiploma",
]  # fmt: skip
EXTENSION_TERM = {"type": "string", "pattern": r"^ext:[A-Za-z0-9._-]+$"}

DEFS: dict[str, Any] = {
    "Context": {"anyOf": [{"type": "object"}, URI]},
    "Image": klass({"id": URI, "type": {"const": "Image"}, "caption": STRING}, ["id", "type"], open_=False),
    "Criteria": {
        **klass({"id": URI, "narrative": STRING}, [], open_=True),
        "anyOf": [{"required": ["id"]}, {"required": ["narrative"]}],
    },
    "Profile": klass(
        {
            "id": URI,
            "type": type_set("Profile"),
            "name": STRING,
            "url": URI,
            "phone": STRING,
            "description": STRING,
            "image": {"$ref": "#/$defs/Image"},
            "email": STRING,
            "otherIdentifier": many("#/$defs/IdentifierEntry"),
        },
        ["id", "type"],
        open_=True,
    ),
    "IdentifierEntry": klass(
        {"type": {"const": "IdentifierEntry"}, "identifier": STRING, "identifierType": STRING},
        ["type", "identifier", "identifierType"],
        open_=False,
    ),
    "IdentityObject": klass(
        {
            "type": {"const": "IdentityObject"},
            "hashed": BOOLEAN,
            "identityHash": STRING,
            "identityType": STRING,
            "salt": STRING,
        },
        ["type", "hashed", "identityHash", "identityType"],
        open_=False,
    ),
    "Alignment": klass(
        {
            "type": type_set("Alignment"),
            "targetCode": STRING,
            "targetDescription": STRING,
            "targetName": STRING,
            "targetFramework": STRING,
            "targetType": STRING,
            "targetUrl": URI,
        },
        ["type", "targetName", "targetUrl"],
        open_=False,
    ),
    "ResultDescription": klass(
        {
            "id": URI,
            "type": type_set("ResultDescription"),
            "alignment": many("#/$defs/Alignment"),
            "allowedValue": {"type": "array", "items": STRING},
            "name": STRING,
            "requiredLevel": URI,
            "requiredValue": STRING,
            "resultType": STRING,
            "rubricCriterionLevel": {"type": "array", "items": {"type": "object"}},
            "valueMax": STRING,
            "valueMin": STRING,
        },
        ["id", "type", "name", "resultType"],
        open_=False,
    ),
    "Result": klass(
        {
            "type": type_set("Result"),
            "achievedLevel": URI,
            "alignment": many("#/$defs/Alignment"),
            "resultDescription": URI,
            "status": STRING,
            "value": STRING,
        },
        ["type"],
        open_=False,
    ),
    "Achievement": klass(
        {
            "id": URI,
            "type": type_set("Achievement"),
            "alignment": many("#/$defs/Alignment"),
            "achievementType": {"anyOf": [{"enum": ACHIEVEMENT_TYPES}, EXTENSION_TERM]},
            "creator": {"$ref": "#/$defs/Profile"},
            "creditsAvailable": NUMBER,
            "criteria": {"$ref": "#/$defs/Criteria"},
            "description": STRING,
            "fieldOfStudy": STRING,
            "humanCode": STRING,
            "image": {"$ref": "#/$defs/Image"},
            "inLanguage": STRING,
            "name": STRING,
            "otherIdentifier": many("#/$defs/IdentifierEntry"),
            "resultDescription": many("#/$defs/ResultDescription"),
            "specialization": STRING,
            "tag": {"type": "array", "items": STRING},
            "version": STRING,
        },
        ["id", "type", "criteria", "description", "name"],
        open_=True,  # the extension point: other contexts' terms (the portal's EU elements) go here
    ),
    "AchievementSubject": {
        **klass(
            {
                "id": URI,
                "type": type_set("AchievementSubject"),
                "activityEndDate": DATE_TIME_Z,
                "activityStartDate": DATE_TIME_Z,
                "creditsEarned": NUMBER,
                "achievement": {"$ref": "#/$defs/Achievement"},
                "identifier": many("#/$defs/IdentityObject"),
                "image": {"$ref": "#/$defs/Image"},
                "licenseNumber": STRING,
                "narrative": STRING,
                "result": many("#/$defs/Result"),
                "role": STRING,
                "source": {"$ref": "#/$defs/Profile"},
                "term": STRING,
            },
            ["type", "achievement"],
            open_=False,
        ),
        # "Either id or at least one identifier MUST be supplied."
        "anyOf": [{"required": ["id"]}, {"required": ["identifier"], "properties": {"identifier": {"minItems": 1}}}],
    },
    "Evidence": klass(
        {
            "id": URI,
            "type": type_set("Evidence"),
            "narrative": STRING,
            "name": STRING,
            "description": STRING,
            "genre": STRING,
            "audience": STRING,
        },
        ["type"],
        open_=True,
    ),
    "Proof": klass(
        {
            "type": STRING,
            "created": DATE_TIME_Z,
            "cryptosuite": STRING,
            "challenge": STRING,
            "domain": STRING,
            "nonce": STRING,
            "proofPurpose": STRING,
            "proofValue": STRING,
            "verificationMethod": URI,
        },
        ["type"],
        open_=True,
    ),
    "CredentialSchema": klass({"id": URI, "type": STRING}, ["id", "type"], open_=True),
    "CredentialStatus": klass({"id": URI, "type": STRING}, ["type"], open_=True),
    "RefreshService": klass({"id": URI, "type": STRING}, ["id", "type"], open_=True),
    "TermsOfUse": klass({"id": URI, "type": STRING}, ["type"], open_=True),
}

ACHIEVEMENT_CREDENTIAL_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2019-09/schema",
    "title": "AchievementCredential (Open Badges 3.0), rebuilt from the data model",
    **klass(
        {
            # An ordered set: the VC 2.0 context first, and an Open Badges 3.0 context among the rest.
            "@context": {
                "type": "array",
                "minItems": 2,
                "items": [{"const": "https://www.w3.org/ns/credentials/v2"}],
                "additionalItems": {"$ref": "#/$defs/Context"},
                "contains": {"type": "string", "pattern": r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context"},
            },
            "id": URI,
            "type": type_set("VerifiableCredential", ("AchievementCredential", "OpenBadgeCredential")),
            "name": STRING,
            "description": STRING,
            "image": {"$ref": "#/$defs/Image"},
            "awardedDate": DATE_TIME_Z,
            "credentialSubject": {"$ref": "#/$defs/AchievementSubject"},
            "endorsementJwt": {"type": "array", "items": STRING},
            "evidence": many("#/$defs/Evidence"),
            "issuer": {"$ref": "#/$defs/Profile"},
            "validFrom": DATE_TIME_Z,
            "validUntil": DATE_TIME_Z,
            "proof": one_or_many("#/$defs/Proof"),
            "credentialSchema": one_or_many("#/$defs/CredentialSchema"),
            "credentialStatus": {"$ref": "#/$defs/CredentialStatus"},
            "refreshService": {"$ref": "#/$defs/RefreshService"},
            "termsOfUse": one_or_many("#/$defs/TermsOfUse"),
        },
        ["@context", "id", "type", "name", "credentialSubject", "issuer", "validFrom"],
        open_=True,
    ),
    "$defs": DEFS,
}
