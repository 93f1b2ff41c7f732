"""The official OOAPI v5 spec, loaded once, patched in memory, and an openapi-core validator over it."""

from __future__ import annotations

import copy
import functools
import hashlib
from pathlib import Path

import yaml

SPEC_PATH = Path(__file__).resolve().parent / "ooapi-v5.yaml"
LICENSE_PATH = Path(__file__).resolve().parent / "LICENSE.md"
# SHA-256 of the file as published; the spec may not be altered (see LICENSE.md).
SPEC_SHA256 = "7250776d83ed37a50f88ff8fbd6c10e8327e07bcd307fc7c7e993b02a8fb8db2"


def spec_sha256() -> str:
    return hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest()


@functools.cache
def _loaded() -> dict:
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    _patch_known_defects(spec)
    return spec


def load_spec() -> dict:
    """A deep copy of the spec as a dict, with the known defect patched (in memory only)."""
    return copy.deepcopy(_loaded())


def _patch_known_defects(spec: dict) -> None:
    # GET /education-specifications gives its `sort` parameter the default [["name"]], a list inside a
    # list, which is not a valid value of its own schema (an array of strings). Validators reject the
    # whole spec for it; the intended default is ["name"].
    for parameter in spec["paths"]["/education-specifications"]["get"]["parameters"]:
        if isinstance(parameter, dict) and parameter.get("name") == "sort":
            default = parameter.get("schema", {}).get("default")
            if default and isinstance(default[0], list):
                parameter["schema"]["default"] = [item for inner in default for item in inner]


@functools.cache
def openapi():
    """An ``openapi_core.OpenAPI`` over the patched spec (built once per process: it takes a second)."""
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(load_spec())
