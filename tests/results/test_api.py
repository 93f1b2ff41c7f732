"""The results API: record, correct and upload as the host; decide as the board; the transcript; bad
input answered with a clear message and nothing written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from results.models import Recognition, Result

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def body(zone, enrolment_request, **overrides):
    values = {
        "request": str(enrolment_request.public_id),
        "scale": "1-10",
        "score": "7.5",
        "ec": "5",
        "assessed_on": zone.offering.end_date.isoformat(),
    }
    return values | overrides


def test_record_correct_and_read_through_the_api(api, zone):
    request = zone.registered()
    api.force_authenticate(zone.host_admissions)
    created = api.post("/api/results/", body(zone, request), format="json")
    assert created.status_code == 201 and created.json()["passed"] is True
    result_id = created.json()["id"]
    fix = {"scale": "1-10", "score": "8", "ec": "5", "assessed_on": zone.offering.end_date.isoformat()}
    corrected = api.post(f"/api/results/{result_id}/correct/", fix | {"reason": "Re-marked"}, format="json")
    assert corrected.status_code == 201 and corrected.json()["corrects"] == result_id
    api.force_authenticate(zone.student.user)
    mine = api.get("/api/results/", {"request": str(request.public_id)}).json()["results"]
    assert [(r["score"], r["is_current"]) for r in mine] == [("8", True), ("7.5", False)]
    transcript = api.get("/api/transcript/").json()
    assert transcript[0]["result"]["score"] == "8" and transcript[0]["course"] == "RS101"


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"score": "12"}, 400, "not a score"),
        ({"request": "00000000-0000-0000-0000-000000000000"}, 403, "Only the host"),
        ({"request": "not-a-uuid"}, 400, "UUID"),
        ({"ec": "-1"}, 400, "greater than or equal to 0"),
    ],
)
def test_bad_input_is_answered_clearly_and_writes_nothing(api, zone, overrides, status, message):
    request = zone.registered()
    api.force_authenticate(zone.host_admissions)
    answer = api.post("/api/results/", body(zone, request) | overrides, format="json")
    assert answer.status_code == status
    assert message in str(answer.json())
    assert not Result.objects.exists()


def test_a_tampered_result_id_is_not_found(api, zone):
    request = zone.registered(offering=zone.other_offering)
    result = Result.objects.create(
        request=request, scale="1-10", score="7", passed=True, ec=5, assessed_on=zone.offering.end_date
    )
    api.force_authenticate(zone.host_admissions)
    fix = {"scale": "1-10", "score": "8", "ec": "5", "assessed_on": zone.offering.end_date.isoformat(), "reason": "x"}
    assert api.post(f"/api/results/{result.pk}/correct/", fix, format="json").status_code == 404
    assert api.post("/api/results/999999/correct/", fix, format="json").status_code == 404
    assert Result.objects.count() == 1


def test_an_upload_with_wrong_columns_gets_a_report(api, zone):
    zone.registered()
    api.force_authenticate(zone.host_admissions)
    upload = SimpleUploadedFile("r.csv", b"course,email\nRS101-A,ruth@student.example\n", "text/csv")
    answer = api.post("/api/results/upload/", {"institution": zone.host.code, "file": upload}, format="multipart")
    assert answer.status_code == 400
    assert "columns are not right" in answer.json()["problem"] and answer.json()["written"] == 0
    assert not Result.objects.exists()


def test_the_board_decides_through_the_api(api, zone):
    from accounts.models import StaffRole
    from tests.factories import ProgrammeFactory, StaffRoleFactory

    zone.student.programme = ProgrammeFactory(institution=zone.home)
    zone.student.save(update_fields=["programme"])
    request = zone.registered()
    api.force_authenticate(zone.host_admissions)
    api.post("/api/results/", body(zone, request), format="json")
    waiting = Recognition.objects.get(request=request)
    board = StaffRoleFactory(institution=zone.home, role=StaffRole.Role.EXAMINATION_BOARD).user
    api.force_authenticate(board)
    assert [r["id"] for r in api.get("/api/recognitions/", {"status": "waiting"}).json()["results"]] == [waiting.pk]
    decided = api.post(
        f"/api/recognitions/{waiting.pk}/decide/",
        {"recognised": True, "reason": "fits", "counts_as": "minor", "make_precedent": True},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "recognised"
    assert api.get("/api/precedents/", {"q": "RS101"}).json()["results"][0]["counts_as"] == "minor"
