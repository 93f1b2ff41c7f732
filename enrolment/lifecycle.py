"""The one lifecycle of a cross-enrolment request: its transition table and the one function that moves
a request. Read ``ALLOWED`` to know every possible move; ``enrolment/README.md`` draws it.

``transition`` is the only code that changes ``EnrolmentRequest.status``. It expects the caller to hold
the request's row lock (``select_for_update``) inside ``transaction.atomic``, checks the move against the
table, saves with ``update_fields``, writes the audit row and queues the notifications after commit.
Inside ``moves_together()`` several moves are written together when the block ends: one UPDATE per
request, one INSERT for all audit rows, one notification task.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrolment.errors import WRONG_STATE_MESSAGE, WrongStateError
from enrolment.models import EnrolmentRequest, ReasonCode, RequestEvent, Status
from portal.i18n import lazy_format

S = Status

ALLOWED: dict[str, set[str]] = {
    S.DRAFT: {S.SUBMITTED, S.CANCELLED},
    # A two-step home approval records its first step as SUBMITTED → SUBMITTED.
    S.SUBMITTED: {S.SUBMITTED, S.HOME_APPROVED, S.HOME_DENIED, S.CANCELLED},
    S.HOME_DENIED: {S.SUBMITTED, S.CANCELLED},
    S.HOME_APPROVED: {S.ADMITTED, S.WAITLISTED, S.HOST_DENIED, S.CANCELLED},
    S.WAITLISTED: {S.SEAT_OFFERED, S.ADMITTED, S.HOST_DENIED, S.CANCELLED, S.EXPIRED},
    S.SEAT_OFFERED: {S.ADMITTED, S.CANCELLED, S.EXPIRED},
    S.ADMITTED: {S.REGISTERED, S.WITHDRAWN, S.CANCELLED},
    S.REGISTERED: {S.COMPLETED, S.WITHDRAWN, S.CANCELLED},
    S.HOST_DENIED: set(),
    S.COMPLETED: set(),
    S.WITHDRAWN: set(),
    S.CANCELLED: set(),
    S.EXPIRED: set(),
}

VERB_LABELS = {
    "submit": _("submitted"),
    "approve": _("approved"),
    "deny": _("denied"),
    "resubmit": _("resubmitted"),
    "admit": _("admitted"),
    "waitlist": _("waitlisted"),
    "reject": _("denied by the host"),
    "accept": _("accepted"),
    "decline": _("declined"),
    "cancel": _("cancelled"),
    "withdraw": _("withdrawn"),
    "complete": _("completed"),
    "register": _("registered"),
    "offer": _("offered a seat"),
    "expire": _("expired"),
}


def _wrong_state(request: EnrolmentRequest, verb: str) -> WrongStateError:
    status_label = Status(request.status).label
    message = lazy_format(WRONG_STATE_MESSAGE, status=status_label, verb=VERB_LABELS.get(verb, verb))
    return WrongStateError(message, extra={"status": request.status})


def can_move(request: EnrolmentRequest, to: str) -> bool:
    return to in ALLOWED[request.status]


def transition(
    request: EnrolmentRequest,
    *,
    to: Status,
    verb: str,
    actor=None,
    actor_role: str = "system",
    reason: ReasonCode = ReasonCode.AUTOMATIC,
    comment: str = "",
    extra_fields: tuple[str, ...] = (),
) -> RequestEvent:
    """Move ``request`` to ``to`` and record who, when and why.

    Requires: inside ``transaction.atomic`` with the request row locked by the caller. Raises
    ``WrongStateError`` (nothing written) when the table does not allow the move. Saves ``status`` and
    ``extra_fields`` only. Queues notifications with ``transaction.on_commit``, so a rolled-back move
    never notifies anyone.
    """
    if not can_move(request, to):
        raise _wrong_state(request, verb)
    previous = request.status
    request.status = to
    fields = {"status", "updated_at", *extra_fields}
    if to == Status.SUBMITTED and previous != Status.SUBMITTED:
        request.submitted_at = timezone.now()
        fields.add("submitted_at")
    event = RequestEvent(
        request=request,
        from_status=previous,
        to_status=to,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        actor_role=actor_role,
        reason=reason,
        comment=comment,
    )
    pending = _pending_moves.get()
    if pending is not None:
        # Written, with the audit row and its notification, when moves_together() ends.
        pending.saves.setdefault(id(request), (request, set()))[1].update(fields)
        pending.events.append(event)
    else:
        request.save(update_fields=sorted(fields))
        event.save()
        from enrolment.services.notifications import notifications_queue

        notifications_queue(event=event)
    if to in ENDED and previous != Status.DRAFT:
        from enrolment.services.registration import request_ended

        request_ended(request=request)
    return event


# A request that ends after it was submitted: connected institutions' systems must hear of it.
ENDED = (Status.CANCELLED, Status.WITHDRAWN, Status.EXPIRED)


@dataclass
class _PendingMoves:
    saves: dict[int, tuple[EnrolmentRequest, set[str]]] = field(default_factory=dict)  # by id() of the object
    events: list[RequestEvent] = field(default_factory=list)


# The moves waiting for the end of this thread's outermost ``moves_together()`` block.
_pending_moves: contextvars.ContextVar[_PendingMoves | None] = contextvars.ContextVar(
    "enrolment_pending_moves", default=None
)


@contextlib.contextmanager
def moves_together() -> Iterator[None]:
    """Write the moves made inside the block when it ends: one UPDATE per request with every field its
    moves changed, one INSERT for all their audit rows, one notification task for all of them. A request
    that is submitted, approved, admitted and registered in one go is then written in 3 statements, not 8.

    Each move is checked against ``ALLOWED`` when it is made, and the objects in memory are up to date at
    once; only the database rows wait. So the block must hold only code that does not read those requests'
    rows back from the database, and that catches no error from a nested ``atomic`` block (that would undo
    a move's effects but not the move). ``request_submit`` uses it where both institutions are portal-
    managed and there are no ranked alternatives, so no connector and no query on requests runs inside.

    Use inside ``transaction.atomic``: everything is written, and the task registered, in the savepoint
    that is current when the block ends, the one the moves were made in, so a rollback drops the moves,
    their audit rows and their notification together. When the block raises, nothing is written. Blocks
    nest: the outermost one writes.
    """
    if _pending_moves.get() is not None:
        yield
        return
    pending = _PendingMoves()
    token = _pending_moves.set(pending)
    try:
        yield
    finally:
        _pending_moves.reset(token)
    for request, fields in pending.saves.values():
        request.save(update_fields=sorted(fields))
    if pending.events:
        RequestEvent.objects.bulk_create(pending.events)
        from enrolment.services.notifications import notifications_queue

        notifications_queue(events=pending.events)


def in_transaction() -> bool:
    return transaction.get_connection().in_atomic_block
