"""The conformance check an institution is onboarded with: probe its OOAPI endpoint and list, in plain words,
every way its answers differ from the official OOAPI v5 specification.

Used by ``manage.py ooapi_check`` and the staff page ``/ooapi/check/``. The validation itself
(``response_violations``) is reusable: the reference peer's tests run every answer through it, and any other
contract test can do the same.

How answers are validated
    openapi-core over ``ooapi.spec.openapi()`` (the unmodified spec, its one known defect patched in memory),
    with two readings that the spec needs to be usable at all:

    - Its ``oneOf`` alternatives overlap and have no discriminator: a course offering is also a valid
      program offering, and the three association types have identical shapes, so under strict JSON
      Schema no document at all satisfies ``GET /offerings/{id}`` or ``GET /associations/{id}``. Those
      ``oneOf`` are read as "at least one of" (``anyOf``); everything else is strict.
    - ``application/problem+json`` error bodies are parsed as JSON (openapi-core only knows
      ``application/json``).
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import json
import re
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ooapi.errors import EndpointNotAllowedError, OOAPIError
from ooapi.http import Endpoint, OOAPIClient
from ooapi.spec import load_spec, openapi

SPEC_AMBIGUITY_NOTE = gettext_lazy(
    "The spec's oneOf alternatives overlap (a course offering is also a valid program offering; the three "
    "association types have the same shape), so they are read as “at least one of”. Everything else is strict."
)
PROBE_PAGE_SIZE = 10
# How many courses to try before concluding that the endpoint lists no offerings at all.
COURSES_TRIED_FOR_OFFERINGS = 5
OFFERINGS_SINCE = "2000-01-01"


# Validation -------------------------------------------------------------------------------------------


@dataclass
class Violation:
    """One way an answer differs from the spec. ``location`` is where in the document (``items[0].name``),
    ``count`` how many places share this problem (items of a list are grouped)."""

    location: str
    message: str
    count: int = 1


class _SpecRequest:
    """An openapi-core request, placed under the spec's own server URL so its paths match."""

    def __init__(self, method: str, path: str, query: dict | None = None):
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        host_url, base_path = _spec_server()
        self.host_url = host_url
        self.path = base_path + (path if path.startswith("/") else f"/{path}")
        self.method = method.lower()
        self.body = b""
        self.content_type = "application/json"
        self.parameters = RequestParameters(
            query=ImmutableMultiDict({k: str(v) for k, v in (query or {}).items()}), header=Headers()
        )


class _SpecResponse:
    def __init__(self, status_code: int, content_type: str, body: bytes):
        from werkzeug.datastructures import Headers

        self.status_code = status_code
        self.content_type = content_type.split(";")[0].strip().lower()
        self.data = body
        self.headers = Headers({"Content-Type": content_type})


@functools.cache
def _spec_server() -> tuple[str, str]:
    parts = urlsplit(load_spec()["servers"][0]["url"])
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


@functools.cache
def _validator():
    from jsonschema.validators import extend
    from openapi_core.deserializing.media_types.util import json_loads
    from openapi_core.validation.response.validators import V30ResponseValidator
    from openapi_core.validation.schemas.factories import SchemaValidatorsFactory
    from openapi_schema_validator import OAS30ReadValidator
    from openapi_schema_validator import _keywords as oas_keywords

    overlapping_one_of = extend(OAS30ReadValidator, {"oneOf": oas_keywords.anyOf})

    class OOAPIResponseValidator(V30ResponseValidator):
        schema_validators_factory = SchemaValidatorsFactory(overlapping_one_of)

    return OOAPIResponseValidator(
        openapi().spec, extra_media_type_deserializers={"application/problem+json": json_loads}
    )


