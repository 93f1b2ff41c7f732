"""The staff console: queues per institution and side, row and bulk decisions, CSV, documents, seats."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enrolment.errors import NO_SEAT_MESSAGE, REASON_REQUIRED_MESSAGE
from enrolment.models import EnrolmentRequest, SeatReservation, Status
from enrolment.services import admission, approval, requests
from tests.enrolment_pages.conftest import PDF

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
OUTGOING = "/enrolment/staff/home-u/outgoing/"
INCOMING = "/enrolment/staff/host-u/incoming/"
BULK = "/enrolment/staff/home-u/outgoing/bulk/"


def submit_for(zone, count, offering_key="offering"):
    return [requests.request_submit(user=s.user, offering_id=zone[offering_key].pk) for s in zone["students"][:count]]


# --- landing and access -----------------------------------------------------------------------------------


def test_landing_lists_the_sides_each_user_may_open(client, zone):
    client.force_login(zone["staff"]["approver"])
    page = client.get("/enrolment/staff/", **EN).content.decode()
    assert 'data-institution="home-u" data-side="outgoing"' in page
    assert OUTGOING in page and INCOMING not in page
    client.force_login(zone["staff"]["admissions"])
    page = client.get("/enrolment/staff/", **EN).content.decode()
    assert INCOMING in page and OUTGOING not in page
    assert "Staff console" in page  # the header link for staff


@pytest.mark.parametrize("who", ["coordinator", "student", "catalogue_manager"])
def test_people_without_a_queue_role_get_403_everywhere(client, zone, who):
    user = {"coordinator": zone["coordinator"], "student": zone["student"].user}.get(who) or zone["staff"][who]
    client.force_login(user)
    for url in ("/enrolment/staff/", OUTGOING, INCOMING, f"/enrolment/staff/offerings/{zone['offering'].pk}/seats/"):
        response = client.get(url, **EN)
        assert response.status_code == 403, url
        assert "You are not allowed to do this for this request." in response.content.decode()
    assert client.post(BULK, {"ids": [], "verb": "approve"}).status_code == 403


def test_staff_of_one_side_cannot_open_the_other(client, zone):
    client.force_login(zone["staff"]["approver"])
    assert client.get(INCOMING).status_code == 403
    assert client.get("/enrolment/staff/other-u/outgoing/").status_code == 403
    client.force_login(zone["staff"]["admissions"])
    assert client.get(OUTGOING).status_code == 403
    assert client.get("/enrolment/staff/nowhere/outgoing/").status_code == 404


def test_staff_pages_need_login(client, zone):
    assert client.get(OUTGOING)["Location"].startswith("/accounts/login/")


# --- outgoing (home approval) -----------------------------------------------------------------------------


def test_outgoing_queue_filters_and_rows(client, zone):
    first, second, third = submit_for(zone, 3)
    approval.home_deny(user=zone["staff"]["approver"], request_id=third.pk, reason="study_progress")
    client.force_login(zone["staff"]["approver"])
    # The queue opens on what needs the approver's action: the denied request is behind "All requests".
    page = client.get(OUTGOING, **EN).content.decode()
    assert all(f'data-request="{r.public_id}"' in page for r in (first, second))
    assert f'data-request="{third.public_id}"' not in page
    page = client.get(OUTGOING + "?show=all", **EN).content.decode()
    assert all(f'data-request="{r.public_id}"' in page for r in (first, second, third))
    assert page.count('form="bulk-form"') == 2  # only rows that can still be approved
    assert 'name="verb" value="approve"' in page

    page = client.get(OUTGOING + "?show=all&status=home_denied", **EN).content.decode()
    assert f'data-request="{third.public_id}"' in page and f'data-request="{first.public_id}"' not in page

    number = zone["students"][1].student_number
    page = client.get(OUTGOING + f"?q={number}", **EN).content.decode()
    assert f'data-request="{second.public_id}"' in page and f'data-request="{first.public_id}"' not in page

    response = client.get(OUTGOING + "?status=nonsense", **EN)
    assert response.status_code == 400


def test_row_approve_and_deny(client, zone):
    first, second = submit_for(zone, 2)
    client.force_login(zone["staff"]["approver"])
    response = client.post(OUTGOING + "?status=submitted", {"request": first.public_id, "verb": "approve"}, **EN)
    assert response.status_code == 302 and response["Location"] == OUTGOING + "?status=submitted"
    first.refresh_from_db()
    assert first.status == Status.REGISTERED  # first come, first served with free seats

    # A denial without a reason: the service's message, as a 400, and nothing changes.
    response = client.post(OUTGOING, {"request": second.public_id, "verb": "deny"}, **EN)
    assert response.status_code == 400
    assert str(REASON_REQUIRED_MESSAGE).replace("'", "&#x27;") in response.content.decode()
    second.refresh_from_db()
    assert second.status == Status.SUBMITTED

    response = client.post(
        OUTGOING, {"request": second.public_id, "verb": "deny", "reason": "level_mismatch", "comment": "Too advanced"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.HOME_DENIED
    event = second.events.order_by("pk").last()
    assert (event.reason, event.comment, event.actor_role) == ("level_mismatch", "Too advanced", "home_approver")


def test_wrong_state_row_action_is_409(client, zone):
    (first,) = submit_for(zone, 1)
    approval.home_approve(user=zone["staff"]["approver"], request_id=first.pk)
    client.force_login(zone["staff"]["approver"])
    response = client.post(OUTGOING, {"request": first.public_id, "verb": "approve"}, **EN)
    assert response.status_code == 409
    assert "it cannot be approved now" in response.content.decode()


def test_other_institutions_staff_cannot_decide(client, zone):
    (first,) = submit_for(zone, 1)
    client.force_login(zone["staff"]["other_approver"])
    assert (
        client.post("/enrolment/staff/other-u/outgoing/", {"request": first.public_id, "verb": "approve"}).status_code
        == 404
    )
    assert client.post(OUTGOING, {"request": first.public_id, "verb": "approve"}).status_code == 403
    first.refresh_from_db()
    assert first.status == Status.SUBMITTED


def test_bulk_approve_and_deny(client, zone):
    first, second, third = submit_for(zone, 3)
    client.force_login(zone["staff"]["approver"])
    response = client.post(BULK, {"ids": [first.public_id, second.public_id], "verb": "approve"}, **EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-ok="true"') == 2
    first.refresh_from_db()
    second.refresh_from_db()
    # Capacity 2, first come first served: both admitted and registered.
    assert first.status == second.status == Status.REGISTERED

    # A denial needs a reason; each request is reported on its own.
    response = client.post(BULK, {"ids": [third.public_id], "verb": "deny"}, **EN)
    assert response.status_code == 400
    assert str(REASON_REQUIRED_MESSAGE).replace("'", "&#x27;") in response.content.decode()

    response = client.post(
        BULK, {"ids": [third.public_id, first.public_id], "verb": "deny", "reason": "not_in_programme"}, **EN
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-request="{third.public_id}" data-ok="true"' in page
    assert f'data-request="{first.public_id}" data-ok="false"' in page
    assert "it cannot be denied now" in page
    third.refresh_from_db()
    assert third.status == Status.HOME_DENIED


def test_bulk_needs_a_selection(client, zone):
    client.force_login(zone["staff"]["approver"])
    response = client.post(BULK, {"verb": "approve"}, **EN)
    assert response.status_code == 400
    assert "Select at least one request." in response.content.decode()


def test_bulk_cannot_decide_for_another_institution(client, zone):
    (first,) = submit_for(zone, 1)
    client.force_login(zone["staff"]["other_approver"])
    response = client.post("/enrolment/staff/other-u/outgoing/bulk/", {"ids": [first.public_id], "verb": "approve"})
    assert response.status_code == 400  # reported per request: not found for them
    first.refresh_from_db()
    assert first.status == Status.SUBMITTED


def test_csv_export_of_the_filtered_queue(client, zone):
    first, second = submit_for(zone, 2)
    approval.home_deny(user=zone["staff"]["approver"], request_id=second.pk, reason="study_progress")
    student = zone["students"][0]
    student.user.last_name = "=HYPERLINK(1)"
    student.user.save()
    client.force_login(zone["staff"]["approver"])
    response = client.get(OUTGOING + "?status=submitted&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="home-u-outgoing-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Name",
        "Student number",
        "Home institution",
        "Host institution",
        "Course code",
        "Course title",
        "Status",
        "Submitted (Amsterdam time)",
    ]
    assert len(rows) == 2
    name, number, home, host, code, title, status, submitted_at = rows[1]
    assert name == "Sam =HYPERLINK(1)"
    assert (number, home, host, code, title, status) == (
        student.student_number,
        "HOME",
        "HOST",
        "HOST101",
        "Energy Systems",
        "Submitted, awaiting home approval",
    )
    assert submitted_at.endswith(("+01:00", "+02:00"))  # Amsterdam time
    assert student.user.email not in response.content.decode()

    everything = list(csv.reader(io.StringIO(client.get(OUTGOING + "?show=all&format=csv").content.decode())))
    assert len(everything) == 3
    assert everything[1][6] != everything[2][6]  # readable labels, one per status
    assert "Denied by home institution" in {row[6] for row in everything}

    # In Dutch the headers, the title and the labels are Dutch.
    dutch = client.get(OUTGOING + "?show=all&format=csv", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    dutch_rows = list(csv.reader(io.StringIO(dutch)))
    assert dutch_rows[0][0] == "Naam"
    assert "Afgewezen door thuisinstelling" in {row[6] for row in dutch_rows}


def test_csv_cells_that_look_like_formulas_are_defused(client, zone):
    (first,) = submit_for(zone, 1)
    user = zone["students"][0].user
    user.first_name, user.last_name = "", "=cmd|' /C calc'!A0"
    user.save()
    client.force_login(zone["staff"]["approver"])
    rows = list(csv.reader(io.StringIO(client.get(OUTGOING + "?format=csv").content.decode())))
    assert rows[1][0] == "'=cmd|' /C calc'!A0"


def test_csv_is_refused_to_others(client, zone):
    client.force_login(zone["staff"]["admissions"])
    assert client.get(OUTGOING + "?format=csv").status_code == 403


# --- incoming (host admissions) ---------------------------------------------------------------------------


def test_incoming_queue_shows_approved_requests_with_host_actions(client, zone, approved_for_selection):
    pending = requests.request_submit(user=zone["students"][1].user, offering_id=zone["selection"].pk)
    client.force_login(zone["staff"]["admissions"])
    page = client.get(INCOMING, **EN).content.decode()
    assert f'data-request="{approved_for_selection.public_id}"' in page
    assert f'data-request="{pending.public_id}"' not in page  # not approved by home yet
    for verb in ("admit", "waitlist", "reject"):
        assert f'name="verb" value="{verb}"' in page
    assert 'form="bulk-form"' not in page
    assert f"/enrolment/staff/offerings/{zone['selection'].pk}/seats/" in page


def test_host_admits_waitlists_and_rejects(client, zone, approved_for_selection):
    others = [requests.request_submit(user=s.user, offering_id=zone["selection"].pk) for s in zone["students"][1:3]]
    for other in others:
        approval.home_approve(user=zone["staff"]["approver"], request_id=other.pk)
    client.force_login(zone["staff"]["admissions"])
    assert client.post(INCOMING, {"request": approved_for_selection.public_id, "verb": "admit"}).status_code == 302
    approved_for_selection.refresh_from_db()
    assert approved_for_selection.status == Status.REGISTERED

    # The only seat is gone: admitting another is refused with the service's message.
    response = client.post(INCOMING, {"request": others[0].public_id, "verb": "admit"}, **EN)
    assert response.status_code == 409
    assert str(NO_SEAT_MESSAGE) in response.content.decode()

    assert client.post(INCOMING, {"request": others[0].public_id, "verb": "waitlist"}).status_code == 302
    response = client.post(INCOMING, {"request": others[1].public_id, "verb": "reject"}, **EN)
    assert response.status_code == 400  # a denial needs a reason
    response = client.post(INCOMING, {"request": others[1].public_id, "verb": "reject", "reason": "selection"})
    assert response.status_code == 302
    statuses = dict(EnrolmentRequest.objects.filter(pk__in=[o.pk for o in others]).values_list("pk", "status"))
    assert statuses == {others[0].pk: Status.WAITLISTED, others[1].pk: Status.HOST_DENIED}


def test_home_staff_cannot_take_host_decisions(client, zone, approved_for_selection):
    client.force_login(zone["staff"]["approver"])
    response = client.post(f"/enrolment/requests/{approved_for_selection.public_id}/act/", {"verb": "admit"}, **EN)
    assert response.status_code == 403
    approved_for_selection.refresh_from_db()
    assert approved_for_selection.status == Status.HOME_APPROVED


def test_staff_cancel_needs_a_reason(client, zone, approved_for_selection):
    client.force_login(zone["staff"]["admissions"])
    url = f"/enrolment/requests/{approved_for_selection.public_id}/act/"
    page = client.get(f"/enrolment/requests/{approved_for_selection.public_id}/", **EN).content.decode()
    # One decision form: the actions are its choices.
    assert 'name="verb" value="staff_cancel"' in page and 'name="verb" value="admit"' in page
    assert client.post(url, {"verb": "staff_cancel"}, **EN).status_code == 400
    assert client.post(url, {"verb": "staff_cancel", "reason": "offering_cancelled"}).status_code == 302
    approved_for_selection.refresh_from_db()
    assert approved_for_selection.status == Status.CANCELLED


# --- documents -------------------------------------------------------------------------------------------


def test_document_download_checks_access(client, zone):
    request = requests.request_submit(
        user=zone["student"].user,
        offering_id=zone["selection"].pk,
        document=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
    )
    url = f"/enrolment/requests/{request.public_id}/document/"
    # The host sees nothing before home approval; home staff and the student do.
    client.force_login(zone["staff"]["admissions"])
    assert client.get(url).status_code == 404
    for user in (zone["staff"]["approver"], zone["student"].user):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF  # read to the end: that closes the file
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="request-{request.public_id}.pdf"'
    approval.home_approve(user=zone["staff"]["approver"], request_id=request.pk)
    client.force_login(zone["staff"]["admissions"])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    page = client.get(f"/enrolment/requests/{request.public_id}/", **EN).content.decode()
    assert url in page
    for intruder in (zone["staff"]["other_admissions"], zone["students"][1].user, zone["coordinator"]):
        client.force_login(intruder)
        assert client.get(url).status_code == 404


def test_no_document_is_404(client, zone, submitted):
    client.force_login(zone["student"].user)
    assert client.get(f"/enrolment/requests/{submitted.public_id}/document/").status_code == 404


def test_media_is_not_served_directly(client, zone):
    assert client.get("/media/enrolment/").status_code == 404


# --- seats ----------------------------------------------------------------------------------------------


def test_seat_view_for_host_admissions(client, zone, approved_for_selection):
    selection = zone["selection"]
    selection.capacity = 3
    selection.save()
    import datetime as dt

    from django.utils import timezone

    SeatReservation.objects.create(
        offering=selection, institution=zone["other"], seats=1, release_at=timezone.now() + dt.timedelta(days=3)
    )
    admission.host_admit(request_id=approved_for_selection.pk, actor=zone["staff"]["admissions"])
    waiting = []
    for student in zone["students"][1:3]:
        r = requests.request_submit(user=student.user, offering_id=selection.pk)
        approval.home_approve(user=zone["staff"]["approver"], request_id=r.pk)
        admission.host_waitlist(request_id=r.pk, actor=zone["staff"]["admissions"])
        waiting.append(r)
    client.force_login(zone["staff"]["admissions"])
    response = client.get(f"/enrolment/staff/offerings/{selection.pk}/seats/", **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="seats-capacity">3<' in page
    assert 'id="seats-taken">1<' in page
    assert 'id="seats-held">1<' in page
    assert 'id="seats-free">1<' in page
    assert "On the waitlist" in page and "Registered at both institutions" in page
    assert "OTHER" in page
    assert page.index(str(waiting[0].public_id)) < page.index(str(waiting[1].public_id))


def test_seat_view_is_for_the_hosts_admissions_only(client, zone):
    url = f"/enrolment/staff/offerings/{zone['offering'].pk}/seats/"
    for user in (zone["staff"]["approver"], zone["staff"]["other_admissions"], zone["student"].user):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(zone["staff"]["admissions"])
    assert client.get("/enrolment/staff/offerings/999999/seats/").status_code == 404
