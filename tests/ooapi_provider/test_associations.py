"""Associations (enrolment requests): who may read which, the state mapping, and a connected system
reporting its own state and the result by PATCH (application/merge-patch+json)."""

import datetime as dt

import pytest
from django.utils import timezone

from catalogue.models import Offering
from enrolment.models import EnrolmentRequest, Status
from ooapi.models import AssociationResult
from ooapi.provider import mappers
from ooapi.provider.scopes import ASSOCIATIONS_READ, ASSOCIATIONS_WRITE, PERSONS_READ, READ
from results.models import Result
from tests.factories import StudentProfileFactory
from tests.ooapi_provider.conftest import request_in

pytestmark = pytest.mark.django_db

# A result is recorded from the offering's end date on: the fixture ``finished`` ends the course 5 days ago.
RESULT_DATE = dt.date.today() - dt.timedelta(days=3)
RESULT = {"state": "completed", "pass": "passed", "score": "7.5", "resultDate": RESULT_DATE.isoformat()}
COURSE_RESULT = {**RESULT, "studyLoad": {"studyLoadUnit": "ects", "value": 5}}


def ids_of(response):
    return sorted(item["associationId"] for item in response.json()["items"])


def public_id(zone, name):
    return str(zone["requests"][name].public_id)


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (Status.SUBMITTED, "pending"),
        (Status.HOME_APPROVED, "pending"),
        (Status.SEAT_OFFERED, "pending"),
        (Status.WAITLISTED, "queued"),
        (Status.ADMITTED, "associated"),
        (Status.REGISTERED, "associated"),
        (Status.COMPLETED, "associated"),
        (Status.HOME_DENIED, "denied"),
        (Status.HOST_DENIED, "denied"),
        (Status.CANCELLED, "canceled"),
        (Status.WITHDRAWN, "canceled"),
        (Status.EXPIRED, "canceled"),
    ],
)
def test_state_mapping(api, zone, make_token, status, state):
    request = request_in(
        status, student=StudentProfileFactory(home_institution=zone["beta"]), offering=zone["offerings"]["energy"]
    )
    response = api.get(f"/associations/{request.public_id}", make_token(zone["beta"]))
    assert response.status_code == 200
    assert response.json()["state"] == state


def test_every_status_but_draft_has_a_state():
    assert set(mappers.ASSOCIATION_STATE) == set(Status) - {Status.DRAFT}


def test_host_home_and_others_see_only_their_associations(api, zone, make_token):
    offering_id = mappers.offering_id(zone["offerings"]["algorithms"])
    path = f"/offerings/{offering_id}/associations"
    # Alpha hosts the offering: every request its home approved (not the draft).
    assert ids_of(api.get(path, make_token(zone["alpha"]))) == sorted(
        [public_id(zone, "beta_at_alpha"), public_id(zone, "gamma_at_alpha")]
    )
    # Beta and Gamma are home to one student each.
    assert ids_of(api.get(path, make_token(zone["beta"]))) == [public_id(zone, "beta_at_alpha")]
    assert ids_of(api.get(path, make_token(zone["gamma"]))) == [public_id(zone, "gamma_at_alpha")]


@pytest.mark.parametrize(
    ("status", "approved"),
    [(Status.SUBMITTED, False), (Status.HOME_DENIED, False), (Status.CANCELLED, False), (Status.CANCELLED, True)],
)
def test_the_host_has_a_request_only_once_home_approved_it(api, zone, make_token, status, approved):
    """A pending, home-denied or cancelled-before-any-decision request is none of the host's business; one
    cancelled after home approved it stays in the host's records."""
    request = request_in(
        status,
        student=StudentProfileFactory(home_institution=zone["beta"]),
        offering=zone["offerings"]["algorithms"],
        home_approved_at=timezone.now() if approved else None,
    )
    alpha, beta = make_token(zone["alpha"]), make_token(zone["beta"])
    offering_id = mappers.offering_id(zone["offerings"]["algorithms"])
    listed = ids_of(api.get(f"/offerings/{offering_id}/associations", alpha))
    assert (str(request.public_id) in listed) is approved
    assert api.get(f"/associations/{request.public_id}", alpha).status_code == (200 if approved else 404)
    assert api.patch(f"/associations/{request.public_id}", {"remoteState": "queued"}, alpha).status_code == (
        200 if approved else 404
    )
    # Home always has its own student's request.
    assert api.get(f"/associations/{request.public_id}", beta).status_code == 200


def test_a_client_cannot_read_associations_of_other_institutions(api, zone, make_token):
    beta = make_token(zone["beta"])
    response = api.get(f"/associations/{public_id(zone, 'gamma_at_alpha')}", beta)
    assert response.status_code == 404
    assert response.json()["detail"] == "There is no such association, or your institution may not see it."
    gamma = make_token(zone["gamma"])
    energy = mappers.offering_id(zone["offerings"]["energy"])
    assert api.get(f"/offerings/{energy}/associations", gamma).json()["items"] == []
    assert api.get(f"/associations/{public_id(zone, 'alpha_at_beta')}", gamma).status_code == 404


