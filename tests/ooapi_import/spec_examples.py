"""Example objects assembled from the official OOAPI v5 spec's own ``example`` values.

The spec gives examples per property (and for some small schemas as a whole), not whole objects. An object's
example is made of its properties' examples; ``oneOf`` takes its first option (an id), ``allOf`` merges.
A required property without an example gets a plain value of its type, so the object is valid.
"""

from __future__ import annotations

import copy
from typing import Any

from ooapi.spec import load_spec

EXAMPLE_ID = "123e4567-e89b-12d3-a456-426614174000"


class SpecExamples:
    def __init__(self) -> None:
        self.spec = load_spec()
        self.schemas = self.spec["components"]["schemas"]

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            ref = schema["$ref"]
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**self.schemas[ref.rsplit("/", 1)[1]], **extra}
        return schema

    def of(self, name: str) -> dict:
        return self.example(self.schemas[name])

    def example(self, schema: dict, depth: int = 0) -> Any:
        schema = self.resolve(schema)
        if "allOf" in schema:
            merged: dict = {}
            for part in schema["allOf"]:
                value = self.example(part, depth)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
        if "oneOf" in schema or "anyOf" in schema:
            return self.example((schema.get("oneOf") or schema["anyOf"])[0], depth)
        if "example" in schema:
            return copy.deepcopy(schema["example"])
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            if depth > 3:
                return None
            result = {}
            required = set(schema.get("required", []))
            for name, prop in schema.get("properties", {}).items():
                value = self.example(prop, depth + 1)
                if value is None and name in required:
                    value = self.placeholder(self.resolve(prop))
                if value is not None:
                    result[name] = value
            return result
        if kind == "array":
            item = self.example(schema.get("items", {}), depth + 1)
            return [item] if item is not None else None
        if kind == "string" and schema.get("format") == "uuid":
            return EXAMPLE_ID
        if "enum" in schema:
            return schema["enum"][0]
        return None

    @staticmethod
    def placeholder(schema: dict) -> Any:
        kind = schema.get("type")
        if kind == "string":
            return "2020-01-01" if schema.get("format") == "date" else "x"
        if kind in ("number", "integer"):
            return 1
        if kind == "boolean":
            return True
        if kind == "array":
            return []
        return {}
