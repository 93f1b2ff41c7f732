"""Commands a connected institution's system answers with, through the gateway's app (``ooapi``): its
record of the request exists (a reference to keep), it has the enrolment (that side is registered; the
request is registered once both sides are, by enrolment's own rule in ``steps.registration``), or, for a
connected host, its system refused or cancelled the enrolment."""

from __future__ import annotations

from django.db import transaction

from core.db import retry_on_deadlock
from enrolment import flow, lifecycle, locks
from enrolment.errors import NotAllowedError
from enrolment.models import EnrolmentRequest, Status
from enrolment.steps import ending, registration
from institutions.models import Institution


def registration_reference_store(*, request_id: int, home_ref: str = "", host_ref: str = "") -> EnrolmentRequest:
    """Keep the id of a connected system's record of the request (an OOAPI association), whatever its
    state, so later changes (a cancel, the result) can address it. Empty values change nothing. Returns the
    request, locked until the caller's transaction ends."""
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        registration.references_store(request, home_ref=home_ref, host_ref=host_ref)
        return request


def registration_side_confirm(*, request_id: int, side: str, reference: str = "") -> bool:
    """The ``side`` ("home" or "host") institution's system has the admitted enrolment. Idempotent: a
    request that is not admitted (any more) is left alone. Returns whether the request was registered now
    (this side was the last to confirm)."""
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        if request.status != Status.ADMITTED:
            return False
        registered = registration.side_confirm(held, request, side=side, reference=reference)
        if registered:
            flow.advance(held, request, after=lifecycle.REGISTER)
        return registered


@retry_on_deadlock
def host_decision_from_institution(
    *, request_id: int, institution_id: int, denied: bool, comment: str = ""
) -> EnrolmentRequest | None:
    """A connected host's own system denied (``denied``) or cancelled the enrolment, reported by that
    institution's OOAPI client (``remoteState`` on ``PATCH /associations/{id}``).

    Only the request's host, and only when it is connected: anyone else is refused with NotAllowedError
    (403) before the state is looked at. From any state in which the host has the request and it is still
    open (home approved, waitlisted, seat offered, admitted, registered) the request becomes host-denied or
    cancelled; a seat it held goes back and the waitlist moves up (``enrolment.seats``), and the next
    ranked choice gets its turn. Idempotent: a request already in the state the host reports is left alone
    and None is returned; any other state is a WrongStateError (409), with nothing written. Locks the
    offerings, then the request (``enrolment.locks``); the caller may hold an outer transaction.
    """
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        connected = request.host_institution.integration == Institution.Integration.CONNECTED
        if institution_id != request.host_institution_id or not connected:
            raise NotAllowedError()
        if request.status == (Status.HOST_DENIED if denied else Status.CANCELLED):
            return None
        lifecycle.verb_check(request, lifecycle.HOST_DECIDE)
        ending.decide_by_host_system(held, request, denied=denied, comment=comment)
        flow.advance(held, request, after=lifecycle.HOST_DECIDE)
        return request
