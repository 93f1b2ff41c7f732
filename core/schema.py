"""OpenAPI: every operation documents the error answers ``core.api.exception_handler`` gives.

A drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``) adds 400, 401, 403,
404, 409, 422 and 429 to every operation that does not document them itself, and 411 and 413 to every
operation that takes a body. All share one shape: a JSON object with ``detail`` (a message for people, in the request's
language) and ``code`` (stable, for programs), plus what the error adds (e.g. ``max_length``); a 400 about
the fields instead has, per field, a list of messages. A 429 carries ``Retry-After``.
"""

from __future__ import annotations

ERROR_COMPONENT = "Error"
VALIDATION_ERROR_COMPONENT = "ValidationError"

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: `detail` says what is wrong in words, `code` names it for programs. Some errors "
    "add fields of their own.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in the language of the request."},
        "code": {"type": "string", "description": "A stable name for the error, e.g. `not_found`."},
    },
    "required": ["detail", "code"],
    "additionalProperties": True,
}

VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "The request is invalid. Either `detail` and `code` for the request as a whole, or, per "
    "field (`non_field_errors` for the combination), the list of what is wrong with it.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": True,
}

#: status -> (description, component)
ERROR_RESPONSES: dict[str, tuple[str, str]] = {
    "400": ("The request is invalid.", VALIDATION_ERROR_COMPONENT),
    "401": ("Authentication is required: log in, or send a valid X-Session-Token.", ERROR_COMPONENT),
    "403": (
        "Not allowed: not logged in (session authentication answers 403, not 401), not permitted for this "
        "user, a missing CSRF token, or staff whose session has not passed two-factor authentication.",
        ERROR_COMPONENT,
    ),
    "404": ("Not found, or not visible to this user.", ERROR_COMPONENT),
    "409": ("Conflicts with the current state of the resource.", ERROR_COMPONENT),
    "422": ("Understood but refused, e.g. an Idempotency-Key reused for a different request.", ERROR_COMPONENT),
    "429": ("Too many requests. Retry-After says how many seconds to wait.", ERROR_COMPONENT),
}
BODY_ERRORS = {
    "411": ("The body was sent in chunks without a Content-Length, which this server cannot measure.", ERROR_COMPONENT),
    "413": ("The request body is larger than the portal accepts.", ERROR_COMPONENT),
}

RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _response(description: str, component: str, status: str) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }
    if status == "429":
        response["headers"] = RETRY_AFTER_HEADER
    return response


def document_error_responses(result: dict, generator, request, public) -> dict:
    """Add the error answers to every operation in the generated schema ``result``."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    schemas.setdefault(VALIDATION_ERROR_COMPONENT, VALIDATION_ERROR_SCHEMA)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "put", "post", "patch", "delete", "head", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, (description, component) in ERROR_RESPONSES.items():
                responses.setdefault(status, _response(description, component, status))
            if "requestBody" in operation:
                for status, (description, component) in BODY_ERRORS.items():
                    responses.setdefault(status, _response(description, component, status))
            operation["responses"] = dict(sorted(responses.items()))
    return result
