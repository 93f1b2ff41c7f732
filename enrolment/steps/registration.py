"""Registered: both institutions' systems have the enrolment. For two portal-managed institutions the
portal is the system of record for both sides, so registration completes at once; a connected side is
told through the gateway and answers later (``confirm``)."""

from __future__ import annotations

from enrolment import lifecycle
from enrolment.gateway import gateway, needs_gateway
from enrolment.lifecycle import transition
from enrolment.locks import Held
from enrolment.models import EnrolmentRequest, ReasonCode, Status


def start(held: Held, request: EnrolmentRequest) -> None:
    """Right after admission."""
    if request.status != Status.ADMITTED:
        return
    if needs_gateway(request):
        # Registered at once when the connected systems already have it; else their answer confirms it.
        references = gateway().registration_requested(request=request)
        if references is not None:
            confirm(held, request, **references)
        return
    transition(request, verb=lifecycle.REGISTER, reason=ReasonCode.REGISTERED_IN_PORTAL)


def confirm(held: Held, request: EnrolmentRequest, *, home_ref: str = "", host_ref: str = "") -> None:
    """Both systems have the enrolment: store their references and mark the request registered."""
    request.home_registration_ref = home_ref or request.home_registration_ref
    request.host_registration_ref = host_ref or request.host_registration_ref
    transition(
        request,
        verb=lifecycle.REGISTER,
        reason=ReasonCode.AUTOMATIC,
        extra_fields=("home_registration_ref", "host_registration_ref"),
    )


def references_store(request: EnrolmentRequest, *, home_ref: str = "", host_ref: str = "") -> None:
    """A connected institution's system created its record of the request (an OOAPI association) before
    the request is registered: keep its id now, so later changes (a cancel, the result) can address it.
    Empty values leave the stored reference as it is."""
    fields = []
    if home_ref and home_ref != request.home_registration_ref:
        request.home_registration_ref = home_ref
        fields.append("home_registration_ref")
    if host_ref and host_ref != request.host_registration_ref:
        request.host_registration_ref = host_ref
        fields.append("host_registration_ref")
    if fields:
        request.save(update_fields=[*fields, "updated_at"])