def response_violations(
    *, method: str, path: str, status_code: int, content_type: str, body: bytes, query: dict | None = None
) -> list[Violation]:
    """Every way this answer to ``method path`` differs from the spec, in plain words (empty: valid).

    ``path`` is the OOAPI path, relative to the endpoint's base URL (``/courses/3f…``)."""
    request = _SpecRequest(method, path, query)
    response = _SpecResponse(status_code, content_type, body)
    found: list[tuple[str, str, str]] = []
    for error in _validator().iter_errors(request, response):
        found.extend(_describe(error, content_type))
    return _group(found)


def strict_spec_errors(*, method: str, path: str, status_code: int, content_type: str, body: bytes) -> list[str]:
    """The errors of plain ``ooapi.spec.openapi()`` (strict ``oneOf``, no problem+json parsing), as text.
    For tests that show the tolerant reading hides nothing but the spec's own overlaps."""
    request = _SpecRequest(method, path)
    response = _SpecResponse(status_code, content_type, body)
    messages = []
    for error in openapi().iter_response_errors(request, response):
        cause = error.__cause__
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            messages.extend(f"{list(e.absolute_path)}: {e.message}" for e in schema_errors)
        else:
            messages.append(str(error))
    return messages


def _describe(error: Exception, content_type: str) -> list[tuple[str, str, str]]:
    """``(location, message, group key)`` for one openapi-core error."""
    from openapi_core.deserializing.media_types.exceptions import MediaTypeDeserializeError
    from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
    from openapi_core.templating.paths.exceptions import PathError
    from openapi_core.templating.responses.exceptions import ResponseNotFound
    from openapi_core.validation.response.exceptions import MissingData

    whole = _("(the whole answer)")
    cause = error.__cause__
    if isinstance(error, ResponseNotFound):
        return [
            (
                whole,
                _("HTTP status %(status)s is not an answer the spec defines for this endpoint.")
                % {"status": error.http_status},
                "status",
            )
        ]
    if isinstance(error, PathError):
        return [(whole, _("This endpoint is not part of the OOAPI v5 spec."), "path")]
    if isinstance(error, MissingData):
        return [(whole, _("The answer has no body; the spec expects a JSON document."), "body")]
    if isinstance(cause, MediaTypeNotFound):
        expected = ", ".join(cause.availableMimetypes)
        return [
            (
                whole,
                _("The answer's content type is “%(actual)s”; the spec expects %(expected)s.")
                % {"actual": content_type or _("(none)"), "expected": expected},
                "content-type",
            )
        ]
    if isinstance(cause, MediaTypeDeserializeError):
        return [(whole, _("The answer is not valid JSON."), "json")]
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        found = []
        for schema_error in schema_errors:
            found.extend(_schema_error(schema_error))
        return found
    return [(whole, str(error), "other")]


