"""Commands a connected institution's system answers with, through the gateway's app (``ooapi``): its
record of the request exists (a reference to keep), or both systems have the enrolment (registered)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from enrolment import flow, lifecycle, locks
from enrolment.models import EnrolmentRequest, Status
from enrolment.steps import registration


def registration_reference_store(*, request_id: int, home_ref: str = "", host_ref: str = "") -> EnrolmentRequest:
    """Keep the id of a connected system's record of the request (an OOAPI association), whatever its
    state, so later changes (a cancel, the result) can address it. Empty values change nothing."""
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        registration.references_store(request, home_ref=home_ref, host_ref=host_ref)
        return request


def registration_confirm(*, request_id: int, references: Callable[[EnrolmentRequest], dict | None]) -> bool:
    """Both institutions' systems have the admitted enrolment: keep their references and mark it registered.

    ``references(request)`` runs under the locks and answers the systems' references (``home_ref``,
    ``host_ref``) once both have it, None while one still lacks it. Idempotent: a request that is not
    admitted (any more), or not ready, is left alone. Returns whether it was registered now.
    """
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        if request.status != Status.ADMITTED:
            return False
        found = references(request)
        if found is None:
            return False
        registration.confirm(held, request, **found)
        flow.advance(held, request, after=lifecycle.REGISTER)
        return True
