"""The boundary with the institutions' own systems: what enrolment asks of a connected institution.

For two portal-managed institutions the portal is the system of record for both sides, and nothing crosses
this boundary. When either side is connected (OOAPI v5), enrolment tells the registered gateway, inside the
transaction that made the change, so it can write its outbox messages; the gateway later answers through
enrolment's commands (``services.approval.home_decision_from_institution``,
``services.registration``). Enrolment never imports the code behind it: the ``ooapi`` app registers its
gateway at start-up (``OoapiConfig.ready``). Without one, a connected institution's requests wait: the
portal never decides for a system it cannot reach.
"""

from __future__ import annotations

from typing import Protocol

from enrolment.models import EnrolmentRequest
from institutions.models import Institution


class InstitutionGateway(Protocol):
    """What a connected institution's system is told. Each call runs inside the enrolment transaction,
    with the request locked, and must only write (an outbox row), never call out."""

    def home_review_requested(self, *, request: EnrolmentRequest) -> bool:
        """The connected home decides in its own system; True when it will (the portal then waits)."""

    def registration_requested(self, *, request: EnrolmentRequest) -> dict[str, str]:
        """The connected sides' systems must record the admitted enrolment. Answers, by side ("home",
        "host"), the references of those that have it already; the others confirm later, through
        ``services.registration.registration_side_confirm``."""

    def request_ended(self, *, request: EnrolmentRequest) -> None:
        """The request was cancelled, withdrawn or expired after it was submitted."""

    def result_recorded(self, *, request: EnrolmentRequest, result: dict) -> None:
        """The host recorded the result."""


class _Unconnected:
    """No gateway registered: connected institutions hear nothing, and their home review never starts."""

    def home_review_requested(self, *, request: EnrolmentRequest) -> bool:
        return False

    def registration_requested(self, *, request: EnrolmentRequest) -> dict[str, str]:
        return {}

    def request_ended(self, *, request: EnrolmentRequest) -> None:
        return None

    def result_recorded(self, *, request: EnrolmentRequest, result: dict) -> None:
        return None


_gateway: InstitutionGateway = _Unconnected()


def gateway_register(gateway: InstitutionGateway) -> None:
    """Install the gateway to connected institutions (called once, from an ``AppConfig.ready()``)."""
    global _gateway
    _gateway = gateway


def gateway() -> InstitutionGateway:
    return _gateway


def _integration(request: EnrolmentRequest, side: str) -> str:
    if getattr(request, f"{side}_id") is None:
        return ""  # a module-only learner's registration has no home institution
    cached = getattr(EnrolmentRequest, side).is_cached(request)
    if cached:
        return getattr(request, side).integration
    return Institution.objects.values_list("integration", flat=True).get(pk=getattr(request, f"{side}_id"))


def home_is_connected(request: EnrolmentRequest) -> bool:
    return _integration(request, "home_institution") == Institution.Integration.CONNECTED


def needs_gateway(request: EnrolmentRequest) -> bool:
    """Either institution is connected: the registration and every later change cross the boundary."""
    connected = Institution.Integration.CONNECTED
    return connected in (_integration(request, "home_institution"), _integration(request, "host_institution"))