def _location(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or _("(the whole document)")


def _field(location: str, name: str) -> str:
    return f"{location}.{name}" if location and not location.startswith("(") else name


def _value(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


JSON_TYPES = {
    str: gettext_lazy("a string"),
    bool: gettext_lazy("true or false"),
    int: gettext_lazy("a number"),
    float: gettext_lazy("a number"),
    list: gettext_lazy("a list"),
    dict: gettext_lazy("an object"),
    type(None): gettext_lazy("null"),
}
SCHEMA_TYPES = {
    "string": gettext_lazy("a string"),
    "integer": gettext_lazy("an integer"),
    "number": gettext_lazy("a number"),
    "boolean": gettext_lazy("true or false"),
    "array": gettext_lazy("a list"),
    "object": gettext_lazy("an object"),
}
FORMATS = {
    "date": gettext_lazy("a date (YYYY-MM-DD)"),
    "date-time": gettext_lazy("a date and time (RFC 3339)"),
    "uuid": gettext_lazy("a UUID"),
    "email": gettext_lazy("an e-mail address"),
    "uri": gettext_lazy("an absolute URI"),
    "int32": gettext_lazy("a 32-bit integer"),
}


def _kind(value: Any) -> str:
    return str(JSON_TYPES.get(type(value), gettext_lazy("something else")))


def _type_words(expected: Any) -> str:
    expected = expected if isinstance(expected, list) else [expected]
    return _(" or ").join(str(SCHEMA_TYPES.get(e, e)) for e in expected)


def _schema_error(error) -> list[tuple[str, str, str]]:
    """Plain words for one jsonschema error (recursing into the closest alternative of a oneOf/anyOf)."""
    location = _location(error.absolute_path)
    validator = error.validator
    value = error.instance
    expected = error.validator_value
    group = re.sub(r"\[\d+\]", "[]", location) + f":{validator}"
    if validator in ("oneOf", "anyOf") and error.context:
        by_alternative: dict[int, list] = defaultdict(list)
        for sub in error.context:
            by_alternative[sub.relative_schema_path[0]].append(sub)
        # The alternative the document came closest to is the one it meant to be.
        _index, closest = min(by_alternative.items(), key=lambda item: (len(item[1]), item[0]))
        found = []
        for sub in closest:
            found.extend(_schema_error(sub))
        return found
    if validator == "required":
        match = re.match(r"'(.+)' is a required property", error.message)
        name = match.group(1) if match else ", ".join(expected)
        where = _field(location if location != _("(the whole document)") else "", name)
        return [
            (
                where,
                _("The required field “%(name)s” is missing.") % {"name": name},
                re.sub(r"\[\d+\]", "[]", where) + ":required",
            )
        ]
    if validator == "type":
        message = _("Should be %(expected)s, but it is %(actual)s (%(value)s).") % {
            "expected": _type_words(expected),
            "actual": _kind(value),
            "value": _value(value),
        }
    elif validator == "format":
        message = _("Should be %(format)s, but it is %(value)s.") % {
            "format": str(FORMATS.get(expected, expected)),
            "value": _value(value),
        }
    elif validator == "enum":
        message = _("Should be one of %(choices)s, but it is %(value)s.") % {
            "choices": ", ".join(map(str, expected)),
            "value": _value(value),
        }
    elif validator == "pattern":
        message = _("Does not have the expected form (pattern %(pattern)s): %(value)s.") % {
            "pattern": expected,
            "value": _value(value),
        }
    elif validator == "minItems":
        message = _("Should have at least %(minimum)s entries, but it has %(count)s.") % {
            "minimum": expected,
            "count": len(value) if isinstance(value, list) else 0,
        }
    elif validator == "maxItems":
        message = _("Should have at most %(maximum)s entries, but it has %(count)s.") % {
            "maximum": expected,
            "count": len(value) if isinstance(value, list) else 0,
        }
    elif validator in ("minLength", "maxLength"):
        message = _("Its length (%(length)s) is outside what the spec allows (%(rule)s %(limit)s).") % {
            "length": len(value) if isinstance(value, str) else "?",
            "rule": validator,
            "limit": expected,
        }
    elif validator in ("minimum", "maximum"):
        message = _("The value %(value)s is outside what the spec allows (%(rule)s %(limit)s).") % {
            "value": _value(value),
            "rule": validator,
            "limit": expected,
        }
    elif validator == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {}))) if isinstance(value, dict) else []
        message = _("Has fields the spec does not allow here: %(fields)s.") % {"fields": ", ".join(extra)}
    elif validator == "writeOnly":
        message = _("This field is write-only in the spec and must not appear in an answer.")
    else:
        message = error.message
    return [(location, message, group)]


def _group(found: list[tuple[str, str, str]]) -> list[Violation]:
    """One violation per problem and place; the same problem in many items of a list becomes one line with a
    count (the first occurrence is shown)."""
    grouped: dict[str, Violation] = {}
    for location, message, key in found:
        if key in grouped:
            grouped[key].count += 1
        else:
            grouped[key] = Violation(location=location, message=message)
    return list(grouped.values())


# Probing ----------------------------------------------------------------------------------------------


