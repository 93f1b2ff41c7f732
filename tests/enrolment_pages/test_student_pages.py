"""My requests, a request's page with its timeline, and the student's buttons."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import formats, translation

from enrolment.errors import USE_WITHDRAW_MESSAGE
from enrolment.models import EnrolmentRequest, Status
from enrolment.services import admission, approval, requests

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def detail_url(request):
    return f"/enrolment/requests/{request.public_id}/"


def act(client, request, verb, **data):
    # As after the confirmation step (the second press) for the actions that end a request.
    return client.post(f"/enrolment/requests/{request.public_id}/act/", {"verb": verb, "confirmed": "on", **data}, **EN)


def test_my_requests_lists_only_my_own(client, zone, submitted):
    mine_elsewhere = requests.request_submit(user=zone["student"].user, offering_id=zone["selection"].pk)
    others = requests.request_submit(user=zone["students"][1].user, offering_id=zone["offering"].pk)
    client.force_login(zone["student"].user)
    response = client.get("/enrolment/requests/", **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert str(submitted.public_id) in page and str(mine_elsewhere.public_id) in page
    assert str(others.public_id) not in page
    assert "Submitted, awaiting home approval" in page
    assert "HOST101" in page and "HOST202" in page


def test_my_requests_needs_login(client):
    response = client.get("/enrolment/requests/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_non_students_see_an_explanation(client, zone):
    client.force_login(zone["staff"]["approver"])
    page = client.get("/enrolment/requests/", **EN).content.decode()
    assert "your account has no student profile" in page


def test_timeline_in_amsterdam_time_with_reasons_and_roles_but_no_staff_names(client, zone, submitted):
    approver = zone["staff"]["approver"]
    approver.first_name, approver.last_name = "Petra", "Approver-Name"
    approver.save()
    approval.home_approve(user=approver, request_id=submitted.pk, comment="Fits the minor")
    client.force_login(zone["student"].user)
    response = client.get(detail_url(submitted), **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Registered at both institutions" in page
    assert "Approved by home institution" in page
    assert "First come, first served" in page  # reason label of the admission
    assert "Fits the minor" in page
    assert "Home approver" in page and "Portal (automatic)" in page
    assert "Approver-Name" not in page and "Petra" not in page
    first = submitted.events.order_by("at", "pk").first()
    with translation.override("en"):
        expected = formats.date_format(first.at.astimezone(ZoneInfo("Europe/Amsterdam")), "j F Y, H:i")
    assert expected in page
    assert len(re.findall(r"<tr data-to=", page)) == 4


def test_others_requests_are_404(client, zone, submitted):
    for intruder in (zone["students"][1].user, zone["staff"]["other_approver"], zone["coordinator"]):
        client.force_login(intruder)
        assert client.get(detail_url(submitted)).status_code == 404
        assert act(client, submitted, "cancel").status_code == 404
        assert client.get(f"/enrolment/requests/{submitted.public_id}/document/").status_code == 404
    client.force_login(zone["student"].user)
    assert client.get("/enrolment/requests/00000000-0000-0000-0000-000000000000/").status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_host_does_not_see_a_request_before_home_approval(client, zone, submitted):
    client.force_login(zone["staff"]["admissions"])
    assert client.get(detail_url(submitted)).status_code == 404


def test_student_cancels(client, zone, submitted):
    client.force_login(zone["student"].user)
    page = client.get(detail_url(submitted), **EN).content.decode()
    assert 'data-verb="cancel"' in page and 'name="csrfmiddlewaretoken"' in page
    assert 'data-verb="approve"' not in page
    response = act(client, submitted, "cancel")
    assert response.status_code == 302 and response["Location"] == detail_url(submitted)
    submitted.refresh_from_db()
    assert submitted.status == Status.CANCELLED
    page = client.get(detail_url(submitted), **EN).content.decode()
    assert "Done: Cancel request. The request is now: Cancelled." in page
    assert 'data-verb="cancel"' not in page


def test_actions_need_the_csrf_token(zone, submitted):
    client = Client(enforce_csrf_checks=True)
    client.force_login(zone["student"].user)
    assert act(client, submitted, "cancel").status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_wrong_state_is_a_409_with_the_service_message(client, zone, submitted):
    approval.home_approve(user=zone["staff"]["approver"], request_id=submitted.pk)  # registered now
    client.force_login(zone["student"].user)
    response = act(client, submitted, "cancel")
    assert response.status_code == 409
    assert str(USE_WITHDRAW_MESSAGE) in response.content.decode()
    response = act(client, submitted, "accept")
    assert response.status_code == 409
    assert "it cannot be accepted now" in response.content.decode()


def test_student_withdraws_and_the_waitlisted_student_is_offered_the_seat(client, zone, approved_for_selection):
    selection = zone["selection"]
    admission.host_admit(request_id=approved_for_selection.pk, actor=zone["staff"]["admissions"])
    waiting = requests.request_submit(user=zone["students"][1].user, offering_id=selection.pk)
    approval.home_approve(user=zone["staff"]["approver"], request_id=waiting.pk)
    admission.host_waitlist(request_id=waiting.pk, actor=zone["staff"]["admissions"])

    client.force_login(zone["student"].user)
    page = client.get(detail_url(approved_for_selection), **EN).content.decode()
    assert 'data-verb="withdraw"' in page
    response = act(client, approved_for_selection, "withdraw", comment="Found another course")
    assert response.status_code == 302
    approved_for_selection.refresh_from_db()
    waiting.refresh_from_db()
    assert approved_for_selection.status == Status.WITHDRAWN
    assert waiting.status == Status.SEAT_OFFERED

    client.force_login(zone["students"][1].user)
    page = client.get(detail_url(waiting), **EN).content.decode()
    assert "A seat is held for you until" in page
    assert 'data-verb="accept"' in page and 'data-verb="decline"' in page
    assert act(client, waiting, "accept").status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Status.REGISTERED


def test_student_declines_an_offered_seat(client, zone, approved_for_selection):
    admission.host_admit(request_id=approved_for_selection.pk, actor=zone["staff"]["admissions"])
    waiting = requests.request_submit(user=zone["students"][1].user, offering_id=zone["selection"].pk)
    approval.home_approve(user=zone["staff"]["approver"], request_id=waiting.pk)
    admission.host_waitlist(request_id=waiting.pk, actor=zone["staff"]["admissions"])
    requests.request_withdraw(user=zone["student"].user, request_id=approved_for_selection.pk)
    client.force_login(zone["students"][1].user)
    assert act(client, waiting, "decline").status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Status.CANCELLED
    zone["selection"].refresh_from_db()
    assert zone["selection"].seats_taken == 0


def test_someone_else_cannot_accept_a_seat_offer(client, zone, approved_for_selection):
    admission.host_admit(request_id=approved_for_selection.pk, actor=zone["staff"]["admissions"])
    waiting = requests.request_submit(user=zone["students"][1].user, offering_id=zone["selection"].pk)
    approval.home_approve(user=zone["staff"]["approver"], request_id=waiting.pk)
    admission.host_waitlist(request_id=waiting.pk, actor=zone["staff"]["admissions"])
    requests.request_withdraw(user=zone["student"].user, request_id=approved_for_selection.pk)
    # The host's admissions staff see the request but may not accept the seat for the student.
    client.force_login(zone["staff"]["admissions"])
    response = act(client, waiting, "accept")
    assert response.status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == Status.SEAT_OFFERED


def test_resubmit_after_a_home_denial(client, zone, submitted):
    approval.home_deny(user=zone["staff"]["approver"], request_id=submitted.pk, reason="study_progress")
    client.force_login(zone["student"].user)
    page = client.get(detail_url(submitted), **EN).content.decode()
    assert "Study progress does not allow it" in page
    assert 'data-verb="resubmit"' in page
    response = act(client, submitted, "resubmit", motivation="Now with my adviser's support")
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert submitted.motivation == "Now with my adviser's support"


def test_unknown_verb_is_a_400(client, zone, submitted):
    client.force_login(zone["student"].user)
    response = act(client, submitted, "teleport")
    assert response.status_code == 400
    assert EnrolmentRequest.objects.get(pk=submitted.pk).status == Status.SUBMITTED


def test_redirects_only_to_local_next(client, zone, submitted):
    client.force_login(zone["student"].user)
    response = act(client, submitted, "cancel", next="https://evil.example/")
    assert response["Location"] == detail_url(submitted)
