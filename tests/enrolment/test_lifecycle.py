"""The lifecycle end to end through the services, with the audit trail and the waitlist."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from catalogue.models import AdmissionMode
from enrolment.errors import DuplicateRequestError, EnrolmentError, NotAllowedError, NotEligibleError, WrongStateError
from enrolment.lifecycle import ALLOWED
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, Status
from enrolment.services import admission, approval, requests
from results.models import RecognitionPrecedent
from tests.factories import CourseFactory, OfferingFactory

pytestmark = pytest.mark.django_db


def statuses(request):
    return [(e.from_status, e.to_status, e.reason) for e in request.events.order_by("at", "pk")]


def test_the_transition_table_covers_every_state():
    assert set(ALLOWED) == set(Status.values)
    for targets in ALLOWED.values():
        assert targets <= set(Status.values)


def test_submit_approve_admit_register_with_audit_trail(zone, django_capture_on_commit_callbacks):
    student, offering = zone["student"], zone["offering"]
    request = requests.request_submit(user=student.user, offering_id=offering.pk, motivation="I need it")
    assert request.status == Status.SUBMITTED and request.decision_due_at
    approval.home_approve(user=zone["staff"]["approver"], request_id=request.pk)
    request.refresh_from_db()
    # First come, first served with a free seat: admitted, then registered in the portal for both sides.
    assert request.status == Status.REGISTERED
    assert statuses(request) == [
        ("draft", "submitted", "student_request"),
        ("submitted", "home_approved", "approved"),
        ("home_approved", "admitted", "first_come"),
        ("admitted", "registered", "registered_in_portal"),
    ]
    offering.refresh_from_db()
    assert offering.seats_taken == 1
    actors = list(request.events.values_list("actor_role", flat=True))
    assert actors == ["student", "home_approver", "system", "system"]


def test_only_the_right_people_decide(zone):
    request = requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk)
    for intruder in (zone["students"][1].user, zone["staff"]["other_approver"], zone["staff"]["admissions"]):
        with pytest.raises(NotAllowedError):
            approval.home_approve(user=intruder, request_id=request.pk)
    with pytest.raises(NotAllowedError):
        requests.request_withdraw(user=zone["students"][1].user, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED and request.events.count() == 1


def test_wrong_state_writes_nothing(zone, auto_approving_home):
    request = requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk)
    request.refresh_from_db()
    assert request.status == Status.REGISTERED
    events = request.events.count()
    with pytest.raises(WrongStateError):
        approval.home_approve(user=zone["staff"]["approver"], request_id=request.pk)
    with pytest.raises(WrongStateError):
        admission.host_admit(request_id=request.pk, actor=zone["staff"]["admissions"])
    assert request.events.count() == events


def test_two_step_home_approval(zone):
    HomeApprovalPolicy.objects.create(
        institution=zone["home"], first_step_role="home_approver", second_step_role="exam_board"
    )
    request = requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk)
    with pytest.raises(NotAllowedError):
        approval.home_approve(user=zone["staff"]["exam_board"], request_id=request.pk)  # not their step yet
    approval.home_approve(user=zone["staff"]["approver"], request_id=request.pk)
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED and request.home_step == 1
    with pytest.raises(NotAllowedError):
        approval.home_approve(user=zone["staff"]["approver"], request_id=request.pk)  # step two is the board's
    approval.home_approve(user=zone["staff"]["exam_board"], request_id=request.pk)
    request.refresh_from_db()
    assert request.status == Status.REGISTERED


def test_recognition_precedent_approves_automatically(zone):
    RecognitionPrecedent.objects.create(programme=zone["student"].programme, course=zone["course"])
    request = requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk)
    request.refresh_from_db()
    assert request.status == Status.REGISTERED
    assert request.events.filter(reason="recognition_precedent").exists()


def test_denial_needs_a_reason_and_can_be_resubmitted(zone):
    request = requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk)
    with pytest.raises(EnrolmentError) as refused:
        approval.home_deny(user=zone["staff"]["approver"], request_id=request.pk, reason="")
    assert refused.value.code == "reason_required"
    approval.home_deny(
        user=zone["staff"]["approver"], request_id=request.pk, reason="not_in_programme", comment="Take it next year"
    )
    request.refresh_from_db()
    assert request.status == Status.HOME_DENIED
    requests.request_resubmit(user=zone["student"].user, request_id=request.pk, motivation="It fits my minor")
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED and request.motivation == "It fits my minor"


def test_full_offering_waitlists_and_a_cancellation_promotes(zone, auto_approving_home):
    offering = zone["offering"]  # two seats
    made = [requests.request_submit(user=s.user, offering_id=offering.pk) for s in zone["students"][:3]]
    for r in made:
        r.refresh_from_db()
    assert [r.status for r in made] == [Status.REGISTERED, Status.REGISTERED, Status.WAITLISTED]
    requests.request_withdraw(user=zone["students"][0].user, request_id=made[0].pk)
    made[2].refresh_from_db()
    assert made[2].status == Status.SEAT_OFFERED and made[2].accept_by
    offering.refresh_from_db()
    assert offering.seats_taken == 2  # the seat is held for the promoted student
    admission.seat_offer_accept(request_id=made[2].pk, actor=zone["students"][2].user)
    made[2].refresh_from_db()
    assert made[2].status == Status.REGISTERED


def test_an_expired_hold_passes_to_the_next_student(zone, auto_approving_home):
    offering = zone["offering"]
    made = [requests.request_submit(user=s.user, offering_id=offering.pk) for s in zone["students"]]
    requests.request_withdraw(user=zone["students"][0].user, request_id=made[0].pk)
    made[2].refresh_from_db()
    assert made[2].status == Status.SEAT_OFFERED
    assert admission.seat_offers_lapse(now=made[2].accept_by + dt.timedelta(minutes=1)) == 1
    made[2].refresh_from_db()
    made[3].refresh_from_db()
    assert made[2].status == Status.EXPIRED
    assert made[3].status == Status.SEAT_OFFERED
    offering.refresh_from_db()
    assert offering.seats_taken == 2


def test_duplicates_are_refused(zone):
    requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk)
    with pytest.raises(DuplicateRequestError):
        requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk)
    assert EnrolmentRequest.objects.count() == 1


def test_outside_the_window_is_not_eligible(zone):
    offering = zone["offering"]
    offering.enrol_opens_at = timezone.now() + dt.timedelta(minutes=5)
    offering.save()
    with pytest.raises(NotEligibleError, match="Enrolment opens on"), translation.override("en"):
        requests.request_submit(user=zone["student"].user, offering_id=offering.pk)
    assert EnrolmentRequest.objects.count() == 0


def test_selection_mode_waits_for_staff(zone, auto_approving_home):
    offering = zone["offering"]
    offering.admission_mode = AdmissionMode.SELECTION
    offering.save()
    request = requests.request_submit(user=zone["student"].user, offering_id=offering.pk, motivation="Because")
    request.refresh_from_db()
    assert request.status == Status.HOME_APPROVED
    admission.host_admit(request_id=request.pk, actor=zone["staff"]["admissions"])
    request.refresh_from_db()
    assert request.status == Status.REGISTERED


def test_lottery_orders_the_opening_burst_at_random(zone, auto_approving_home):
    offering = zone["offering"]
    offering.admission_mode = AdmissionMode.LOTTERY
    offering.lottery_minutes = 60 * 24 * 2  # the window opened a day ago: still in the draw period
    offering.save()
    made = [requests.request_submit(user=s.user, offering_id=offering.pk) for s in zone["students"]]
    for r in made:
        r.refresh_from_db()
        assert r.status == Status.HOME_APPROVED and r.queue_key is not None
    draw_time = admission.lottery_draw_at(offering) + dt.timedelta(seconds=1)
    result = admission.lottery_draw(offering_id=offering.pk, now=draw_time)
    assert result == {"admitted": 2, "waitlisted": 2}
    winners = sorted(made, key=lambda r: (r.queue_key, r.pk))[:2]
    for r in made:
        r.refresh_from_db()
    assert {r.pk for r in made if r.status == Status.REGISTERED} == {w.pk for w in winners}
    assert admission.lottery_draw(offering_id=offering.pk, now=draw_time) == {"admitted": 0, "waitlisted": 0}


def test_ranked_alternatives_are_tried_in_order(zone):
    second = OfferingFactory(
        course=CourseFactory(institution=zone["host"], code="HOST102"), period=zone["period"], capacity=5
    )
    first = requests.request_submit(
        user=zone["student"].user, offering_id=zone["offering"].pk, alternatives=[second.pk]
    )
    alternative = EnrolmentRequest.objects.get(choice_group=first.choice_group, rank=2)
    assert alternative.status == Status.DRAFT
    approval.home_deny(user=zone["staff"]["approver"], request_id=first.pk, reason="not_in_programme")
    alternative.refresh_from_db()
    assert alternative.status == Status.SUBMITTED
    assert alternative.events.last().reason == "automatic"


def test_reserved_seats_wait_for_their_partner(zone, auto_approving_home):
    from enrolment.models import SeatReservation

    offering = zone["offering"]
    SeatReservation.objects.create(
        offering=offering, institution=zone["other"], seats=1, release_at=timezone.now() + dt.timedelta(days=3)
    )
    made = [requests.request_submit(user=s.user, offering_id=offering.pk) for s in zone["students"][:2]]
    for r in made:
        r.refresh_from_db()
    assert [r.status for r in made] == [Status.REGISTERED, Status.WAITLISTED]


def test_host_services_check_who_acts(zone, auto_approving_home):
    offering = zone["offering"]
    offering.admission_mode = AdmissionMode.SELECTION
    offering.save()
    request = requests.request_submit(user=zone["student"].user, offering_id=offering.pk)
    for intruder in (zone["student"].user, zone["staff"]["approver"], zone["staff"]["other_admissions"]):
        with pytest.raises(NotAllowedError):
            admission.host_admit(request_id=request.pk, actor=intruder)
        with pytest.raises(NotAllowedError):
            admission.host_waitlist(request_id=request.pk, actor=intruder)
        with pytest.raises(NotAllowedError):
            admission.host_deny(request_id=request.pk, actor=intruder, reason="capacity")
    with pytest.raises(EnrolmentError) as refused:
        admission.host_deny(request_id=request.pk, actor=zone["staff"]["admissions"], reason="automatic")
    assert refused.value.code == "reason_required"
    request.refresh_from_db()
    assert request.status == Status.HOME_APPROVED
    admission.host_admit(request_id=request.pk, actor=zone["staff"]["admissions"])
    assert request.events.filter(to_status="admitted", reason="selected").exists()


def test_seat_offers_are_accepted_in_time_or_declined_by_their_student_only(zone, auto_approving_home):
    offering = zone["offering"]
    made = [requests.request_submit(user=s.user, offering_id=offering.pk) for s in zone["students"]]
    requests.request_withdraw(user=zone["students"][0].user, request_id=made[0].pk)
    made[2].refresh_from_db()
    assert made[2].status == Status.SEAT_OFFERED
    with pytest.raises(NotAllowedError):
        admission.seat_offer_accept(request_id=made[2].pk, actor=zone["students"][3].user)
    with pytest.raises(WrongStateError) as lapsed, translation.override("en"):
        admission.seat_offer_accept(
            request_id=made[2].pk, actor=zone["students"][2].user, now=made[2].accept_by + dt.timedelta(seconds=1)
        )
    assert lapsed.value.code == "offer_lapsed"
    admission.seat_offer_decline(request_id=made[2].pk, actor=zone["students"][2].user)
    made[2].refresh_from_db()
    made[3].refresh_from_db()
    assert made[2].status == Status.CANCELLED
    assert made[3].status == Status.SEAT_OFFERED  # the declined seat passed on at once
    with pytest.raises(WrongStateError):
        admission.seat_offer_decline(request_id=made[1].pk, actor=zone["students"][1].user)  # registered, not an offer
