"""Every response of /ooapi/v5/ checked against the official OOAPI v5 spec with openapi-core, and the
request of every successful one too (so the provider never accepts what the spec forbids).

The spec is loaded as published (``ooapi.spec.load_spec``); only its ``servers`` entry is pointed at the
test server, which is deployment data, not contract. openapi-core is told that
``application/problem+json`` and ``application/merge-patch+json`` are JSON.

Three rules go beyond a plain ``openapi.validate_response``:

- **oneOf with a declared type.** Several ``oneOf``s of the spec list alternatives that hardly any
  instance can tell apart: ``CourseOffering`` and ``ProgramOffering`` both require just
  ``startDate``/``endDate`` (only an empty ``priceInformation`` fits the first and not the second, which
  is why the provider sends one: ``test_offering_one_of.py``), and
  ``Course-``/``Program-``/``ComponentOfferingAssociation`` differ only in an optional ``result``.
  Under strict JSON Schema every association, and every course offering without that empty list, is
  then "valid under each of" them and rejected (``test_contract.py`` shows this). Where the instance
  names its own type (``offeringType``, ``associationType``) that type decides, like an OpenAPI
  discriminator: the instance must be valid under the alternative it declares. That is stricter than ``oneOf``, under which a single
  match of the wrong alternative would pass.
- **oneOf between identical schemas.** ``CourseResult`` and ``ProgramResult`` are the same schema under
  two names (the ``result`` of a ``PATCH``); matching both is no ambiguity. Otherwise plain ``oneOf``.
- **Errors the operation does not list.** A 404 for a path the spec lacks, a 405, or a 403 of
  ``PATCH /associations/{id}`` (which lists only 200 and 400) have no schema in the operation; they must
  then be ``application/problem+json`` valid under the spec's own ``Problem`` schema.
"""

from __future__ import annotations

import json
import warnings

from django.http import HttpResponse
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.request.validators import V30RequestValidator
from openapi_core.validation.response.validators import V30ResponseValidator
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator

from ooapi.spec import load_spec

PREFIX = "/ooapi/v5"
DECLARED_TYPE = {
    "offeringType": {"course": "CourseOffering", "program": "ProgramOffering", "component": "ComponentOffering"},
    "associationType": {
        "courseOfferingAssociation": "CourseOfferingAssociation",
        "programOfferingAssociation": "ProgramOfferingAssociation",
        "componentOfferingAssociation": "ComponentOfferingAssociation",
    },
}


class ContractViolation(AssertionError):
    pass


def _ref_name(subschema: dict) -> str:
    return subschema.get("$ref", "").rsplit("/", 1)[-1]


def _declared(instance, subschemas: list[dict]) -> dict | None:
    """The alternative the instance names as its own type, if it names exactly one."""
    if not isinstance(instance, dict):
        return None
    for field, names in DECLARED_TYPE.items():
        wanted = names.get(instance.get(field))
        if wanted:
            matches = [s for s in subschemas if _ref_name(s) in (wanted, f"{wanted}Expandable")]
            if len(matches) == 1:
                return matches[0]
    return None


def _without_prose(node):
    if isinstance(node, dict):
        return {k: _without_prose(v) for k, v in node.items() if k not in ("description", "example", "title")}
    if isinstance(node, list):
        return [_without_prose(item) for item in node]
    return node


def contract_validator(base, schemas: dict):
    """``base`` (an OAS 3.0 read or write validator) with ``oneOf`` as described in the module docstring."""
    strict_one_of = base.VALIDATORS["oneOf"]

    def identical(alternatives: list[dict]) -> bool:
        # CourseResult and ProgramResult are the same schema under two names: no instance can pick one.
        shapes = [_without_prose(schemas.get(_ref_name(alternative), alternative)) for alternative in alternatives]
        return all(shape == shapes[0] for shape in shapes)

    def one_of(validator, subschemas, instance, schema):
        declared = _declared(instance, subschemas)
        if declared is not None:
            errors = list(validator.descend(instance, declared))
            if errors:
                yield ValidationError(
                    f"not valid as its declared type {_ref_name(declared)}: {errors[0].message}", context=errors
                )
            return
        valid = [sub for sub in subschemas if validator.evolve(schema=sub).is_valid(instance)]
        if len(valid) > 1 and identical(valid):
            return
        yield from strict_one_of(validator, subschemas, instance, schema)

    return extend(base, {"oneOf": one_of})


