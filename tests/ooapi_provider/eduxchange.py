"""SURF's eduXchange profile of OOAPI v5, read from where the project keeps its shared material, and a
spider that walks the provider the way SURF's endpoint validator (eduhub-validator) does with that
profile, validating every real HTTP answer with openapi-core.

The profile is never copied into the repository. It is looked up as ``shared/ooapi/eduxchange/`` in the
repository root or any folder above it, or under ``$FLEXPORTAL_SHARED_DIR`` (a ``shared`` folder) when
that is set; tests that need it skip, saying where they looked, when it is not there.

The walk follows the validator's ``profiles/eduxchange`` rules: it starts from ``/courses``,
``/organizations`` and ``/programs`` with ``consumer=eduxchange``, pages through every list, and from each
listed course asks ``/courses/{id}`` (``expand=coordinators``) and ``/courses/{id}/offerings``, from each
listed offering ``/offerings/{id}`` (``expand=academicSession``), and from each listed program
``/programs/{id}`` (``expand=coordinators,organization``) and ``/programs/{id}/offerings``.
"""

from __future__ import annotations

import json
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

PROFILE = Path("ooapi") / "eduxchange" / "eduxchange.openapi.json"
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CONSUMER = {"consumer": "eduxchange"}


def _places() -> list[Path]:
    override = os.environ.get("FLEXPORTAL_SHARED_DIR")
    if override:
        return [Path(override)]
    return [folder / "shared" for folder in (REPOSITORY_ROOT, *REPOSITORY_ROOT.parents)]


def find_profile() -> Path | None:
    return next((place / PROFILE for place in _places() if (place / PROFILE).is_file()), None)


def missing_reason() -> str:
    override = os.environ.get("FLEXPORTAL_SHARED_DIR")
    where = f"$FLEXPORTAL_SHARED_DIR ({override})" if override else f"shared/ in {REPOSITORY_ROOT} or a folder above it"
    return f"SURF's eduXchange profile ({PROFILE}) was not found in {where}; it is not part of the repository"


def profile_path() -> Path:
    """The profile's file, or a skip that says where it was looked for."""
    found = find_profile()
    if found is None:
        pytest.skip(missing_reason())
    return found


def profile_validator(base_url: str) -> OpenAPI:
    profile = json.loads(profile_path().read_text(encoding="utf-8"))
    # Where the provider is served is deployment data, not contract (the profile names SURF's demo server).
    profile["servers"] = [{"url": base_url}]
    return OpenAPI.from_dict(
        profile, config=Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    )


@dataclass
class Answer:
    path: str
    query: dict
    status: int
    body: object
    error: str = ""


@dataclass
class Walk:
    answers: list[Answer] = field(default_factory=list)

    @property
    def broken(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.error]

    def bodies(self, path_prefix: str) -> list[dict]:
        return [a.body for a in self.answers if a.path.startswith(path_prefix) and isinstance(a.body, dict)]


def spider(base_url: str, token: str, *, limit: int, seeds: list[tuple[str, dict]] | None = None) -> Walk:
    """Walk the provider at ``base_url`` from the validator's seeds, at most ``limit`` requests, validating
    each answer against the profile."""
    validator = profile_validator(base_url)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    queue: deque[tuple[str, dict]] = deque(
        seeds
        or [
            ("/courses", {**CONSUMER, "pageSize": "250"}),
            ("/organizations", {**CONSUMER, "organizationType": "root"}),
            ("/programs", {**CONSUMER, "pageSize": "250"}),
        ]
    )
    seen: set[tuple[str, str]] = set()
    walk = Walk()
    while queue and len(walk.answers) < limit:
        path, query = queue.popleft()
        key = (path, json.dumps(query, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        response = session.get(base_url + path, params=query, timeout=30)
        try:
            body = response.json()
        except ValueError:
            body = None
        answer = Answer(path=path, query=query, status=response.status_code, body=body)
        try:
            validator.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))
        except Exception as error:  # openapi-core's validation errors share no public base
            causes = [str(error), *(str(e.message) for e in getattr(error.__cause__, "schema_errors", ()))]
            answer.error = " / ".join(causes)[:1500]
        walk.answers.append(answer)
        if response.status_code == 200 and isinstance(body, dict):
            queue.extend(_follow(path, query, body))
    return walk


def _follow(path: str, query: dict, body: dict) -> list[tuple[str, dict]]:
    """What the validator's rules generate from one answer."""
    follow: list[tuple[str, dict]] = []
    if body.get("hasNextPage") is True and isinstance(body.get("pageNumber"), int):
        follow.append((path, {**query, "pageNumber": str(body["pageNumber"] + 1)}))
    for item in body.get("items") or []:
        if not isinstance(item, dict):
            continue
        if "courseId" in item:
            follow.append((f"/courses/{item['courseId']}", {**CONSUMER, "expand": "coordinators"}))
            follow.append((f"/courses/{item['courseId']}/offerings", dict(CONSUMER)))
        if "offeringId" in item:
            follow.append((f"/offerings/{item['offeringId']}", {**CONSUMER, "expand": "academicSession"}))
        if "programId" in item:
            follow.append((f"/programs/{item['programId']}", {**CONSUMER, "expand": "coordinators,organization"}))
            follow.append((f"/programs/{item['programId']}/offerings", dict(CONSUMER)))
    return follow


def alliances_of(body: dict) -> list[dict]:
    """The alliance entries of a document's eduXchange consumer block."""
    return [
        alliance
        for consumer in body.get("consumers") or []
        if isinstance(consumer, dict) and consumer.get("consumerKey") == "eduxchange"
        for alliance in consumer.get("alliances") or []
    ]
