"""The institution gateway enrolment talks to (``enrolment.gateway.InstitutionGateway``), registered in
``OoapiConfig.ready()``.

Each call runs inside the enrolment transaction that made the change, with the request locked, so the
outbox row it writes commits or rolls back with that change (the transactional outbox). Nothing here calls
an institution: ``ooapi.sync.dispatcher`` does, after commit, from a Celery worker. See
``ooapi.sync.services`` for the flow.
"""

from __future__ import annotations

from ooapi.sync import services


class OoapiGateway:
    def home_review_requested(self, *, request) -> bool:
        """Ask the connected home institution to decide; True when it will (the portal then waits)."""
        return services.home_review_request(request=request)

    def registration_requested(self, *, request) -> dict[str, str]:
        """The connected sides' systems must record the admitted enrolment; those that have it already."""
        return services.registration_request(request=request)

    def request_ended(self, *, request) -> None:
        """The request was cancelled, withdrawn or expired."""
        services.request_end(request=request)

    def result_recorded(self, *, request, result: dict) -> None:
        """The host recorded the result."""
        services.result_send(request=request, result=result)
