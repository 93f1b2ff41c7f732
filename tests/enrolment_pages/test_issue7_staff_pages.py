"""The staff console and the request page after issue #7: queues open on what needs the person's action,
soonest deadline first; the console counts it per queue; the request page shows the student's programme and
the precedents that match; the timeline reads in labels, never in stored codes."""

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone

from accounts.models import StaffRole
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy
from enrolment.selectors import staff_queue
from enrolment.services import approval, requests
from results.models import RecognitionPrecedent
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
OUTGOING = "/enrolment/staff/home-u/outgoing/"
INCOMING = "/enrolment/staff/host-u/incoming/"


def _rows(page: str, requests_) -> list:
    """The given requests in the order the page lists them."""
    found = [(page.find(f'data-request="{r.public_id}"'), r) for r in requests_]
    return [r for position, r in sorted(found, key=lambda pair: pair[0]) if position >= 0]


def _visible_timeline(page: str) -> str:
    """The timeline's text as a reader sees it (no tags, no attributes)."""
    return re.sub(r"<[^>]+>", " ", page[page.index('id="timeline-heading"') :])


def _submit(zone, count):
    return [requests.request_submit(user=s.user, offering_id=zone["offering"].pk) for s in zone["students"][:count]]


def test_queue_opens_on_needs_my_action_soonest_deadline_first(client, zone):
    first, second, third = _submit(zone, 3)
    now = timezone.now()
    for request, days in ((first, 9), (second, 2), (third, 5)):
        EnrolmentRequest.objects.filter(pk=request.pk).update(decision_due_at=now + dt.timedelta(days=days))
    denied = requests.request_submit(user=zone["students"][3].user, offering_id=zone["selection"].pk)
    approval.home_deny(user=zone["staff"]["approver"], request_id=denied.pk, reason="study_progress")

    client.force_login(zone["staff"]["approver"])
    page = client.get(OUTGOING, **EN).content.decode()
    assert _rows(page, [first, second, third, denied]) == [second, third, first]
    assert 'option value="mine" selected' in page
    assert "Showing the requests that need your action, the soonest deadline first." in page

    # The other filters are still there: all requests, or one status.
    page = client.get(OUTGOING + "?show=all", **EN).content.decode()
    assert _rows(page, [first, second, third, denied]) == [second, third, first, denied]
    page = client.get(OUTGOING + "?show=all&status=home_denied", **EN).content.decode()
    assert _rows(page, [first, second, third, denied]) == [denied]


def test_needs_my_action_follows_the_step_of_a_two_step_policy(zone):
    HomeApprovalPolicy.objects.create(
        institution=zone["home"],
        first_step_role=StaffRole.Role.HOME_APPROVER,
        second_step_role=StaffRole.Role.EXAMINATION_BOARD,
    )
    exam_board = StaffRole.objects.create(
        user=zone["staff"]["other_approver"], institution=zone["home"], role=StaffRole.Role.EXAMINATION_BOARD
    ).user
    first, second = _submit(zone, 2)
    approval.home_approve(user=zone["staff"]["approver"], request_id=first.pk)  # first step passed

    def mine(user):
        return set(
            staff_queue(user, institution_id=zone["home"].pk, side="outgoing", needs_action=True).values_list(
                "pk", flat=True
            )
        )

    assert mine(zone["staff"]["approver"]) == {second.pk}
    assert mine(exam_board) == {first.pk}


def test_incoming_queue_needs_action_is_the_selections_waiting_for_the_host(client, zone, approved_for_selection):
    admitted = requests.request_submit(user=zone["students"][1].user, offering_id=zone["offering"].pk)
    approval.home_approve(user=zone["staff"]["approver"], request_id=admitted.pk)  # first come: admitted at once
    client.force_login(zone["staff"]["admissions"])
    page = client.get(INCOMING, **EN).content.decode()
    assert _rows(page, [approved_for_selection, admitted]) == [approved_for_selection]
    assert "Enrolment closes" in page
    page = client.get(INCOMING + "?show=all", **EN).content.decode()
    assert set(_rows(page, [approved_for_selection, admitted])) == {approved_for_selection, admitted}


def test_console_shows_pending_counts_per_queue(client, zone, approved_for_selection):
    _submit(zone, 2)
    client.force_login(zone["staff"]["approver"])
    page = client.get("/enrolment/staff/", **EN).content.decode()
    assert 'data-side="outgoing"' in page
    assert "2 requests need your action" in page and 'data-pending="2"' in page

    client.force_login(zone["staff"]["admissions"])
    page = client.get("/enrolment/staff/", **EN).content.decode()
    assert "1 request needs your action" in page and 'data-pending="1"' in page


def test_request_page_shows_programme_and_matching_precedent(client, zone, submitted):
    programme = ProgrammeFactory(institution=zone["home"], name_en="Applied Physics")
    zone["student"].programme = programme
    zone["student"].save()
    # Stored after the submission (else it would have approved the request on its own).
    RecognitionPrecedent.objects.create(
        programme=programme, course=zone["offering"].course, counts_as="Minor energy transition"
    )
    client.force_login(zone["staff"]["approver"])
    page = client.get(f"/enrolment/requests/{submitted.public_id}/", **EN).content.decode()
    assert "Applied Physics (Bachelor)" in page
    assert "Recognition precedent: this course counts for Applied Physics (Minor energy transition)." in page

    # An expired precedent, or one for another programme, is not shown.
    RecognitionPrecedent.objects.update(valid_until=dt.date(2020, 1, 1))
    page = client.get(f"/enrolment/requests/{submitted.public_id}/", **EN).content.decode()
    assert "No standing decision covers this course for the student's programme." in page

    # The student sees neither block.
    client.force_login(zone["student"].user)
    page = client.get(f"/enrolment/requests/{submitted.public_id}/", **EN).content.decode()
    assert 'id="precedents"' not in page and 'id="student-programme"' not in page


def test_timeline_shows_labels_not_codes_to_the_student(client, zone, submitted):
    association = uuid.uuid4()
    approval.home_decision_from_institution(
        request_id=submitted.pk, approved=False, comment=f"OOAPI association {association}: denied"
    )
    client.force_login(zone["student"].user)
    page = client.get(f"/enrolment/requests/{submitted.public_id}/", **EN).content.decode()
    timeline = _visible_timeline(page)
    assert "The home institution&#x27;s own system" in timeline
    assert "Decided in the home institution&#x27;s own system" in timeline
    assert "Denied by home institution" in timeline
    for code in ("home_system", "home_denied", " submitted ", str(association), "OOAPI association"):
        assert code not in timeline

    # Staff keep the record's note.
    client.force_login(zone["staff"]["approver"])
    page = client.get(f"/enrolment/requests/{submitted.public_id}/", **EN).content.decode()
    assert str(association) in page[page.index('id="timeline-heading"') :]


def test_next_choice_reads_as_words_to_the_student(client, zone):
    student = zone["student"]
    first = requests.request_submit(
        user=student.user, offering_id=zone["offering"].pk, alternatives=[zone["selection"].pk]
    )
    approval.home_deny(user=zone["staff"]["approver"], request_id=first.pk, reason="study_progress")
    second = EnrolmentRequest.objects.get(student=student, offering=zone["selection"])
    client.force_login(student.user)
    page = client.get(f"/enrolment/requests/{second.public_id}/", **EN).content.decode()
    timeline = _visible_timeline(page)
    assert "Your next ranked choice, submitted because the one before it ended" in timeline
    assert "home_denied" not in timeline and "choice 1 ended" not in timeline
