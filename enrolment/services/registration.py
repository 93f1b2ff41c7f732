"""Commands a connected institution's system answers with, through the gateway's app (``ooapi``): its
record of the request exists (a reference to keep), or it has the enrolment (that side is registered; the
request is registered once both sides are, by enrolment's own rule in ``steps.registration``)."""

from __future__ import annotations

from django.db import transaction

from enrolment import flow, lifecycle, locks
from enrolment.models import EnrolmentRequest, Status
from enrolment.steps import registration


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
