"""The one lifecycle of a cross-enrolment request: its transition table and the one function that moves
a request. Read ``ALLOWED`` to know every possible move; ``enrolment/README.md`` draws it.

``transition`` is the only code that changes ``EnrolmentRequest.status``. It expects the caller to hold
the request's row lock (``select_for_update``) inside ``transaction.atomic``, checks the move against the
table, saves with ``update_fields``, writes the audit row and queues the notifications after commit.
"""

from __future__ import annotations

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
    request.save(update_fields=sorted(fields))
    event = RequestEvent.objects.create(
        request=request,
        from_status=previous,
        to_status=to,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        actor_role=actor_role,
        reason=reason,
        comment=comment,
    )
    from enrolment.services.notifications import notifications_queue

    notifications_queue(event=event)
    if to in ENDED and previous != Status.DRAFT:
        from enrolment.services.registration import request_ended

        request_ended(request=request)
    return event


# A request that ends after it was submitted: connected institutions' systems must hear of it.
ENDED = (Status.CANCELLED, Status.WITHDRAWN, Status.EXPIRED)


def in_transaction() -> bool:
    return transaction.get_connection().in_atomic_block
