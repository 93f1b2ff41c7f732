"""What enrolment tells connected institutions' systems (``settings.ENROLMENT_INSTITUTION_SYNC``).

Each hook runs inside the enrolment transaction that made the change, so the outbox row it writes commits
or rolls back with it. Until the OOAPI sync lands (issue #4) the hooks record nothing: a connected home
institution then decides in the portal like a portal-managed one, and registration with a connected
institution waits in "admitted".
"""

from __future__ import annotations


def home_review_requested(*, request) -> bool:
    """Ask the connected home institution to decide; True when it will (the portal then waits)."""
    return False


def registration_requested(*, request) -> None:
    """Both institutions' systems must record the admitted enrolment."""


def request_ended(*, request) -> None:
    """The request was cancelled, withdrawn or expired."""


def result_recorded(*, request, result: dict) -> None:
    """The host recorded the result."""
