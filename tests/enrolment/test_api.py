"""The enrolment API: idempotent creation, transitions as POST verbs, clear errors, nothing half-written."""

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from enrolment.models import EnrolmentRequest, RequestEvent, Status

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def enrol(client, offering, **extra):
    return client.post(
        "/api/enrolments/", {"offering": offering.pk, "motivation": "I want to learn this", **extra}, format="json"
    )


def test_create_then_read_with_timeline_and_actions(zone):
    student = client_for(zone["student"].user)
    response = enrol(student, zone["offering"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["offering"]["code"] == "HOST101"
    assert [e["to_status"] for e in body["timeline"]] == ["submitted"]
    assert body["actions"] == ["cancel"]
    detail = student.get(f"/api/enrolments/{body['id']}/").json()
    assert detail["id"] == body["id"]
    listing = student.get("/api/enrolments/").json()
    assert listing["count"] == 1


def test_the_same_idempotency_key_returns_the_first_answer(zone):
    student = client_for(zone["student"].user)
    key = str(uuid.uuid4())
    first = student.post("/api/enrolments/", {"offering": zone["offering"].pk}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = student.post("/api/enrolments/", {"offering": zone["offering"].pk}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert EnrolmentRequest.objects.count() == 1
    other = student.post(
        "/api/enrolments/",
        {"offering": zone["offering"].pk, "motivation": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert other.status_code == 422
    assert other.json()["detail"] == "This Idempotency-Key was already used for a different request."


def test_enrolling_twice_without_a_key_is_a_clear_409(zone):
    student = client_for(zone["student"].user)
    assert enrol(student, zone["offering"]).status_code == 201
    second = enrol(student, zone["offering"])
    assert second.status_code == 409
    assert second.json()["code"] == "duplicate_request"
    assert "You already have a request for this offering" in second.json()["detail"]
    assert EnrolmentRequest.objects.count() == 1


def test_outside_the_window_says_when_it_opens(zone):
    offering = zone["offering"]
    offering.enrol_opens_at = timezone.now() + dt.timedelta(days=2)
    offering.save()
    response = enrol(client_for(zone["student"].user), offering)
    assert response.status_code == 400
    assert response.json()["code"] == "not_eligible"
    assert "Enrolment opens on" in response.json()["detail"] and "(Amsterdam time)" in response.json()["detail"]
    assert response.json()["reasons"] == ["window"]
    assert EnrolmentRequest.objects.count() == RequestEvent.objects.count() == 0


def test_an_invisible_offering_is_refused_with_the_reason(zone):
    offering = zone["offering"]
    offering.visible_partners = False
    offering.save()
    response = enrol(client_for(zone["student"].user), offering)
    assert response.status_code == 400
    assert "not open to students of your institution" in response.json()["detail"]
    assert EnrolmentRequest.objects.count() == 0


def test_a_student_cannot_approve(zone):
    student = client_for(zone["student"].user)
    created = enrol(student, zone["offering"]).json()
    response = student.post(f"/api/enrolments/{created['id']}/approve/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "You are not allowed to do this for this request."
    assert EnrolmentRequest.objects.get().status == Status.SUBMITTED


def test_transition_from_the_wrong_state_is_a_409(zone):
    student = client_for(zone["student"].user)
    created = enrol(student, zone["offering"]).json()
    response = student.post(f"/api/enrolments/{created['id']}/withdraw/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "wrong_state"
    assert RequestEvent.objects.count() == 1


@pytest.mark.parametrize(
    "tampered", ["00000000-0000-0000-0000-000000000000", "1", "../../etc/passwd", "%27%20OR%201=1"]
)
def test_tampered_ids_are_404(zone, tampered):
    student = client_for(zone["student"].user)
    enrol(student, zone["offering"])
    assert student.get(f"/api/enrolments/{tampered}/").status_code == 404
    assert student.post(f"/api/enrolments/{tampered}/cancel/", {}, format="json").status_code == 404


def test_others_requests_are_invisible(zone):
    created = enrol(client_for(zone["student"].user), zone["offering"]).json()
    for intruder in (zone["students"][1].user, zone["staff"]["other_approver"], zone["staff"]["admissions"]):
        # The host sees a request only once the home institution approved it.
        client = client_for(intruder)
        assert client.get(f"/api/enrolments/{created['id']}/").status_code == 404
        assert (
            client.post(f"/api/enrolments/{created['id']}/cancel/", {"reason": "other"}, format="json").status_code
            == 404
        )
    assert client_for(zone["staff"]["approver"]).get(f"/api/enrolments/{created['id']}/").status_code == 200


def test_oversized_and_wrong_type_uploads_write_nothing(zone, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    student = client_for(zone["student"].user)
    fake = SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = student.post("/api/enrolments/", {"offering": zone["offering"].pk, "document": fake}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"] == "Upload a PDF document."
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024 + 1), content_type="application/pdf")
    response = student.post("/api/enrolments/", {"offering": zone["offering"].pk, "document": big}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"] == "The document is too large: at most 5 MB."
    assert EnrolmentRequest.objects.count() == 0
    assert not any(tmp_path.rglob("*.pdf"))
    ok = SimpleUploadedFile("motivation.pdf", b"%PDF-1.7 small", content_type="application/pdf")
    response = student.post("/api/enrolments/", {"offering": zone["offering"].pk, "document": ok}, format="multipart")
    assert response.status_code == 201 and response.json()["has_document"] is True
    stored = list(tmp_path.rglob("*.pdf"))
    assert len(stored) == 1 and "motivation" not in stored[0].name


def test_staff_flow_and_bulk_decisions(zone):
    students = zone["students"]
    ids = [enrol(client_for(s.user), zone["offering"]).json()["id"] for s in students[:3]]
    approver = client_for(zone["staff"]["approver"])
    result = approver.post("/api/enrolments/bulk/", {"ids": ids[:2], "verb": "approve"}, format="json").json()[
        "results"
    ]
    assert all(r["ok"] for r in result.values())
    denied = approver.post(
        "/api/enrolments/bulk/", {"ids": [ids[2]], "verb": "deny", "reason": "not_in_programme"}, format="json"
    )
    assert denied.json()["results"][ids[2]]["status"] == "home_denied"
    again = approver.post("/api/enrolments/bulk/", {"ids": [ids[0]], "verb": "approve"}, format="json").json()[
        "results"
    ]
    assert again[ids[0]]["ok"] is False and again[ids[0]]["code"] == "wrong_state"
    statuses = dict(EnrolmentRequest.objects.values_list("public_id", "status"))
    assert sorted(statuses.values()) == ["home_denied", "registered", "registered"]


def test_headless_session_token_authenticates_the_api(zone, client):
    user = zone["student"].user
    login = client.post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": "correct horse battery staple"},
        content_type="application/json",
    )
    assert login.status_code == 200, login.content
    token = login.json()["meta"]["session_token"]
    api = APIClient()
    response = api.post(
        "/api/enrolments/", {"offering": zone["offering"].pk}, format="json", HTTP_X_SESSION_TOKEN=token
    )
    assert response.status_code == 201, response.content
    assert APIClient().post("/api/enrolments/", {"offering": zone["offering"].pk}, format="json").status_code in (
        401,
        403,
    )


def test_every_enrolment_endpoint_is_in_the_schema(client, zone):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    assert "/api/enrolments/" in paths and {"get", "post"} <= set(paths["/api/enrolments/"])
    transition = paths["/api/enrolments/{id}/{verb}/"]["post"]
    verbs = next(p for p in transition["parameters"] if p["name"] == "verb")["schema"]["enum"]
    assert set(verbs) == {
        "approve",
        "deny",
        "admit",
        "waitlist",
        "reject",
        "accept",
        "decline",
        "cancel",
        "withdraw",
        "resubmit",
        "staff_cancel",
    }
    assert "/api/enrolments/bulk/" in paths and "/api/enrolments/eligibility/" in paths


def test_the_schema_documents_each_transitions_own_body():
    """Each transition documents reason, comment and motivation, not the body that creates a request."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    body = schema["components"]["schemas"]["TransitionRequest"]["properties"]
    assert set(body) == {"reason", "comment", "motivation"}
    operation = schema["paths"]["/api/enrolments/{id}/{verb}/"]["post"]
    content = operation["requestBody"]["content"]["application/json"]["schema"]
    assert content == {"$ref": "#/components/schemas/TransitionRequest"}
    # Who may use each verb, and from where, is in the description, written from the action table.
    assert "- `deny`: Home staff" in operation["description"] and "`reason` required" in operation["description"]
