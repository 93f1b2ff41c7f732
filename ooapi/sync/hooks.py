"""What enrolment tells connected institutions' systems (``settings.ENROLMENT_INSTITUTION_SYNC``).

Each hook runs inside the enrolment transaction that made the change, with the request locked, so the
outbox row it writes commits or rolls back with that change (the transactional outbox). Nothing here calls
an institution: ``ooapi.sync.dispatcher`` does, after commit, from a Celery worker. See
``ooapi.sync.services`` for the flow.
"""

from __future__ import annotations

from ooapi.sync import services


def home_review_requested(*, request) -> bool:
    """Ask the connected home institution to decide; True when it will (the portal then waits)."""
    return services.home_review_request(request=request)


def registration_requested(*, request) -> None:
    """Both institutions' systems must record the admitted enrolment."""
    services.registration_request(request=request)


def request_ended(*, request) -> None:
    """The request was cancelled, withdrawn or expired."""
    services.request_end(request=request)


def result_recorded(*, request, result: dict) -> None:
    """The host recorded the result."""
    services.result_send(request=request, result=result)
