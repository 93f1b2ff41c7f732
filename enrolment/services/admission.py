"""Host admission commands: staff decisions, the student's answer to a seat offer, the lottery draw, and the
beat tasks of holds, waitlist deadlines and released reservations.

Seats change only in ``enrolment.seats``, under the offering's lock; every command here takes its locks up
front through ``enrolment.locks`` (the offerings of all the request's ranked choices, sorted, then the
requests), so two commands never wait on each other in opposite orders. ``retry_on_deadlock`` stays on the
commands that end a choice as a safety net only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import StaffRole
from catalogue.models import AdmissionMode
from core.db import retry_on_deadlock
from enrolment import flow, lifecycle, locks, seats
from enrolment.errors import REASON_REQUIRED_MESSAGE, EnrolmentError
from enrolment.models import DENIAL_REASONS, EnrolmentRequest, ReasonCode, SeatReservation, Status
from enrolment.permissions import require_verb
from enrolment.seats import capacity_guard_disabled, seats_free
from enrolment.services.messages import staff_notify
from enrolment.steps import ending, placement
from enrolment.steps.placement import lottery_draw_at

__all__ = ["capacity_guard_disabled", "lottery_draw_at", "seats_free"]


def host_admit(*, request_id: int, actor, comment: str = "") -> EnrolmentRequest:
    """Host admissions staff admit a request (a selection, or from the waitlist).

    Raises NotAllowedError (403) unless ``actor`` holds host admissions at the request's host and home has
    approved, WrongStateError (409) for a request not awaiting the host, and WrongStateError("no_seat")
    when no seat is free for it.
    """
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        role = require_verb(actor, request, lifecycle.ADMIT)
        placement.admit(held, request, user=actor, role=role, comment=comment)
        flow.advance(held, request, after=lifecycle.ADMIT)
        return request


def host_waitlist(*, request_id: int, actor, comment: str = "") -> EnrolmentRequest:
    """Host admissions staff put a request on the waitlist (in arrival order). Same checks as admit."""
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        role = require_verb(actor, request, lifecycle.WAITLIST)
        placement.waitlist(held, request, user=actor, role=role, comment=comment)
        return request


@retry_on_deadlock
def host_deny(*, request_id: int, actor, reason: str, comment: str = "") -> EnrolmentRequest:
    """Host admissions staff deny, with a reason code from ``DENIAL_REASONS``; the next ranked choice is
    tried automatically."""
    if reason not in DENIAL_REASONS:
        raise EnrolmentError(REASON_REQUIRED_MESSAGE, code="reason_required")
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        role = require_verb(actor, request, lifecycle.REJECT)
        placement.reject(held, request, user=actor, role=role, reason=reason, comment=comment)
        flow.advance(held, request, after=lifecycle.REJECT)
        return request


def seat_offer_accept(*, request_id: int, actor, now: dt.datetime | None = None) -> EnrolmentRequest:
    """The student takes the seat held for them, before ``accept_by``.

    Only from ``seat_offered``: the seat was taken for the student when it was offered, so accepting moves
    the request and counts nothing again. Raises NotAllowedError (403) for anyone but the student,
    WrongStateError (409) from any other state or once the offer has lapsed.
    """
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        require_verb(actor, request, lifecycle.ACCEPT)
        placement.accept(held, request, user=actor, now=now)
        flow.advance(held, request, after=lifecycle.ACCEPT)
        return request


@retry_on_deadlock
def seat_offer_decline(*, request_id: int, actor) -> EnrolmentRequest:
    """The student turns down the seat held for them: it passes to the next student at once, and their next
    ranked choice, if any, gets its turn."""
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        require_verb(actor, request, lifecycle.DECLINE)
        ending.end(
            held, request, verb=lifecycle.DECLINE, reason=ReasonCode.STUDENT_REQUEST, actor=actor, role="student"
        )
        flow.advance(held, request, after=lifecycle.DECLINE)
        return request


def lottery_draw(*, offering_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Draw the lottery of one offering: admit in the random order given at arrival, waitlist the rest.

    Idempotent: requests already decided are not in the draw any more, so a second run does nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        held = locks.lock_offering(offering_id)
        offering = held.offering(offering_id)
        if offering.admission_mode != AdmissionMode.LOTTERY or now < lottery_draw_at(offering):
            return {"admitted": 0, "waitlisted": 0}
        order = list(
            EnrolmentRequest.objects.filter(offering=offering, status=Status.HOME_APPROVED, queue_key__isnull=False)
            .order_by("queue_key", "pk")
            .values_list("pk", "choice_group")
        )
        # The draw's requests and the other choices of their groups, which an admission settles.
        groups = {group for _pk, group in order if group}
        members = set(EnrolmentRequest.objects.filter(choice_group__in=groups).values_list("pk", flat=True))
        locks.lock_requests({pk for pk, _group in order} | members, held=held)
        in_draw = [held.request(pk) for pk, _group in order]
        result = placement.draw(held, offering, in_draw, now=now)
        flow.advance_all(held, [r for r in in_draw if r.status == Status.ADMITTED], after=lifecycle.PLACE)
        return result


def lotteries_draw_due(*, now: dt.datetime | None = None) -> int:
    """Beat task: draw every lottery whose opening minutes are over and that still has requests waiting."""
    now = now or timezone.now()
    due = (
        EnrolmentRequest.objects.filter(
            status=Status.HOME_APPROVED, offering__admission_mode=AdmissionMode.LOTTERY, queue_key__isnull=False
        )
        .values_list("offering_id", flat=True)
        .distinct()
    )
    drawn = 0
    for offering_id in sorted(set(due)):
        result = lottery_draw(offering_id=offering_id, now=now)
        drawn += result["admitted"] + result["waitlisted"]
    return drawn


def _due(queryset) -> list[int]:
    # By offering, then request: the order the locks are taken in.
    return [pk for pk, _offering in sorted(queryset.values_list("pk", "offering_id"), key=lambda x: (x[1], x[0]))]


def seat_offers_lapse(*, now: dt.datetime | None = None) -> int:
    """Beat task: offers not accepted in time expire, their seats pass to the next student, and the next
    ranked choice gets its turn."""
    now = now or timezone.now()
    return sum(
        _expire(pk, now, reason=ReasonCode.HOLD_LAPSED)
        for pk in _due(EnrolmentRequest.objects.filter(status=Status.SEAT_OFFERED, accept_by__lt=now))
    )


def waitlists_close_due(*, now: dt.datetime | None = None) -> int:
    """Beat task: a ranked choice still waitlisted at its deadline expires, and the next choice is tried."""
    now = now or timezone.now()
    return sum(
        _expire(pk, now, reason=ReasonCode.WAITLIST_DEADLINE)
        for pk in _due(EnrolmentRequest.objects.filter(status=Status.WAITLISTED, waitlist_until__lt=now))
    )


@retry_on_deadlock
def _expire(request_id: int, now: dt.datetime, *, reason: str) -> int:
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        deadline = request.accept_by if request.status == Status.SEAT_OFFERED else request.waitlist_until
        if not lifecycle.EXPIRE.allows(request.status) or deadline is None or deadline >= now:
            return 0  # accepted, promoted or changed meanwhile
        ending.end(held, request, verb=lifecycle.EXPIRE, reason=reason, now=now)
        flow.advance(held, request, after=lifecycle.EXPIRE, now=now)
        return 1


def waitlists_promote(*, offering_ids=None, now: dt.datetime | None = None) -> int:
    """Offer freed seats to the waitlists of these offerings (all with a waitlist when None): after a
    capacity increase, and by beat for seats whose partner reservation was released unused. Idempotent: an
    offering with no free seat, or no one waiting, is left as it is. Returns how many seats were offered."""
    now = now or timezone.now()
    if offering_ids is None:
        released = SeatReservation.objects.filter(release_at__lte=now, used__lt=F("seats")).values("offering_id")
        offering_ids = (
            EnrolmentRequest.objects.filter(status=Status.WAITLISTED, offering_id__in=released)
            .values_list("offering_id", flat=True)
            .distinct()
        )
    offered = 0
    for offering_id in sorted(set(offering_ids)):
        with transaction.atomic():
            held = locks.lock_offering(offering_id)
            offered += len(seats.waitlist_promote(offering=held.offering(offering_id), now=now))
    return offered


def host_deadlines_enforce(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat task: the host's decision on a selection offering, as the home's decision has. Its admissions
    staff are reminded after ``ENROLMENT_HOST_REMINDER_DAYS``; past ``host_decision_due_at`` the request is
    escalated, to the host's admissions staff and to the student's home approvers (who can help the student
    to another course).

    Idempotent: ``host_reminded_at`` and ``host_escalated_at`` record what was done (set by a conditional
    update, so two runs at once send nothing twice); a request decided meanwhile is no longer pending.
    """
    now = now or timezone.now()
    reminded = escalated = 0
    pending = EnrolmentRequest.objects.filter(status=Status.HOME_APPROVED, host_decision_due_at__isnull=False)
    for request in pending.filter(host_escalated_at__isnull=True, host_decision_due_at__lt=now):
        with transaction.atomic():
            if EnrolmentRequest.objects.filter(pk=request.pk, host_escalated_at__isnull=True).update(
                host_escalated_at=now
            ):
                staff_notify(request, StaffRole.Role.HOST_ADMISSIONS, kind="host_escalation", side="host")
                staff_notify(request, StaffRole.Role.HOME_APPROVER, kind="host_escalation", side="home")
                escalated += 1
    before_deadline = dt.timedelta(
        days=max(settings.ENROLMENT_HOST_DECISION_DAYS - settings.ENROLMENT_HOST_REMINDER_DAYS, 0)
    )
    for request in pending.filter(
        host_reminded_at__isnull=True, host_escalated_at__isnull=True, host_decision_due_at__lte=now + before_deadline
    ):
        with transaction.atomic():
            if EnrolmentRequest.objects.filter(pk=request.pk, host_reminded_at__isnull=True).update(
                host_reminded_at=now
            ):
                staff_notify(request, StaffRole.Role.HOST_ADMISSIONS, kind="host_reminder", side="host")
                reminded += 1
    return {"reminded": reminded, "escalated": escalated}
