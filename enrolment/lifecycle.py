"""The one lifecycle of a cross-enrolment request: its verbs and the one function that moves a request.
Read ``VERBS`` to know every move, whose it is and where it may start; ``enrolment/README.md`` draws it.

``transition`` is the only code that changes ``EnrolmentRequest.status``. It expects the caller to hold
the request's row lock (``select_for_update``) inside ``transaction.atomic``, checks the verb's source
states, saves with ``update_fields``, writes the audit row and queues the notifications after commit.
Inside ``moves_together()`` several moves are written together when the block ends: one UPDATE per
request, one INSERT for all audit rows, one notification task.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from enrolment.errors import WRONG_STATE_MESSAGE, WrongStateError
from enrolment.models import EnrolmentRequest, ReasonCode, RequestEvent, Status
from portal.i18n import lazy_format

S = Status


class Actor(enum.StrEnum):
    """Whose a verb is. A student acts on their own request; home and host staff act for their institution
    in their role; the system acts on its own (policies, the lottery, deadlines, the institutions' systems)."""

    STUDENT = "student"
    HOME = "home"
    HOST = "host"
    SYSTEM = "system"


@dataclass(frozen=True)
class Verb:
    """One move of the lifecycle: whose it is, the states it may start from and the states it may lead to.

    A table of (from, to) pairs cannot tell a host's ``admit`` from a student's ``accept``: both lead to
    ``admitted``. So every move names its verb, and ``transition`` checks the verb's own source states.
    Verbs that submit (``checks_eligibility``) are refused unless the caller evaluated the eligibility rules
    in the same transaction and they passed: every door into ``submitted`` has the same guard.
    """

    name: str
    actor: Actor
    sources: frozenset[str]
    targets: frozenset[str]
    label: Promise
    checks_eligibility: bool = False

    def allows(self, status: str) -> bool:
        return status in self.sources


def _verb(name, actor, sources, targets, label, **options) -> Verb:
    return Verb(name, actor, frozenset(sources), frozenset(targets), label, **options)


# What a student may cancel themselves; after admission they withdraw instead.
STUDENT_CANCELLABLE = (S.DRAFT, S.SUBMITTED, S.HOME_APPROVED, S.HOME_DENIED, S.WAITLISTED, S.SEAT_OFFERED)
# States in which the host has the request (home approved it) and it is still open.
HOST_ACTIVE = (S.HOME_APPROVED, S.WAITLISTED, S.SEAT_OFFERED, S.ADMITTED, S.REGISTERED)

# The student's verbs.
SUBMIT = _verb("submit", Actor.STUDENT, [S.DRAFT], [S.SUBMITTED], _("submitted"), checks_eligibility=True)
RESUBMIT = _verb("resubmit", Actor.STUDENT, [S.HOME_DENIED], [S.SUBMITTED], _("resubmitted"), checks_eligibility=True)
CANCEL = _verb("cancel", Actor.STUDENT, STUDENT_CANCELLABLE, [S.CANCELLED], _("cancelled"))
WITHDRAW = _verb("withdraw", Actor.STUDENT, [S.ADMITTED, S.REGISTERED], [S.WITHDRAWN], _("withdrawn"))
ACCEPT = _verb("accept", Actor.STUDENT, [S.SEAT_OFFERED], [S.ADMITTED], _("accepted"))
DECLINE = _verb("decline", Actor.STUDENT, [S.SEAT_OFFERED], [S.CANCELLED], _("declined"))
# The home institution's staff. A two-step approval records its first step as submitted → submitted.
APPROVE = _verb("approve", Actor.HOME, [S.SUBMITTED], [S.SUBMITTED, S.HOME_APPROVED], _("approved"))
DENY = _verb("deny", Actor.HOME, [S.SUBMITTED], [S.HOME_DENIED], _("denied"))
HOME_CANCEL = _verb(
    "home_cancel", Actor.HOME, [S.SUBMITTED, S.HOME_DENIED, *HOST_ACTIVE], [S.CANCELLED], _("cancelled")
)
# The host institution's staff: only once home has approved.
ADMIT = _verb("admit", Actor.HOST, [S.HOME_APPROVED, S.WAITLISTED], [S.ADMITTED], _("admitted"))
WAITLIST = _verb("waitlist", Actor.HOST, [S.HOME_APPROVED], [S.WAITLISTED], _("waitlisted"))
REJECT = _verb("reject", Actor.HOST, [S.HOME_APPROVED, S.WAITLISTED], [S.HOST_DENIED], _("denied by the host"))
COMPLETE = _verb("complete", Actor.HOST, [S.REGISTERED], [S.COMPLETED], _("completed"))
HOST_CANCEL = _verb("host_cancel", Actor.HOST, HOST_ACTIVE, [S.CANCELLED], _("cancelled"))
# The system's: automatic decisions, the lottery, the waitlist, deadlines and the institutions' systems.
NEXT_CHOICE = _verb(
    "next_choice", Actor.SYSTEM, [S.DRAFT], [S.SUBMITTED], _("submitted as the next choice"), checks_eligibility=True
)
DROP_CHOICE = _verb("drop_choice", Actor.SYSTEM, [S.DRAFT], [S.CANCELLED], _("cancelled"))
HOME_DECIDE = _verb(
    "home_decide", Actor.SYSTEM, [S.SUBMITTED], [S.HOME_APPROVED, S.HOME_DENIED], _("decided by the home institution")
)
PLACE = _verb("place", Actor.SYSTEM, [S.HOME_APPROVED], [S.ADMITTED, S.WAITLISTED], _("placed"))
OFFER = _verb("offer", Actor.SYSTEM, [S.WAITLISTED], [S.SEAT_OFFERED], _("offered a seat"))
EXPIRE = _verb("expire", Actor.SYSTEM, [S.WAITLISTED, S.SEAT_OFFERED], [S.EXPIRED], _("expired"))
REGISTER = _verb("register", Actor.SYSTEM, [S.ADMITTED], [S.REGISTERED], _("registered"))

VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in (
        SUBMIT,
        RESUBMIT,
        CANCEL,
        WITHDRAW,
        ACCEPT,
        DECLINE,
        APPROVE,
        DENY,
        HOME_CANCEL,
        ADMIT,
        WAITLIST,
        REJECT,
        COMPLETE,
        HOST_CANCEL,
        NEXT_CHOICE,
        DROP_CHOICE,
        HOME_DECIDE,
        PLACE,
        OFFER,
        EXPIRE,
        REGISTER,
    )
}


