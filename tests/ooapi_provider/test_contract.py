"""The contract check itself: it catches what the spec forbids, and its two rules for the spec's
indistinguishable ``oneOf`` alternatives are needed and no looser than ``oneOf``."""

import json

import pytest
from django.http import HttpResponse, JsonResponse
from django.urls import path, re_path
from openapi_core.testing import MockRequest, MockResponse

from ooapi.spec import openapi
from tests.ooapi_provider.contract import PREFIX, ContractViolation

SOME_ID = "7d3f7f0e-0000-4000-8000-000000000003"  # fixed: it is part of test ids (pytest-xdist compares them)
COURSE_OFFERING = {
    "offeringId": SOME_ID,
    "primaryCode": {"codeType": "offeringCode", "code": "ALG101-S2"},
    "offeringType": "course",
    "name": [{"language": "en-GB", "value": "Algorithms"}],
    "description": [{"language": "en-GB", "value": ""}],
    "teachingLanguage": "eng",
    "resultExpected": True,
    "startDate": "2027-02-01",
    "endDate": "2027-06-30",
}
# Shaped as a component offering, but saying it is a course offering.
MISLABELLED = {
    **{k: v for k, v in COURSE_OFFERING.items() if k not in ("startDate", "endDate")},
    "startDateTime": "2027-02-01T09:00:00+01:00",
    "endDateTime": "2027-02-01T11:00:00+01:00",
}
ASSOCIATION = {
    "associationId": SOME_ID,
    "associationType": "courseOfferingAssociation",
    "role": "student",
    "state": "pending",
    "person": SOME_ID,
    "offering": SOME_ID,
}

BODIES = {
    "offering": COURSE_OFFERING,
    "mislabelled": MISLABELLED,
    "association": ASSOCIATION,
    "course-without-name": {"courseId": SOME_ID},
    "remote-state-echoed": {**ASSOCIATION, "remoteState": "associated"},
}


def fake(request, **kwargs):
    return JsonResponse(BODIES[request.GET["body"]])


def html_not_found(request, rest):
    return HttpResponse("<h1>Not found</h1>", status=404, content_type="text/html")


def wrong_status_problem(request, **kwargs):
    return HttpResponse(
        json.dumps({"status": "400", "title": "Bad Request"}), status=404, content_type="application/problem+json"
    )


urlpatterns = [
    path("ooapi/v5/offerings/<str:offeringId>", fake),
    path("ooapi/v5/associations/<str:associationId>", fake),
    path("ooapi/v5/courses/<str:courseId>", fake),
    path("ooapi/v5/programs/<str:programId>", wrong_status_problem),
    re_path(r"^ooapi/v5/(?P<rest>.*)$", html_not_found),
]

pytestmark = pytest.mark.urls("tests.ooapi_provider.test_contract")


@pytest.fixture(autouse=True)
def _without_problem_middleware(settings):
    """The check itself is under test: without the middleware that turns every error under the prefix into
    a problem, an HTML error must reach it (and fail the test)."""
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if not name.endswith(".ProblemJsonMiddleware")]


def _strict(path_: str, body: dict) -> None:
    """openapi-core as it comes, on the official spec (served at demo01.eduapi.nl/v5)."""
    request = MockRequest("http://demo01.eduapi.nl", "get", f"/v5{path_}")
    openapi().validate_response(request, MockResponse(json.dumps(body).encode(), content_type="application/json"))


@pytest.mark.parametrize(
    ("path_", "body"), [(f"/offerings/{SOME_ID}", COURSE_OFFERING), (f"/associations/{SOME_ID}", ASSOCIATION)]
)
def test_the_spec_itself_rejects_a_plain_course_offering_and_every_association_under_strict_one_of(path_, body):
    with pytest.raises(Exception, match="is valid under each of"):
        _strict(path_, body)


def test_declared_type_accepts_what_strict_one_of_cannot(client):
    assert client.get(f"{PREFIX}/offerings/{SOME_ID}", {"body": "offering"}).status_code == 200
    assert client.get(f"{PREFIX}/associations/{SOME_ID}", {"body": "association"}).status_code == 200


def test_declared_type_is_stricter_than_one_of(client):
    # Strict oneOf lets this through: it matches exactly one alternative (ComponentOffering)...
    _strict(f"/offerings/{SOME_ID}", MISLABELLED)
    # ...but it calls itself a course offering and is not a valid one.
    with pytest.raises(ContractViolation, match="declared type CourseOffering"):
        client.get(f"{PREFIX}/offerings/{SOME_ID}", {"body": "mislabelled"})


@pytest.mark.parametrize(
    ("url", "body", "message"),
    [
        (f"/courses/{SOME_ID}", "course-without-name", "name"),
        (f"/associations/{SOME_ID}", "remote-state-echoed", "write-only"),
        ("/nowhere", None, "not problem\\+json"),
        (f"/programs/{SOME_ID}", None, "problem says status '400'"),
    ],
)
def test_violations_fail_the_test(client, url, body, message):
    with pytest.raises(ContractViolation, match=message):
        client.get(f"{PREFIX}{url}", {"body": body} if body else {})
