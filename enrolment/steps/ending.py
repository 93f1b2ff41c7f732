"""Ending a request: cancelled (by the student, or staff with a reason), withdrawn, declined, expired or
completed. A seat it held goes back through ``enrolment.seats``, which offers it to the waitlist at once."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone

from core.i18n import lazy_format
from enrolment import lifecycle, seats
from enrolment.errors import DEADLINE_PASSED_MESSAGE, EnrolmentError
from enrolment.lifecycle import transition
from enrolment.locks import Held
from enrolment.models import SEAT_STATES, EnrolmentRequest, ReasonCode, Status


def deadline_check(held: Held, request: EnrolmentRequest) -> None:
    """The student may cancel or withdraw until the offering's deadline."""
    deadline = held.offering(request.offering_id).cancel_deadline
    if timezone.now() >= deadline:
        shown = formats.date_format(timezone.localtime(deadline), "j F Y, H:i")
        raise EnrolmentError(lazy_format(DEADLINE_PASSED_MESSAGE, deadline=shown), code="deadline_passed")


def end(
    held: Held,
    request: EnrolmentRequest,
    *,
    verb: lifecycle.Verb,
    reason: str,
    to: str | None = None,
    actor=None,
    role: str = "system",
    comment: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Move ``request`` out by ``verb`` (cancel, staff cancel, withdraw, decline, expire); a held seat goes
    back and the waitlist moves up."""
    held_seat = request.status in SEAT_STATES
    transition(request, verb=verb, to=to, actor=actor, actor_role=role, reason=reason, comment=comment)
    if held_seat:
        seats.seat_give_back(offering=held.offering(request.offering_id), request=request, now=now)


def complete(held: Held, request: EnrolmentRequest, *, user, role: str, comment: str = "") -> None:
    """Host staff mark a registered enrolment completed."""
    transition(
        request,
        verb=lifecycle.COMPLETE,
        actor=user,
        actor_role=role,
        reason=ReasonCode.RESULT_RECORDED,
        comment=comment,
    )


def decide_by_host_system(held: Held, request: EnrolmentRequest, *, denied: bool, comment: str = "") -> None:
    """A connected host's own system refused or cancelled the enrolment (OOAPI ``remoteState``): the request
    ends as host-denied or cancelled, and a seat it held goes back to the waitlist."""
    end(
        held,
        request,
        verb=lifecycle.HOST_DECIDE,
        to=Status.HOST_DENIED if denied else Status.CANCELLED,
        reason=ReasonCode.HOST_SYSTEM_DENIED if denied else ReasonCode.HOST_SYSTEM_CANCELLED,
        role="host_system",
        comment=comment,
    )
