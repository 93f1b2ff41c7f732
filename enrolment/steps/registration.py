"""Registered: both institutions' systems have the enrolment. This is enrolment's own rule.

Each side confirms on its own: a portal-managed institution at once (the portal is its system), a connected
one when its system says so, through the gateway (its answer arrives as ``side_confirm``). The request is
registered once both sides have confirmed, whichever comes last.
"""

from __future__ import annotations

from django.utils import timezone

from enrolment import lifecycle
from enrolment.gateway import gateway
from enrolment.lifecycle import transition
from enrolment.locks import Held
from enrolment.models import EnrolmentRequest, ReasonCode, Status
from institutions.models import Institution

SIDES = ("home", "host")


def _connected(request: EnrolmentRequest, side: str) -> bool:
    return getattr(request, f"{side}_institution").integration == Institution.Integration.CONNECTED


def _sides(request: EnrolmentRequest) -> tuple[str, ...]:
    # A module-only learner's registration has no home side: the host alone registers it.
    return ("host",) if request.home_institution_id is None else SIDES


def start(held: Held, request: EnrolmentRequest) -> None:
    """Right after admission: the portal-managed sides confirm now; the connected ones are asked (the
    gateway answers at once for those whose systems have it already)."""
    if request.status != Status.ADMITTED:
        return
    sides = _sides(request)
    connected = [side for side in sides if _connected(request, side)]
    confirmed = {side: "" for side in sides if side not in connected}
    if connected:
        confirmed.update(gateway().registration_requested(request=request))
    fields = [field for side, reference in confirmed.items() for field in _stamp(request, side, reference)]
    _complete(request, fields, portal_only=not connected)


def side_confirm(held: Held, request: EnrolmentRequest, *, side: str, reference: str = "") -> bool:
    """One side's system has the enrolment (its reference kept); registers the request when it was the last.
    Idempotent. Returns whether the request was registered now."""
    if side not in _sides(request):
        raise ValueError(side)
    if request.status != Status.ADMITTED:
        return False
    return _complete(request, _stamp(request, side, reference), portal_only=False)


def _stamp(request: EnrolmentRequest, side: str, reference: str) -> list[str]:
    """Record that ``side`` confirmed (once) with its reference; returns the fields changed."""
    fields = []
    if getattr(request, f"{side}_registered_at") is None:
        setattr(request, f"{side}_registered_at", timezone.now())
        fields.append(f"{side}_registered_at")
    if reference and reference != getattr(request, f"{side}_registration_ref"):
        setattr(request, f"{side}_registration_ref", reference)
        fields.append(f"{side}_registration_ref")
    return fields


def _complete(request: EnrolmentRequest, fields: list[str], *, portal_only: bool) -> bool:
    """Register when both sides have confirmed; else just keep what changed."""
    if (request.home_registered_at or request.home_institution_id is None) and request.host_registered_at:
        transition(
            request,
            verb=lifecycle.REGISTER,
            reason=ReasonCode.REGISTERED_IN_PORTAL if portal_only else ReasonCode.AUTOMATIC,
            extra_fields=tuple(fields),
        )
        return True
    if fields:
        request.save(update_fields=[*fields, "updated_at"])
    return False


def references_store(request: EnrolmentRequest, *, home_ref: str = "", host_ref: str = "") -> None:
    """A connected institution's system created its record of the request (an OOAPI association) before
    it has the enrolment: keep its id now, so later changes (a cancel, the result) can address it. Empty
    values leave the stored reference as it is."""
    fields = []
    if home_ref and home_ref != request.home_registration_ref:
        request.home_registration_ref = home_ref
        fields.append("home_registration_ref")
    if host_ref and host_ref != request.host_registration_ref:
        request.host_registration_ref = host_ref
        fields.append("host_registration_ref")
    if fields:
        request.save(update_fields=[*fields, "updated_at"])
