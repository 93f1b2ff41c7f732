"""The host's side: placing a home-approved request (first come first served, the lottery, or staff
selection), staff decisions, and the student accepting a seat offered to them.

Seats are taken only through ``enrolment.seats``, under the offering's lock the command holds.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time

from django.conf import settings
from django.utils import timezone

from catalogue.models import AdmissionMode, Offering
from enrolment import lifecycle, seats
from enrolment.errors import NO_SEAT_MESSAGE, OFFER_LAPSED_MESSAGE, WrongStateError
from enrolment.lifecycle import transition
from enrolment.locks import Held
from enrolment.models import EnrolmentRequest, ReasonCode, Status


def _arrival_key() -> int:
    # Microseconds since the epoch: first come, first served across processes.
    return time.time_ns() // 1000


def lottery_draw_at(offering: Offering) -> dt.datetime:
    return offering.enrol_opens_at + dt.timedelta(minutes=offering.lottery_minutes)


def _admitted(
    request: EnrolmentRequest, offering: Offering, *, verb, reason, now, actor=None, role="system", comment=""
) -> bool:
    lifecycle.verb_check(request, verb)  # before a seat is taken for it
    if not seats.seat_take(offering=offering, request=request, now=now):
        return False
    request.accept_by = None
    transition(
        request,
        verb=verb,
        to=Status.ADMITTED,
        actor=actor,
        actor_role=role,
        reason=reason,
        comment=comment,
        extra_fields=("seat_reservation", "accept_by"),
    )
    return True


def _waitlisted(
    request: EnrolmentRequest, offering: Offering, *, verb, reason, actor=None, role="system", comment=""
) -> None:
    if request.queue_key is None:
        request.queue_key = _arrival_key()
    if request.choice_group and request.waitlist_until is None:
        # A ranked choice waits only until its window closes; then the next choice gets its turn.
        request.waitlist_until = offering.enrol_closes_at
    transition(
        request,
        verb=verb,
        to=Status.WAITLISTED,
        actor=actor,
        actor_role=role,
        reason=reason,
        comment=comment,
        extra_fields=("queue_key", "waitlist_until"),
    )
    seats.waitlist_joined(offering=offering)


def place(held: Held, request: EnrolmentRequest, *, now: dt.datetime | None = None) -> None:
    """Home approved: what the host does, by the offering's admission mode.

    Selection leaves the decision to host staff. A lottery leaves requests of its opening minutes waiting
    for the draw (in a random order, so a burst gains nothing) and treats later ones first come, first
    served. First come, first served admits while seats last and waitlists the rest; those already on the
    waitlist go first, so a seat that freed (a raised capacity, a released reservation) is never taken by
    a newcomer while someone who could use it waits.
    """
    now = now or timezone.now()
    offering = held.offering(request.offering_id)
    mode = offering.admission_mode
    if mode == AdmissionMode.SELECTION:
        # Host staff decide, within a deadline (reminded halfway, escalated after: ``host_deadlines_enforce``).
        request.host_decision_due_at = now + dt.timedelta(days=settings.ENROLMENT_HOST_DECISION_DAYS)
        request.host_reminded_at = request.host_escalated_at = None
        request.save(update_fields=["host_decision_due_at", "host_reminded_at", "host_escalated_at"])
        return
    if mode == AdmissionMode.LOTTERY and now < lottery_draw_at(offering):
        if request.queue_key is None:  # an admission batch gives its keys from its recorded seed
            request.queue_key = secrets.randbits(62)
        request.save(update_fields=["queue_key"])
        return
    if seats.waitlist_ahead(offering=offering):
        seats.waitlist_promote(offering=offering, now=now)
    if not _admitted(request, offering, verb=lifecycle.PLACE, reason=ReasonCode.FIRST_COME, now=now):
        _waitlisted(request, offering, verb=lifecycle.PLACE, reason=ReasonCode.CAPACITY)


def draw(held: Held, offering: Offering, in_draw: list[EnrolmentRequest], *, now: dt.datetime) -> dict[str, int]:
    """The lottery: admit in the random order given at arrival while seats last, waitlist the rest."""
    admitted = waitlisted = 0
    for request in in_draw:
        if _admitted(request, offering, verb=lifecycle.PLACE, reason=ReasonCode.LOTTERY, now=now):
            admitted += 1
        else:
            _waitlisted(request, offering, verb=lifecycle.PLACE, reason=ReasonCode.LOTTERY)
            waitlisted += 1
    return {"admitted": admitted, "waitlisted": waitlisted}


def admit(held: Held, request: EnrolmentRequest, *, user, role: str, comment: str = "", now=None) -> None:
    """Host staff admit (a selection, or from the waitlist). WrongStateError("no_seat") when none is free."""
    offering = held.offering(request.offering_id)
    now = now or timezone.now()
    if not _admitted(
        request,
        offering,
        verb=lifecycle.ADMIT,
        reason=ReasonCode.SELECTED,
        now=now,
        actor=user,
        role=role,
        comment=comment,
    ):
        raise WrongStateError(NO_SEAT_MESSAGE, code="no_seat")


def waitlist(held: Held, request: EnrolmentRequest, *, user, role: str, comment: str = "") -> None:
    _waitlisted(
        request,
        held.offering(request.offering_id),
        verb=lifecycle.WAITLIST,
        reason=ReasonCode.HOST_DECISION,
        actor=user,
        role=role,
        comment=comment,
    )


def reject(held: Held, request: EnrolmentRequest, *, user, role: str, reason: str, comment: str = "") -> None:
    transition(request, verb=lifecycle.REJECT, actor=user, actor_role=role, reason=reason, comment=comment)


def accept(held: Held, request: EnrolmentRequest, *, user, now: dt.datetime | None = None) -> None:
    """The student takes the seat held for them since it was offered (it is counted already), before
    ``accept_by``; after it the offer has lapsed even if the beat task has not expired it yet."""
    now = now or timezone.now()
    if request.accept_by and request.accept_by < now:
        raise WrongStateError(OFFER_LAPSED_MESSAGE, code="offer_lapsed")
    request.accept_by = None
    transition(
        request,
        verb=lifecycle.ACCEPT,
        actor=user,
        actor_role="student",
        reason=ReasonCode.STUDENT_REQUEST,
        extra_fields=("accept_by",),
    )
