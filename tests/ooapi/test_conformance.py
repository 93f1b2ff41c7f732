"""The onboarding check: clean against the reference peer, every violation listed in plain words against a
peer that sends broken documents; as a command (with its exit code) and as a staff page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from accounts.models import StaffRole
from ooapi.conformance import check_endpoint, response_violations
from ooapi.spec import load_spec
from tests.factories import StaffRoleFactory, UserFactory

pytest_plugins = ["tests.ooapi_peer.fixtures"]


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in the English source; the portal's default language is Dutch.
    with translation.override("en"):
        yield


ROOT = Path(__file__).resolve().parents[2]
ALL_PROBES = [
    "GET /",
    "GET /organizations",
    "GET /academic-sessions",
    "GET /programs",
    "GET /courses",
    "GET /courses/{courseId}",
    "GET /courses/{courseId}/offerings",
    "GET /offerings/{offeringId}",
    "GET /persons/me",
]


def run_check(*args: str) -> tuple[str, CommandError | None]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("ooapi_check", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


# The service -------------------------------------------------------------------------------------------


def test_the_reference_peer_passes_every_probe(ooapi_peer):
    report = check_endpoint(base_url=ooapi_peer.base_url, token="student-token")
    assert [p.label for p in report.probes] == ALL_PROBES
    assert [(p.label, p.violations, p.error, p.skipped) for p in report.probes if not p.ok or p.skipped] == []
    assert report.ok and report.problem_count == 0
    assert all(p.status == 200 for p in report.probes)
    # The check only reads.
    assert {r["method"] for r in ooapi_peer.control.requests()} == {"GET"}


def test_a_broken_peer_gets_every_violation_listed(ooapi_peer):
    ooapi_peer.control.faults(broken=True)
    report = check_endpoint(base_url=ooapi_peer.base_url, token="student-token")
    assert not report.ok
    by_probe = {p.label: {(v.location, v.message) for v in p.violations} for p in report.probes}
    assert ("specification", "The required field “specification” is missing.") in by_probe["GET /"]
    assert ("contactEmail", "Should be a string, but it is a number (42).") in by_probe["GET /"]
    assert ("items[0].name", "The required field “name” is missing.") in by_probe["GET /courses"]
    assert (
        "teachingLanguage",
        'Does not have the expected form (pattern ^[a-z]{3}$): "English".',
    ) in by_probe["GET /courses/{courseId}"]
    assert ("startDate", 'Should be a date (YYYY-MM-DD), but it is "".') in by_probe["GET /offerings/{offeringId}"]
    assert ("maxNumberStudents", 'Should be a number, but it is a string ("many").') in by_probe[
        "GET /offerings/{offeringId}"
    ]
    assert ("givenName", "The required field “givenName” is missing.") in by_probe["GET /persons/me"]
    courses = next(p for p in report.probes if p.label == "GET /courses")
    name = next(v for v in courses.violations if v.location == "items[0].name")
    assert name.count == 10  # one line for the same problem in all ten items


def test_persons_me_is_skipped_without_credentials_and_when_they_do_not_reach_it(ooapi_peer):
    report = check_endpoint(base_url=ooapi_peer.base_url)
    me = report.probes[-1]
    assert me.skipped == "No credentials given; /persons/me needs a user's or client's token." and report.ok


def test_an_endpoint_that_requires_authentication_is_checked_with_the_token(ooapi_peer):
    ooapi_peer.control.settings(auth={"required": True, "tokens": ["onboarding"]})
    assert check_endpoint(base_url=ooapi_peer.base_url, token="onboarding").ok
    refused = check_endpoint(base_url=ooapi_peer.base_url, token="wrong")
    assert not refused.ok
    courses = next(p for p in refused.probes if p.label == "GET /courses")
    assert courses.error == "The endpoint answered HTTP 401 instead of 200." and courses.violations == []
    assert refused.probes[-1].skipped == "The credentials given do not allow /persons/me (HTTP 401)."


def test_failing_calls_are_reported_not_raised(ooapi_peer):
    ooapi_peer.control.faults(malformed_next=1, path_prefix="/programs")
    report = check_endpoint(base_url=ooapi_peer.base_url)
    programs = next(p for p in report.probes if p.label == "GET /programs")
    assert [(v.location, v.message) for v in programs.violations] == [
        ("(the whole answer)", "The answer is not valid JSON.")
    ]
    ooapi_peer.control.set_faults(redirect_to="http://127.0.0.2/")
    moved = check_endpoint(base_url=ooapi_peer.base_url)
    assert len(moved.probes) == 1
    assert (
        moved.probes[0].error
        == "The institution's endpoint redirected to http://127.0.0.2/; redirects are not followed."
    )


# Validation in plain words ----------------------------------------------------------------------------


def violations_of(path: str, body, *, status: int = 200, content_type: str = "application/json"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return [
        (v.location, v.message)
        for v in response_violations(method="GET", path=path, status_code=status, content_type=content_type, body=raw)
    ]


def test_plain_words_for_typical_mistakes():
    page = {
        "pageSize": 10,
        "pageNumber": "1",
        "hasPreviousPage": False,
        "hasNextPage": False,
        "items": [
            {
                "courseId": "C-1",
                "primaryCode": {"codeType": "identifier", "code": "C1", "extra": 1},
                "name": [{"language": "English", "value": "Energy"}],
                "abbreviation": "C1",
                "description": [],
                "teachingLanguage": "eng",
                "level": "bachelor",
            }
        ],
    }
    assert violations_of("/courses", page) == [
        ("pageNumber", 'Should be an integer, but it is a string ("1").'),
        ("items[0].courseId", 'Should be a UUID, but it is "C-1".'),
        ("items[0].primaryCode", "Has fields the spec does not allow here: extra."),
        (
            "items[0].name[0].language",
            'Does not have the expected form (pattern ^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$): "English".',
        ),
        ("items[0].description", "Should have at least 1 entries, but it has 0."),
    ]


def test_content_type_status_and_json_errors():
    assert violations_of("/", b"<html></html>", content_type="text/html") == [
        ("(the whole answer)", "The answer's content type is “text/html”; the spec expects application/json.")
    ]
    assert violations_of("/", b"{", content_type="application/json") == [
        ("(the whole answer)", "The answer is not valid JSON.")
    ]
    assert violations_of("/", {"status": "418", "title": "teapot"}, status=418) == [
        ("(the whole answer)", "HTTP status 418 is not an answer the spec defines for this endpoint.")
    ]
    problem = {"status": "404", "title": "Not found"}
    assert violations_of("/courses/x", problem, status=404, content_type="application/problem+json") == []


def test_a_write_only_field_in_an_answer_is_a_violation():
    association = {
        "associationId": "0f6c3e8e-8b0a-4c55-9d1e-1c2b3a4d5e6f",
        "associationType": "courseOfferingAssociation",
        "role": "student",
        "state": "associated",
        "remoteState": "associated",
    }
    assert violations_of(f"/associations/{association['associationId']}", association) == [
        ("remoteState", "This field is write-only in the spec and must not appear in an answer.")
    ]


def test_the_specs_own_examples_validate_except_three_known_defects():
    """Every ``example`` in the spec, validated against the schema it illustrates (as the check reads
    schemas: OAS 3.0, formats checked). Three examples contradict their own schema in the published spec."""
    spec = load_spec()
    registry = Registry().with_resource("urn:ooapi", Resource.from_contents(spec, default_specification=DRAFT4))
    checked, invalid = 0, set()

    def walk(node, pointer: str) -> None:
        nonlocal checked
        if isinstance(node, dict):
            if "example" in node and {"type", "$ref", "properties", "items", "allOf", "oneOf", "enum"} & set(node):
                schema = {"$ref": f"urn:ooapi#{pointer}"}
                validator = OAS30ReadValidator(
                    schema, registry=registry, format_checker=OAS30ReadValidator.FORMAT_CHECKER
                )
                checked += 1
                if not validator.is_valid(node["example"]):
                    invalid.add(pointer)
            for key, value in node.items():
                if key not in ("example", "examples"):
                    walk(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(spec, "")
    assert checked > 250
    assert invalid == {
        "/components/schemas/PersonProperties/properties/primaryCode",  # code: 0, a number
        "/components/schemas/ComponentOffering/allOf/1/properties/startDateTime",  # a date, not a date-time
        "/components/schemas/ComponentOffering/allOf/1/properties/endDateTime",
    }


# The command ------------------------------------------------------------------------------------------


def test_the_command_passes_against_the_reference_peer(ooapi_peer):
    output, error = run_check(ooapi_peer.base_url, "--token", "student-token")
    assert error is None
    assert "✓ GET /persons/me (HTTP 200): follows the spec" in output
    assert "No problems found: the endpoint follows the OOAPI v5 spec." in output


def test_the_command_lists_violations_and_exits_1(ooapi_peer):
    ooapi_peer.control.faults(broken=True, broken_every=3)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "ooapi_check", ooapi_peer.base_url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    # The command speaks the portal's default language; the places and endpoints are the same in any.
    assert "✗ GET /courses (HTTP 200)" in result.stdout
    assert "      items[0].name: " in result.stdout
    assert "      items[0].teachingLanguage: " in result.stdout
    assert "✗ GET /offerings/{offeringId} (HTTP 200)" in result.stdout


def test_the_command_json_output_and_an_unreachable_endpoint(ooapi_peer):
    output, error = run_check(ooapi_peer.base_url, "--json")
    assert error is None and json.loads(output)["ok"] is True
    with ooapi_peer.down():
        output, error = run_check(ooapi_peer.base_url)
    assert error is not None and error.returncode == 1
    assert f"Could not connect to the institution's system at {ooapi_peer.origin}" in output
    _output, error = run_check("ftp://example.nl/")
    assert error is not None and "is not a valid http(s) address" in str(error)


# The staff page ---------------------------------------------------------------------------------------


@pytest.fixture
def catalogue_manager(db):
    return StaffRoleFactory(role=StaffRole.Role.CATALOGUE_MANAGER).user


@pytest.fixture
def local_checks_allowed(settings):
    settings.OOAPI_CHECK_ALLOW_PRIVATE_ADDRESSES = True


def test_the_page_is_for_catalogue_managers_and_superusers(client, db):
    url = reverse("ooapi:check")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(StaffRoleFactory(role=StaffRole.Role.HOME_APPROVER).user)
    forbidden = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert forbidden.status_code == 403
    assert "The OOAPI check is for catalogue managers and administrators." in forbidden.content.decode()
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(url).status_code == 200


def test_the_page_shows_a_clean_result(client, catalogue_manager, ooapi_peer, local_checks_allowed):
    client.force_login(catalogue_manager)
    response = client.post(
        reverse("ooapi:check"), {"base_url": ooapi_peer.base_url, "token": "student-token"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-ok="true"' in page
    assert "No problems found: the endpoint follows the OOAPI v5 spec." in page
    assert "student-token" not in page  # the token is never echoed back


def test_the_page_lists_violations(client, catalogue_manager, ooapi_peer, local_checks_allowed):
    ooapi_peer.control.faults(broken=True)
    client.force_login(catalogue_manager)
    response = client.post(reverse("ooapi:check"), {"base_url": ooapi_peer.base_url}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'data-ok="false"' in response.content.decode()
    page = response.content.decode()
    assert '<tr data-endpoint="GET /courses" data-ok="false">' in page
    assert "<code>items[0].name</code>: The required field “name” is missing. (and 9 more places like it)" in page


def test_the_page_refuses_private_addresses_unless_allowed(client, catalogue_manager, ooapi_peer, settings):
    settings.OOAPI_CHECK_ALLOW_PRIVATE_ADDRESSES = False
    client.force_login(catalogue_manager)
    response = client.post(reverse("ooapi:check"), {"base_url": ooapi_peer.base_url}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "127.0.0.1 is an address inside a private or local network" in response.content.decode()
    assert ooapi_peer.control.requests() == []