class Contract:
    def __init__(self) -> None:
        spec = load_spec()
        spec["servers"] = [{"url": f"http://testserver{PREFIX}"}]
        self.problem_schema = spec["components"]["schemas"]["Problem"]
        schemas = spec["components"]["schemas"]

        class ResponseValidator(V30ResponseValidator):
            schema_validators_factory = SchemaValidatorsFactory(contract_validator(OAS30ReadValidator, schemas))

        class RequestValidator(V30RequestValidator):
            schema_validators_factory = SchemaValidatorsFactory(contract_validator(OAS30WriteValidator, schemas))

        config = Config(
            response_validator_cls=ResponseValidator,
            request_validator_cls=RequestValidator,
            # openapi-core parses application/json only; these two are JSON too (RFC 9457, RFC 7396).
            extra_media_type_deserializers={
                "application/problem+json": json.loads,
                "application/merge-patch+json": json.loads,
            },
        )
        self.openapi = OpenAPI.from_dict(spec, config=config)
        self.checked = 0

    def check(self, response: HttpResponse) -> None:
        """Raise ``ContractViolation`` unless ``response`` (of a test client request) obeys the spec."""
        request = DjangoOpenAPIRequest(response.wsgi_request)
        try:
            self.openapi.validate_response(request, DjangoOpenAPIResponse(response))
        except (PathNotFound, OperationNotFound, ResponseNotFound) as undocumented:
            self._check_problem(response, undocumented)
        except Exception as error:  # openapi-core's validation errors have no common public base
            raise ContractViolation(self._describe(response, error)) from error
        if response.get("Content-Type") == "application/problem+json":
            status = json.loads(response.content).get("status")
            if status != str(response.status_code):
                raise ContractViolation(f"{self._where(response)}: problem says status {status!r}")
        if 200 <= response.status_code < 300:
            self._check_request(request, response)
        self.checked += 1

    def _check_request(self, request, response) -> None:
        # A success must answer a request the spec allows (no parameter we accept that it forbids).
        with warnings.catch_warnings():
            # openapi-core cannot check the spec's openIdConnect scheme and says so; tokens are ours to check.
            warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
            try:
                self.openapi.validate_request(request)
            except Exception as error:
                raise ContractViolation(self._describe(response, error, what="request")) from error

    def _check_problem(self, response, undocumented) -> None:
        if response.status_code < 400:
            raise ContractViolation(f"{self._where(response)}: {undocumented} for a {response.status_code}")
        if response["Content-Type"] != "application/problem+json":
            raise ContractViolation(f"{self._where(response)}: error is {response['Content-Type']}, not problem+json")
        try:
            body = json.loads(response.content)
        except ValueError as error:
            raise ContractViolation(f"{self._where(response)}: problem body is not JSON") from error
        errors = list(OAS30ReadValidator(self.problem_schema).iter_errors(body))
        if errors or body.get("status") != str(response.status_code):
            raise ContractViolation(f"{self._where(response)}: not a valid Problem: {errors or body}")

    @staticmethod
    def _where(response) -> str:
        request = response.wsgi_request
        return f"{request.method} {request.get_full_path()} → {response.status_code}"

    def _describe(self, response, error, what: str = "response") -> str:
        details = []
        for cause in (error, error.__cause__, *getattr(error.__cause__, "schema_errors", ())):
            if cause is not None:
                details.append(str(getattr(cause, "message", cause))[:2000])
        return f"{self._where(response)}: {what} violates the OOAPI v5 spec:\n" + "\n".join(details)


def body_violations(path: str, method: str, status: int, body) -> list[str]:
    """What the contract check (its ``oneOf`` rules above) finds wrong with ``body`` as the JSON answer
    ``status`` of ``method path`` (a path as the spec writes it, e.g. ``/associations/{associationId}``)."""
    spec = load_spec()
    response = spec["paths"][path][method.lower()]["responses"][str(status)]
    schema = {"components": spec["components"], **response["content"]["application/json"]["schema"]}
    validator_class = contract_validator(OAS30ReadValidator, spec["components"]["schemas"])
    validator = validator_class(schema, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(body)]