def test_associations_list_item_shape_filters_and_sort(api, zone, make_token):
    alpha = make_token(zone["alpha"])
    path = f"/offerings/{mappers.offering_id(zone['offerings']['algorithms'])}/associations"
    items = api.get(path, alpha).json()["items"]
    first = next(item for item in items if item["associationId"] == public_id(zone, "gamma_at_alpha"))
    assert first == {
        "associationId": public_id(zone, "gamma_at_alpha"),
        "associationType": "courseOfferingAssociation",
        "role": "student",
        "state": "queued",
        "person": {"personId": mappers.person_id(zone["students"]["gamma"].pk)},
    }
    assert ids_of(api.get(path, alpha, state="queued")) == [public_id(zone, "gamma_at_alpha")]
    assert ids_of(api.get(path, alpha, role="lecturer")) == []
    assert ids_of(api.get(path, alpha, associationType="programOffering")) == []
    descending = [item["associationId"] for item in api.get(path, alpha, sort="-associationId").json()["items"]]
    assert descending == sorted(descending, reverse=True)
    assert api.get(path, alpha, state="maybe").status_code == 400


def test_association_expanded(api, zone, make_token):
    beta = make_token(zone["beta"])
    association = api.get(f"/associations/{public_id(zone, 'beta_at_alpha')}", beta, expand="person,offering").json()
    assert association["person"]["givenName"] == "Bram"
    assert association["person"]["affiliations"] == ["student"]
    assert association["offering"]["primaryCode"]["code"] == "ALG101-S2"
    plain = api.get(f"/associations/{public_id(zone, 'beta_at_alpha')}", beta).json()
    assert plain["person"] == mappers.person_id(zone["students"]["beta"].pk)
    assert plain["offering"] == mappers.offering_id(zone["offerings"]["algorithms"])


def test_person_expanded_only_for_own_students_and_with_scope(api, zone, make_token):
    path = f"/associations/{public_id(zone, 'beta_at_alpha')}"
    host = api.get(path, make_token(zone["alpha"]), expand="person")
    assert host.status_code == 403
    assert host.json()["detail"] == "Your institution may only see its own students."
    without_scope = api.get(path, make_token(zone["beta"], (READ, ASSOCIATIONS_READ)), expand="person")
    assert without_scope.status_code == 403
    assert without_scope.json()["detail"] == f"The token lacks the scope this operation needs: {PERSONS_READ}."


def test_reading_associations_needs_its_scope(api, zone, make_token):
    response = api.get(f"/associations/{public_id(zone, 'beta_at_alpha')}", make_token(zone["beta"], (READ,)))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]


# PATCH


@pytest.fixture
def finished(zone):
    """Beta's student is registered for Alpha's course, which ended five days ago."""
    ended = dt.date.today() - dt.timedelta(days=5)
    Offering.objects.filter(pk=zone["offerings"]["algorithms"].pk).update(
        start_date=ended - dt.timedelta(days=60), end_date=ended
    )
    EnrolmentRequest.objects.filter(pk=zone["requests"]["beta_at_alpha"].pk).update(status=Status.REGISTERED)
    return zone


def test_host_reports_remote_state_and_result(api, finished, make_token):
    zone = finished
    alpha = make_token(zone["alpha"])
    path = f"/associations/{public_id(zone, 'beta_at_alpha')}"
    response = api.patch(path, {"remoteState": "associated", "result": COURSE_RESULT}, alpha)
    assert response.status_code == 200
    assert response.json()["associationId"] == public_id(zone, "beta_at_alpha")
    assert response.json()["state"] == "associated"  # a final result completes the enrolment
    result = Result.objects.get(request=zone["requests"]["beta_at_alpha"])
    assert (result.source, result.score, result.passed, result.ec) == ("system", "7.5", True, 5)
    assert EnrolmentRequest.objects.get(pk=result.request_id).status == Status.COMPLETED
    report = AssociationResult.objects.get(request=zone["requests"]["beta_at_alpha"], institution=zone["alpha"])
    assert (report.remote_state, report.result) == ("associated", COURSE_RESULT)
    # Both home and host read the result; remoteState is write-only in the spec and never echoed.
    for token in (alpha, make_token(zone["beta"])):
        association = api.get(path, token).json()
        assert association["result"] == COURSE_RESULT
        assert "remoteState" not in association


def test_filter_by_the_hosts_result_state(api, finished, make_token):
    zone = finished
    alpha = make_token(zone["alpha"])
    api.patch(f"/associations/{public_id(zone, 'beta_at_alpha')}", {"result": COURSE_RESULT}, alpha)
    path = f"/offerings/{mappers.offering_id(zone['offerings']['algorithms'])}/associations"
    assert ids_of(api.get(path, alpha, **{"result-state": "completed"})) == [public_id(zone, "beta_at_alpha")]
    assert ids_of(api.get(path, alpha, **{"result-state": "in progress"})) == []


