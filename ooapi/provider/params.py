"""Query parameters, read and checked against the official spec's own definitions of each operation:
types, enums (``pageSize`` 10/20/50/100/250, each path's ``sort`` and ``expand`` values), minimums,
patterns and defaults. A value the spec does not allow is a 400 problem, never silently ignored."""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ooapi.provider.problems import Problem
from ooapi.spec import load_spec

PARAM_INVALID = _("Query parameter {name} is not valid: {reason}")
MUST_BE_INTEGER = _("it must be a whole number")
MUST_BE_BOOLEAN = _("it must be true or false")
MUST_BE_DATE = _("it must be a date (YYYY-MM-DD)")
MUST_BE_UUID = _("it must be a UUID")
MUST_BE_ONE_OF = _("it must be one of {allowed}")
MUST_BE_AT_LEAST = _("it must be at least {minimum}")
MUST_BE_AT_MOST = _("it must be at most {maximum}")
MUST_MATCH = _("it must match {pattern}")
WRONG_LENGTH = _("it must be {minimum} to {maximum} characters long")


# The largest value of an integer format (OpenAPI: int32 and int64 are signed).
INTEGER_MAXIMUM = {"int32": 2**31 - 1, "int64": 2**63 - 1}


def resolve_refs(spec: dict, node: Any) -> Any:
    """``node`` with every ``$ref`` replaced by what it points to (parameter schemas have no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            merged = {**resolve_refs(spec, target), **{k: v for k, v in node.items() if k != "$ref"}}
            return merged
        return {key: resolve_refs(spec, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_refs(spec, item) for item in node]
    return node


@functools.cache
def operation_parameters(path: str, method: str) -> dict[str, dict]:
    """The query parameters of ``method path`` as the spec defines them, ``$ref``s resolved, by name."""
    spec = load_spec()
    item = spec["paths"][path]
    declared = [*item.get("parameters", []), *item[method].get("parameters", [])]
    parameters = (resolve_refs(spec, parameter) for parameter in declared)
    return {p["name"]: p for p in parameters if p["in"] == "query"}


def parse_query(request: HttpRequest, path: str, method: str = "get") -> dict[str, Any]:
    """Every query parameter the operation defines, typed, with the spec's defaults where absent.

    Parameters the operation does not define are ignored. Raises ``Problem(400)`` on the first value the
    spec does not allow."""
    values: dict[str, Any] = {}
    for name, parameter in operation_parameters(path, method).items():
        schema = parameter.get("schema", {})
        if name not in request.GET:
            values[name] = schema.get("default")
            continue
        if schema.get("type") == "array":
            raw = request.GET.getlist(name)
            if not parameter.get("explode", True):
                # Form style without explode: ``sort=a,b``; ``sort=`` is the empty list, not one empty value.
                raw = [part for value in raw if value != "" for part in value.split(",")]
            values[name] = [_scalar(name, item, schema.get("items", {})) for item in raw]
            if not values[name] and "default" in schema:
                values[name] = schema["default"]
        else:
            values[name] = _scalar(name, request.GET[name], schema)
    return values


def _invalid(name: str, reason) -> Problem:
    return Problem(400, PARAM_INVALID.format(name=name, reason=reason))


def _scalar(name: str, raw: str, schema: dict) -> Any:
    kind = schema.get("type", "string")
    value: Any
    if kind == "integer":
        if not re.fullmatch(r"-?[0-9]{1,10}", raw):
            raise _invalid(name, MUST_BE_INTEGER)
        value = int(raw)
        if "minimum" in schema and value < schema["minimum"]:
            raise _invalid(name, MUST_BE_AT_LEAST.format(minimum=schema["minimum"]))
        if value > INTEGER_MAXIMUM.get(schema.get("format"), value):
            raise _invalid(name, MUST_BE_AT_MOST.format(maximum=INTEGER_MAXIMUM[schema["format"]]))
    elif kind == "boolean":
        if raw not in ("true", "false"):
            raise _invalid(name, MUST_BE_BOOLEAN)
        value = raw == "true"
    else:
        value = raw
        if schema.get("format") == "date":
            try:
                if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
                    raise ValueError(raw)
                value = dt.date.fromisoformat(raw)
            except ValueError:
                raise _invalid(name, MUST_BE_DATE) from None
        elif schema.get("format") == "uuid":
            try:
                value = uuid.UUID(raw)
            except ValueError:
                raise _invalid(name, MUST_BE_UUID) from None
        if "pattern" in schema and not re.search(schema["pattern"], raw):
            raise _invalid(name, MUST_MATCH.format(pattern=schema["pattern"]))
        if not schema.get("minLength", 0) <= len(raw) <= schema.get("maxLength", len(raw)):
            raise _invalid(
                name, WRONG_LENGTH.format(minimum=schema.get("minLength", 0), maximum=schema.get("maxLength"))
            )
    if "enum" in schema and value not in schema["enum"]:
        raise _invalid(name, MUST_BE_ONE_OF.format(allowed=", ".join(str(v) for v in schema["enum"])))
    return value
