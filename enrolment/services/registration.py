"""The "registered" step: both institutions' systems know the enrolment.

This is the service boundary issue #4 plugs into. For two portal-managed institutions the portal is the
system of record for both sides, so registration completes here, in the same transaction as the
admission. When either side is connected (OOAPI v5), the request stays ADMITTED ("awaiting registration
in the institutions' systems") until the connector confirms; ``registration_confirm`` is what it calls.
"""

from __future__ import annotations

from enrolment.lifecycle import transition
from enrolment.models import EnrolmentRequest, ReasonCode, Status
from institutions.models import Institution


def registration_needs_connector(request: EnrolmentRequest) -> bool:
    connected = Institution.Integration.CONNECTED
    institutions = Institution.objects.filter(pk__in=[request.home_institution_id, request.host_institution_id])
    return any(i.integration == connected for i in institutions)


def registration_start(*, request: EnrolmentRequest) -> None:
    """Called right after admission, under the caller's locks."""
    if request.status != Status.ADMITTED:
        return
    if registration_needs_connector(request):
        return  # issue #4: an outbox message to the connected system(s); they call registration_confirm
    transition(request, to=Status.REGISTERED, verb="register", reason=ReasonCode.REGISTERED_IN_PORTAL)


def registration_confirm(*, request: EnrolmentRequest, home_ref: str = "", host_ref: str = "") -> None:
    """Both systems have the enrolment: store their references and mark the request registered."""
    request.home_registration_ref = home_ref or request.home_registration_ref
    request.host_registration_ref = host_ref or request.host_registration_ref
    transition(
        request,
        to=Status.REGISTERED,
        verb="register",
        reason=ReasonCode.AUTOMATIC,
        extra_fields=("home_registration_ref", "host_registration_ref"),
    )