@dataclass
class Probe:
    """One call of the check: what was asked, what came back, and what is wrong with it."""

    label: str
    url: str = ""
    status: int | None = None
    violations: list[Violation] = field(default_factory=list)
    error: str = ""  # the call itself failed: network, TLS, redirect, size, HTTP error
    skipped: str = ""  # not called, and why

    @property
    def ok(self) -> bool:
        return not self.violations and not self.error

    @property
    def problem_count(self) -> int:
        return len(self.violations) + (1 if self.error else 0)


@dataclass
class CheckReport:
    base_url: str
    probes: list[Probe] = field(default_factory=list)
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def ok(self) -> bool:
        return all(probe.ok for probe in self.probes)

    @property
    def problem_count(self) -> int:
        return sum(probe.problem_count for probe in self.probes)

    def as_dict(self) -> dict:
        return {
            "base_url": self.base_url,
            "ok": self.ok,
            "problems": self.problem_count,
            "probes": [
                {
                    "endpoint": p.label,
                    "url": p.url,
                    "status": p.status,
                    "error": p.error,
                    "skipped": p.skipped,
                    "violations": [
                        {"location": v.location, "message": v.message, "count": v.count} for v in p.violations
                    ],
                }
                for p in self.probes
            ],
        }


def ensure_public_endpoint(base_url: str) -> None:
    """Refuse an endpoint whose host resolves to a loopback, private, link-local or otherwise internal
    address: the staff page must not become a way to probe the portal's own network.

    Raises ``EndpointNotAllowedError``. (The name is resolved again when the check connects; a host that
    changes its answer in between is not caught here.)"""
    host = urlsplit(base_url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return  # the check itself will report that the host cannot be found
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise EndpointNotAllowedError(
                _("%(host)s is an address inside a private or local network; the check only probes public endpoints.")
                % {"host": host}
            )


def check_endpoint(
    *,
    base_url: str,
    token: str = "",
    token_url: str = "",
    client_id: str = "",
    client_secret: str = "",
    consumer_key: str = "",
    connect_timeout: float = 5.0,
    read_timeout: float = 15.0,
    max_response_bytes: int = 20 * 1024 * 1024,
    verify: Any = True,
) -> CheckReport:
    """Probe the endpoint at ``base_url`` and validate every answer against the spec.

    Calls, in order: the service root, organizations, academic sessions, programs, courses, one course, its
    offerings (``since=2000-01-01``, trying up to five courses to find one with offerings), one offering,
    and ``/persons/me`` when credentials are given. Read-only: never POSTs or PATCHes. Each call goes through
    ``OOAPIClient`` (one origin, no redirects, bounded answers). Never raises for what the endpoint does;
    raises ``EndpointConfigurationError`` for an unusable base URL or incomplete credentials."""
    if client_id or client_secret or token_url:
        auth_method = "client_credentials"
    elif token:
        auth_method = "bearer"
    else:
        auth_method = "none"
    endpoint = Endpoint(
        base_url=base_url,
        auth_method=auth_method,
        token_url=token_url,
        client_id=client_id,
        client_secret=client_secret,
        bearer_token=token,
        consumer_key=consumer_key,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_response_bytes=max_response_bytes,
    )
    report = CheckReport(base_url=base_url)
    with OOAPIClient(endpoint, verify=verify) as client:
        report.base_url = client.base_url
        _run_probes(client, report, has_credentials=auth_method != "none")
    return report


def _run_probes(client: OOAPIClient, report: CheckReport, *, has_credentials: bool) -> None:
    def probe(label: str, path: str, params: dict | None = None) -> tuple[Probe, Any]:
        result, data = _probe(client, label, path, params)
        report.probes.append(result)
        return result, data

    listing = {"pageSize": PROBE_PAGE_SIZE}
    root, _data = probe("GET /", "/")
    if root.error and root.status is None:
        # Nothing answers at all (unreachable, TLS, redirect): more calls would only repeat it.
        return
    probe("GET /organizations", "/organizations", listing)
    probe("GET /academic-sessions", "/academic-sessions", listing)
    probe("GET /programs", "/programs", listing)
    _courses, courses = probe("GET /courses", "/courses", listing)
    course_ids = _ids(courses, "courseId")
    if not course_ids:
        reason = _("GET /courses listed no course to look at.")
        report.probes += [
            Probe("GET /courses/{courseId}", skipped=reason),
            Probe("GET /courses/{courseId}/offerings", skipped=reason),
            Probe("GET /offerings/{offeringId}", skipped=reason),
        ]
    else:
        probe("GET /courses/{courseId}", f"/courses/{quote(course_ids[0], safe='')}")
        # Report one offerings call: the first that lists an offering or fails, else the last one tried.
        offering_ids: list[str] = []
        for course_id in course_ids[:COURSES_TRIED_FOR_OFFERINGS]:
            result, offerings = _probe(
                client,
                "GET /courses/{courseId}/offerings",
                f"/courses/{quote(course_id, safe='')}/offerings",
                {**listing, "since": OFFERINGS_SINCE},
            )
            offering_ids = _ids(offerings, "offeringId")
            if offering_ids or not result.ok:
                break
        report.probes.append(result)
        if offering_ids:
            probe("GET /offerings/{offeringId}", f"/offerings/{quote(offering_ids[0], safe='')}")
        else:
            report.probes.append(
                Probe(
                    "GET /offerings/{offeringId}",
                    skipped=_("None of the first %(count)d courses lists an offering.")
                    % {"count": min(len(course_ids), COURSES_TRIED_FOR_OFFERINGS)},
                )
            )
    if has_credentials:
        me, _data = _probe(client, "GET /persons/me", "/persons/me")
        if me.status in (401, 403):
            me = Probe(
                "GET /persons/me",
                url=me.url,
                status=me.status,
                skipped=_("The credentials given do not allow /persons/me (HTTP %(status)d).") % {"status": me.status},
            )
        report.probes.append(me)
    else:
        report.probes.append(
            Probe("GET /persons/me", skipped=_("No credentials given; /persons/me needs a user's or client's token."))
        )


def _probe(client: OOAPIClient, label: str, path: str, params: dict | None = None) -> tuple[Probe, Any]:
    url = ""
    try:
        url = client.url_for(path)
        response = client.get(path, params=params, raise_for_status=False, expect_json=False)
    except OOAPIError as error:
        return Probe(label, url=url, error=str(error.message)), None
    result = Probe(label, url=response.url, status=response.status_code)
    result.violations = response_violations(
        method="GET",
        path=path,
        status_code=response.status_code,
        content_type=response.content_type,
        body=response.content,
        query=params,
    )
    if response.status_code >= 400:
        result.error = _("The endpoint answered HTTP %(status)d instead of 200.") % {"status": response.status_code}
        return result, None
    try:
        data = json.loads(response.content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return result, None
    if params and "pageSize" in params and isinstance(data, dict):
        result.violations += _paging_violations(data, params)
    return result, data


def _paging_violations(data: dict, params: dict) -> list[Violation]:
    """Pagination that validates but is wrong: more items than the page size, or another page than asked."""
    found = []
    items, size = data.get("items"), data.get("pageSize")
    if isinstance(items, list) and isinstance(size, int) and len(items) > size:
        found.append(
            Violation(
                "items",
                _("The page holds %(count)d items, more than its pageSize of %(size)d.")
                % {"count": len(items), "size": size},
            )
        )
    number = data.get("pageNumber")
    asked = params.get("pageNumber", 1)
    if isinstance(number, int) and number != asked:
        found.append(
            Violation(
                "pageNumber",
                _("Page %(asked)d was asked for, but the answer says it is page %(number)d.")
                % {"asked": asked, "number": number},
            )
        )
    return found


def _ids(data: Any, key: str) -> list[str]:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return []
    return [
        item[key] for item in data["items"] if isinstance(item, dict) and isinstance(item.get(key), str) and item[key]
    ]
