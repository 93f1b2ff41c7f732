"""Ranked alternatives: once a choice holds a seat, or the student or staff end the request, the drafts
still waiting their turn are no longer needed."""

from __future__ import annotations

from enrolment import lifecycle
from enrolment.lifecycle import transition
from enrolment.locks import Held
from enrolment.models import EnrolmentRequest, ReasonCode, Status


def drop(held: Held, request: EnrolmentRequest, *, reason: str) -> None:
    """Cancel the drafts of ``request``'s group (the choices that never got their turn)."""
    for draft in held.choices(request):
        if draft.status == Status.DRAFT and draft.pk != request.pk:
            transition(draft, verb=lifecycle.DROP_CHOICE, reason=reason)


def settle(held: Held, request: EnrolmentRequest) -> None:
    """A choice holds a seat: the lower-ranked drafts go."""
    drop(held, request, reason=ReasonCode.ALTERNATIVE_ADMITTED)
