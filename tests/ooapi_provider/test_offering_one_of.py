"""``GET /offerings/{id}`` answers a ``oneOf`` of course, component and program offering. Each answer of the
provider is valid under exactly one of them (the course offering), checked with openapi-core and
openapi-schema-validator as they come, on the spec as published: no declared-type rule, no leniency."""

import json

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_schema_validator import OAS30ReadValidator

from ooapi.provider import mappers
from ooapi.provider.scopes import READ
from ooapi.spec import load_spec
from tests.ooapi_provider.contract import PREFIX

pytestmark = pytest.mark.django_db

EXPANDS = ["", "course", "organization", "academicSession", "course,organization,academicSession"]


@pytest.fixture(scope="module")
def spec():
    return load_spec()


@pytest.fixture(scope="module")
def strict(spec):
    """openapi-core with its own validators (strict ``oneOf``) over the official spec."""
    served = {**spec, "servers": [{"url": f"http://testserver{PREFIX}"}]}
    return OpenAPI.from_dict(served, config=Config(extra_media_type_deserializers={}))


def branches_matched(spec, body: dict) -> list[str]:
    """The ``oneOf`` alternatives of the operation's 200 answer that ``body`` is valid under."""
    alternatives = spec["paths"]["/offerings/{offeringId}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]["oneOf"]
    matched = []
    for alternative in alternatives:
        schema = {"components": spec["components"], "$ref": alternative["$ref"]}
        validator = OAS30ReadValidator(schema, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
        if validator.is_valid(body):
            matched.append(alternative["$ref"].rsplit("/", 1)[-1])
    return matched


@pytest.mark.parametrize("expand", EXPANDS)
@pytest.mark.parametrize("consumer", [None, "eduxchange"])
def test_every_offering_answer_matches_exactly_one_branch(api, zone, make_token, spec, strict, expand, consumer):
    token = make_token(zone["alpha"], (READ,))
    offerings = [zone["offerings"][name] for name in ("algorithms", "algorithms_past", "private", "energy")]
    answered = 0
    for offering in offerings:
        query = {key: value for key, value in (("expand", expand), ("consumer", consumer)) if value}
        response = api.get(f"/offerings/{mappers.offering_id(offering)}", token, **query)
        if response.status_code == 404:
            continue  # not shared with this consumer
        assert response.status_code == 200
        body = json.loads(response.content)
        assert branches_matched(spec, body) == ["CourseOffering"], body
        strict.validate_response(DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response))
        answered += 1
    assert answered >= 3