def test_a_new_result_is_merged_into_the_reported_one(api, finished, make_token):
    zone = finished
    alpha = make_token(zone["alpha"])
    path = f"/associations/{public_id(zone, 'beta_at_alpha')}"
    api.patch(path, {"result": COURSE_RESULT}, alpha)
    corrected = {
        "state": "completed",
        "resultDate": (RESULT_DATE + dt.timedelta(days=1)).isoformat(),
        "score": "8.0",
        "studyLoad": COURSE_RESULT["studyLoad"],
    }
    assert api.patch(path, {"result": corrected}, alpha).status_code == 200
    assert api.get(path, alpha).json()["result"] == {**COURSE_RESULT, **corrected}  # "pass" stays


def test_same_patch_twice_changes_nothing_more(api, finished, make_token):
    zone = finished
    alpha = make_token(zone["alpha"])
    path = f"/associations/{public_id(zone, 'beta_at_alpha')}"
    for _ in range(2):
        assert api.patch(path, {"remoteState": "queued", "result": COURSE_RESULT}, alpha).status_code == 200
    assert AssociationResult.objects.filter(request=zone["requests"]["beta_at_alpha"]).count() == 1


def test_home_reports_its_own_state_but_no_result(api, zone, make_token):
    beta = make_token(zone["beta"])
    path = f"/associations/{public_id(zone, 'beta_at_alpha')}"
    assert api.patch(path, {"remoteState": "pending"}, beta).status_code == 200
    refused = api.patch(path, {"result": COURSE_RESULT}, beta)
    assert refused.status_code == 400  # the official spec documents 200 and 400 for this patch
    assert refused.json()["detail"] == "Only the host institution (which teaches the course) may report a result."
    reports = AssociationResult.objects.filter(request=zone["requests"]["beta_at_alpha"])
    assert [(r.institution_id, r.remote_state, r.result) for r in reports] == [(zone["beta"].pk, "pending", None)]


def test_a_result_the_results_rules_refuse_refuses_the_whole_patch(api, finished, make_token):
    """Out of scale: 400; and for a request not registered (Gamma's student is waitlisted): 409. The
    remoteState that came with it is not stored either."""
    zone = finished
    alpha = make_token(zone["alpha"])
    path = f"/associations/{public_id(zone, 'beta_at_alpha')}"
    response = api.patch(path, {"remoteState": "associated", "result": {**COURSE_RESULT, "score": "-3"}}, alpha)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The result was not recorded: -3 is not a score")
    waiting = api.patch(f"/associations/{public_id(zone, 'gamma_at_alpha')}", {"result": COURSE_RESULT}, alpha)
    assert waiting.status_code == 409
    assert not AssociationResult.objects.exists() and not Result.objects.exists()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"remoteState": "enrolled"}, "remoteState is not valid: 'enrolled' is not one of"),
        ({"result": RESULT}, "result is not valid: 'studyLoad' is a required property"),
        (
            {"result": {**COURSE_RESULT, "resultDate": "30-06-2027"}},
            "result is not valid: resultDate: '30-06-2027' is not a 'date'",
        ),
        ({"result": {"score": "8.0"}}, "result is not valid: 'state' is a required property"),
        ({"result": None}, "result is not valid: None for not nullable"),
        ({"remoteState": None}, "remoteState is not valid: None for not nullable"),
        ({"state": "associated"}, "Only remoteState and result can be changed; not: state."),
        ([1, 2], "The body is not a JSON object."),
        ("{not json", "The body is not a JSON object."),
    ],
)
def test_invalid_patches_are_bad_requests_and_change_nothing(api, zone, make_token, body, detail):
    response = api.patch(f"/associations/{public_id(zone, 'beta_at_alpha')}", body, make_token(zone["alpha"]))
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert not AssociationResult.objects.exists()


def test_patch_needs_merge_patch_json_write_scope_and_involvement(api, zone, make_token):
    path = f"/associations/{public_id(zone, 'beta_at_alpha')}"
    as_json = api.patch(path, {"remoteState": "pending"}, make_token(zone["alpha"]), content_type="application/json")
    assert as_json.status_code == 415
    read_only = api.patch(path, {"remoteState": "pending"}, make_token(zone["alpha"], (READ, ASSOCIATIONS_READ)))
    assert read_only.status_code == 403
    assert read_only.json()["detail"] == f"The token lacks the scope this operation needs: {ASSOCIATIONS_WRITE}."
    outsider = api.patch(path, {"remoteState": "pending"}, make_token(zone["gamma"]))
    assert outsider.status_code == 404
    assert not AssociationResult.objects.exists()