def _allowed() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {status: set() for status in Status.values}
    for verb in VERBS.values():
        for source in verb.sources:
            table[source] |= verb.targets
    return table


# Every possible move, (from, to), derived from the verbs: for reading and drawing, not for checking.
ALLOWED: dict[str, set[str]] = _allowed()


def _wrong_state(request: EnrolmentRequest, verb: Verb) -> WrongStateError:
    status_label = Status(request.status).label
    message = lazy_format(WRONG_STATE_MESSAGE, status=status_label, verb=verb.label)
    return WrongStateError(message, extra={"status": request.status})


def verb_check(request: EnrolmentRequest, verb: Verb) -> None:
    """WrongStateError (409) unless ``verb`` may start from the request's current state."""
    if not verb.allows(request.status):
        raise _wrong_state(request, verb)


def transition(
    request: EnrolmentRequest,
    *,
    verb: Verb,
    to: Status | None = None,
    actor=None,
    actor_role: str = "system",
    reason: ReasonCode = ReasonCode.AUTOMATIC,
    comment: str = "",
    extra_fields: tuple[str, ...] = (),
    eligibility=None,
) -> RequestEvent:
    """Move ``request`` by ``verb`` to ``to`` (the verb's only target when not given) and record who, when
    and why.

    Requires: inside ``transaction.atomic`` with the request row locked by the caller, who has checked who
    may act (``permissions.require_verb``). Raises ``WrongStateError`` (nothing written) when the verb may
    not start from the request's state. A verb that submits needs ``eligibility``, evaluated by the caller
    in this transaction: ``NotEligibleError`` when it failed. Saves ``status`` and ``extra_fields`` only.
    Queues notifications with ``transaction.on_commit``, so a rolled-back move never notifies anyone.
    """
    verb_check(request, verb)
    if to is None:
        (to,) = verb.targets
    if to not in verb.targets:
        raise ValueError(f"{verb.name} does not lead to {to}")
    if verb.checks_eligibility:
        if eligibility is None:
            raise ValueError(f"{verb.name} submits: evaluate the eligibility rules first")
        if not eligibility.eligible:
            raise eligibility.error()
    previous = request.status
    request.status = to
    fields = {"status", "updated_at", *extra_fields}
    if to == Status.SUBMITTED and previous != Status.SUBMITTED:
        request.submitted_at = timezone.now()
        fields.add("submitted_at")
    if to == Status.HOME_APPROVED and request.home_approved_at is None:
        # From now on the host sees the request, whatever becomes of it.
        request.home_approved_at = timezone.now()
        fields.add("home_approved_at")
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

    Each move is checked against its verb when it is made, and the objects in memory are up to date at
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
