"""Every error under /ooapi/v5/ is application/problem+json with the spec's ``Problem`` shape: unknown
paths (also those no URL pattern can match), wrong methods, bad parameters, missing or weak tokens,
requests Django refuses before routing, and the 500 of an exception nobody caught. Outside the prefix
Django's own error pages stay as they are."""

import json
import logging
import uuid

import pytest
from django.test import Client
from django.urls import include, path

from ooapi.provider.scopes import PERSONS_READ, READ
from tests.ooapi_provider.contract import PREFIX

pytestmark = pytest.mark.django_db


def broken(request):
    raise RuntimeError("a bug in a provider view")


# The provider's own URLs, plus one view with a bug, mounted under the provider's prefix.
urlpatterns = [
    path("ooapi/v5/broken", broken),
    path("ooapi/v5/", include("ooapi.provider.urls")),
]


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == str(status)
    assert body["title"]
    return body


@pytest.mark.parametrize(
    "rest",
    [
        "rooms",
        "courses/x/y",
        "courses/",
        "%0A",  # a newline: no ".*" pattern matches it, so Django answered its HTML 404
        "courses%0A",
        "a%0Ab/c",
        "%E2%9C%93",
    ],
)
def test_unknown_paths_are_problems(api, zone, make_token, rest):
    token = make_token(zone["alpha"], (READ,))
    body = assert_problem(api.get(f"/{rest}", token), 404)
    assert body["detail"] == "This path is not part of the OOAPI v5 provider."


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_wrong_methods_are_problems_with_allow(api, zone, make_token, method):
    response = api.request(method, "/courses", make_token(zone["alpha"], (READ,)))
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert_problem(response, 405)


def test_bad_parameters_are_problems(api, zone, make_token):
    token = make_token(zone["alpha"], (READ,))
    assert_problem(api.get("/courses", token, pageSize=7), 400)
    assert_problem(api.get("/courses/not-a-uuid", token), 400)


def test_authentication_failures_are_problems(api, zone, make_token):
    assert_problem(api.get("/courses"), 401)
    assert_problem(api.get("/courses", "no-such-token"), 401)
    weak = make_token(zone["alpha"], (PERSONS_READ,))
    assert_problem(api.get("/courses", weak), 403)


def test_a_request_refused_before_routing_is_a_problem(zone, make_token, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = Client().get(f"{PREFIX}/courses", HTTP_HOST="attacker.example")
    body = assert_problem(response, 400)
    assert body["detail"] == "The portal refused this request before the OOAPI provider could handle it."


@pytest.mark.urls("tests.ooapi_provider.test_problems")
def test_an_uncaught_exception_is_a_logged_problem(caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = Client(raise_request_exception=False).get(f"{PREFIX}/broken")
    body = assert_problem(response, 500)
    assert body["detail"] == "Something went wrong on the portal's side; the error has been logged."
    assert "a bug in a provider view" not in response.content.decode()  # no internals leak
    assert any(record.exc_info and "a bug in a provider view" in str(record.exc_info[1]) for record in caplog.records)


def test_errors_outside_the_provider_are_left_alone(client):
    response = client.get(f"/catalogue/offerings/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_body_over_the_upload_limit_is_a_problem(zone, make_token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    association = zone["requests"]["beta_at_alpha"].public_id
    body = json.dumps({"remoteState": "associated", "note": "y" * 200})
    # A plain client: the contract check would read the oversized body itself.
    response = Client().generic(
        "PATCH",
        f"{PREFIX}/associations/{association}",
        body,
        content_type="application/merge-patch+json",
        HTTP_AUTHORIZATION=f"Bearer {make_token(zone['alpha'])}",
    )
    assert_problem(response, 400)
