"""The API and the pages over the same services: the API's error shape for a stale save (409), bad input
(400) and tampered ids (404); the composer, the board's review, the overview and its PDF."""

import pytest
from django.test import Client

from enrolment.models import EnrolmentRequest
from routes.mijndiploma.models import ProgrammeVersion, VersionItem
from routes.mijndiploma.services import composing, review

API = "/api/mijndiploma/"


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def student(zone):
    return client_for(zone.student.user)


def test_start_save_and_check_through_the_api(zone, student):
    started = student.post(f"{API}programme/", content_type="application/json")
    assert started.status_code == 200
    version = started.json()
    assert (version["number"], version["status"], version["row_version"]) == (1, "draft", 1)
    a, b = zone.offer(code="API1"), zone.offer(zone.x, code="API2", quarter=2)
    saved = student.post(
        f"{API}versions/{version['id']}/items/",
        {"row_version": 1, "items": [{"offering": a.pk}, {"offering": b.pk}]},
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    assert [i["code"] for i in saved.json()["items"]] == ["API1", "API2"]
    checks = student.get(f"{API}versions/{version['id']}/checks/").json()
    assert checks["passed"] is True
    stale = student.post(
        f"{API}versions/{version['id']}/items/", {"row_version": 1, "items": []}, content_type="application/json"
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert stale.json()["current_row_version"] == 2
    assert stale.json()["detail"].startswith("This version was changed by someone else since you opened it")
    assert VersionItem.objects.filter(version_id=version["id"]).count() == 2


def test_api_bad_input(zone, student):
    version = zone.compose(zone.offer(code="BAD1"))
    hidden = zone.offer(zone.x, visible_partners=False)
    url = f"{API}versions/{version.pk}/items/"
    invisible = student.post(
        url, {"row_version": 2, "items": [{"offering": hidden.pk}]}, content_type="application/json"
    )
    assert invisible.status_code == 400
    assert invisible.json() == {
        "detail": f"#{hidden.pk} is not open to students of your institution.",
        "code": "offering_not_allowed",
    }
    malformed = student.post(url, {"row_version": "x", "items": [{"offering": "y"}]}, content_type="application/json")
    assert malformed.status_code == 400 and set(malformed.json()) == {"row_version", "items"}
    assert (
        student.post(
            f"{API}versions/999999/items/", {"row_version": 2, "items": []}, content_type="application/json"
        ).status_code
        == 404
    )
    assert VersionItem.objects.filter(version=version).count() == 1


def test_stale_approval_through_the_api_answers_409(zone):
    version = zone.compose(zone.offer(ec=5), zone.offer(zone.x, ec=5, quarter=2))
    version = composing.version_submit(user=zone.student.user, version_id=version.pk, row_version=version.row_version)
    board = client_for(zone.board)
    stale = board.post(
        f"{API}versions/{version.pk}/decide/",
        {"decision": "approve", "row_version": version.row_version - 1},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    ok = board.post(
        f"{API}versions/{version.pk}/decide/",
        {"decision": "approve", "row_version": version.row_version},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "approved"


def test_the_composer_page_adds_removes_and_shows_the_rules(zone, student):
    composing.programme_start(user=zone.student.user)
    version = ProgrammeVersion.objects.get()
    offering = zone.offer(code="PAGE1")
    page = student.get("/mijndiploma/?q=PAGE1")
    assert page.status_code == 200
    assert "Add PAGE1" in page.content.decode()
    added = student.post(
        "/mijndiploma/", {"action": "add", "version": version.pk, "row_version": 1, "offering": offering.pk}
    )
    assert added.status_code == 302
    page = student.get("/mijndiploma/").content.decode()
    assert 'data-code="ec_under"' in page and "fewer than the minimum of 10 EC" in page
    stale = student.post(
        "/mijndiploma/", {"action": "remove", "version": version.pk, "row_version": 1, "offering": offering.pk}
    )
    assert stale.status_code == 409
    assert "Reload the page to see the current version" in stale.content.decode()
    assert VersionItem.objects.filter(version=version).count() == 1


def test_the_board_reviews_on_its_page_and_the_overview_prints(zone):
    version = zone.compose(zone.offer(ec=5, code="REV1"), zone.offer(zone.x, ec=5, quarter=2, code="REV2"))
    version = composing.version_submit(user=zone.student.user, version_id=version.pk, row_version=version.row_version)
    board = client_for(zone.board)
    assert zone.student.user.get_full_name() in board.get("/mijndiploma/board/").content.decode()
    item = version.items.get(offering__course__code="REV2")
    answer = board.post(
        f"/mijndiploma/board/{version.pk}/",
        {"decision": "ask_changes", "row_version": version.row_version, f"comment_{item.pk}": "Choose REV3 instead."},
    )
    assert answer.status_code == 302
    item.refresh_from_db()
    assert item.board_comment == "Choose REV3 instead."
    again = board.post(f"/mijndiploma/board/{version.pk}/", {"decision": "approve", "row_version": version.row_version})
    assert again.status_code == 409
    second = composing.version_new(user=zone.student.user)
    second = composing.version_submit(user=zone.student.user, version_id=second.pk, row_version=second.row_version)
    review.version_decide(user=zone.board, version_id=second.pk, row_version=second.row_version, decision="approve")
    overview = client_for(zone.student.user).get(f"/mijndiploma/versions/{second.pk}/").content.decode()
    assert "Version 2: Approved" in overview and "Decision of the examination board: Approved on" in overview
    pdf = client_for(zone.student.user).get(f"/mijndiploma/versions/{second.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert client_for(zone.other_board).get(f"/mijndiploma/versions/{second.pk}.pdf").status_code == 404


def test_an_approved_item_elsewhere_becomes_an_enrolment_request_of_route_my_diploma(zone, student):
    elsewhere = zone.offer(zone.x, ec=5, quarter=2, code="ENR1")
    elsewhere.course.suitable_routes = ["my_diploma"]
    elsewhere.course.save()
    version = zone.compose(zone.offer(ec=5), elsewhere)
    version = composing.version_submit(user=zone.student.user, version_id=version.pk, row_version=version.row_version)
    review.version_decide(user=zone.board, version_id=version.pk, row_version=version.row_version, decision="approve")
    item = version.items.get(offering=elsewhere)
    asked = student.post(f"{API}items/{item.pk}/enrol/", content_type="application/json")
    assert asked.status_code == 201, asked.content
    request = EnrolmentRequest.objects.get(public_id=asked.json()["request"])
    assert (request.route, request.offering_id, request.student_id) == ("my_diploma", elsewhere.pk, zone.student.pk)
    twice = student.post(f"{API}items/{item.pk}/enrol/", content_type="application/json")
    assert twice.status_code == 400 and twice.json()["code"] == "already_asked"
    home_item = version.items.exclude(offering=elsewhere).get()
    assert (
        student.post(f"{API}items/{home_item.pk}/enrol/", content_type="application/json").json()["code"]
        == "not_elsewhere"
    )
    assert EnrolmentRequest.objects.count() == 1


def test_enrolments_own_rules_refuse_and_nothing_is_written(zone, student):
    elsewhere = zone.offer(zone.x, ec=5, quarter=2, code="ENR2")  # suitable for off the beaten path only
    version = zone.compose(zone.offer(ec=5), elsewhere)
    version = composing.version_submit(user=zone.student.user, version_id=version.pk, row_version=version.row_version)
    review.version_decide(user=zone.board, version_id=version.pk, row_version=version.row_version, decision="approve")
    item = version.items.get(offering=elsewhere)
    refused = student.post(f"{API}items/{item.pk}/enrol/", content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "route_not_open"
    item.refresh_from_db()
    assert item.enrolment_request is None and not EnrolmentRequest.objects.exists()
