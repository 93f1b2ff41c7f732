"""Spec examples: 1EdTech's example credential, and what the portal issues, have the structure the Open Badges
3.0 JSON schema asks for (the schema rebuilt from the data model in ``ob3_schema``; see its docstring)."""

import copy
import json

import pytest
from jsonschema import Draft201909Validator, FormatChecker

from credentials.models import IssuedCredential

from .ob3_schema import ACHIEVEMENT_CREDENTIAL_SCHEMA
from .world import recognised_pass, zone

__all__ = ["zone"]

VALIDATOR = Draft201909Validator(ACHIEVEMENT_CREDENTIAL_SCHEMA, format_checker=FormatChecker())

# The specification's sample OpenBadgeCredential (Open Badges 3.0, "Examples"), rebuilt: the teamwork badge.
SPEC_SAMPLE = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "https://example.com/issuers/876543", "type": ["Profile"], "name": "Example Corp"},
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {
                "narrative": "Team members are nominated for this badge by their peers and recognized upon review "
                "by Example Corp management."
            },
            "description": "This badge recognizes the development of the capacity to collaborate within a group "
            "environment.",
            "name": "Teamwork",
        },
    },
}

# The fuller example of the specification (alignment, result descriptions and results, evidence, an image, a
# hashed identity, a credential schema and a status entry), rebuilt with the same shapes.
SPEC_COMPLETE = copy.deepcopy(SPEC_SAMPLE)
SPEC_COMPLETE.update(
    {
        "description": "Example Corp awards this badge to team members.",
        "image": {"id": "https://example.edu/credentials/3732/image", "type": "Image", "caption": "Teamwork"},
        "validUntil": "2030-01-01T00:00:00Z",
        "awardedDate": "2023-07-20T00:00:00Z",
        "evidence": [
            {
                "id": "https://example.edu/evidence/4578",
                "type": ["Evidence"],
                "narrative": "The team delivered the project on time.",
                "name": "Project report",
                "genre": "Report",
            }
        ],
        "credentialSchema": [
            {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ],
        "credentialStatus": {
            "id": "https://example.edu/credentials/3732/revocations#1",
            "type": "1EdTechRevocationList",
        },
    }
)
SPEC_COMPLETE["credentialSubject"] = {
    "type": ["AchievementSubject"],
    "identifier": [
        {
            "type": "IdentityObject",
            "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
            "identityType": "emailAddress",
            "hashed": True,
            "salt": "not-used",
        }
    ],
    "activityStartDate": "2023-01-09T00:00:00Z",
    "activityEndDate": "2023-06-30T00:00:00Z",
    "creditsEarned": 5.0,
    "term": "Spring",
    "result": [
        {
            "type": ["Result"],
            "resultDescription": "urn:uuid:f6ab24cd-86e8-4eaf-b8c6-ded74e8fd41c",
            "value": "A",
        }
    ],
    "achievement": {
        **SPEC_SAMPLE["credentialSubject"]["achievement"],
        "achievementType": "Badge",
        "creditsAvailable": 5.0,
        "fieldOfStudy": "Business",
        "humanCode": "TW-1",
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": "Collaborate",
                "targetUrl": "https://example.edu/frameworks/skills/collaborate",
                "targetType": "CFItem",
                "targetCode": "C-1",
            }
        ],
        "resultDescription": [
            {
                "id": "urn:uuid:f6ab24cd-86e8-4eaf-b8c6-ded74e8fd41c",
                "type": ["ResultDescription"],
                "name": "Final grade",
                "resultType": "LetterGrade",
                "allowedValue": ["A", "B", "C", "D", "E", "F"],
                "requiredValue": "C",
            }
        ],
        "creator": {"id": "https://example.edu/issuers/565049", "type": ["Profile"], "name": "Example University"},
        "tag": ["teamwork", "collaboration"],
    },
}


def errors(document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(document)]


def test_the_rebuilt_schema_is_a_valid_2019_09_schema():
    Draft201909Validator.check_schema(ACHIEVEMENT_CREDENTIAL_SCHEMA)


@pytest.mark.parametrize("example", [SPEC_SAMPLE, SPEC_COMPLETE], ids=["sample", "complete"])
def test_the_specification_examples_validate(example):
    assert errors(example) == []


@pytest.mark.django_db
def test_what_the_portal_issues_validates(zone, django_capture_on_commit_callbacks):
    result = recognised_pass(zone, django_capture_on_commit_callbacks)
    document = json.loads(IssuedCredential.objects.get(result=result).document)
    assert document["credentialSubject"]["achievement"]["achievementType"] == "MicroCredential"
    assert errors(document) == []


def _without(path: list, document=SPEC_COMPLETE):
    broken = copy.deepcopy(document)
    target = broken
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return broken


def _with(path: list, value, document=SPEC_COMPLETE):
    broken = copy.deepcopy(document)
    target = broken
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return broken


@pytest.mark.parametrize(
    ("broken", "where"),
    [
        (_without(["validFrom"]), ""),
        (_without(["name"]), ""),
        (_with(["type"], ["VerifiableCredential"]), "type"),
        (_with(["@context"], ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]), "@context"),
        (_with(["validFrom"], "2010-01-01T00:00:00"), "validFrom"),  # a DateTimeZ needs its zone
        (_without(["credentialSubject", "achievement"]), "credentialSubject"),
        (_without(["credentialSubject", "identifier"]), "credentialSubject"),  # neither id nor identifier
        (_with(["credentialSubject", "nickname"], "Sam"), "credentialSubject"),  # a closed class
        (_without(["credentialSubject", "achievement", "criteria"]), "credentialSubject/achievement"),
        (_with(["credentialSubject", "achievement", "criteria"], {}), "credentialSubject/achievement/criteria"),
        (_with(["credentialSubject", "achievement", "achievementType"], "Trophy"), "credentialSubject/achievement"),
        (_without(["issuer", "id"]), "issuer"),
        (_with(["credentialSubject", "creditsEarned"], "5"), "credentialSubject/creditsEarned"),
        (_with(["image", "type"], "Picture"), "image/type"),
    ],
    ids=[
        "no-validFrom",
        "no-name",
        "not-a-badge",
        "vc-context-not-first",
        "date-without-zone",
        "no-achievement",
        "no-subject-id",
        "unknown-subject-property",
        "no-criteria",
        "empty-criteria",
        "unknown-achievement-type",
        "issuer-without-id",
        "credits-as-text",
        "image-of-another-type",
    ],
)
def test_the_schema_refuses_what_the_data_model_forbids(broken, where):
    """The controls: each break of the data model is caught, where it is."""
    found = errors(broken)
    assert found, "the schema let a broken credential through"
    assert any(line.startswith(where) for line in found), found
