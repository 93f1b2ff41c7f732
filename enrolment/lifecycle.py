"""The one lifecycle of a cross-enrolment request: its verbs, and the moves made with them.

Read ``VERBS`` to know every move, whose it is and where it may start; ``enrolment/README.md`` draws it.
The machinery is ``core.lifecycle``: ``transition`` is the only code that changes
``EnrolmentRequest.status``. It expects the caller to hold the request's row lock (``enrolment.locks``)
inside ``transaction.atomic`` and to have checked who may act (``permissions.require_verb``); it checks
the verb's source states, saves with ``update_fields``, writes a ``RequestEvent`` and hands it to the
subscribers (notifications, the institution gateway), which register in ``EnrolmentConfig.ready()``.

This module imports nothing of enrolment above its models and errors.
"""

from __future__ import annotations

import enum

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.lifecycle import Lifecycle, Verb, verb
from enrolment.errors import WRONG_STATE_MESSAGE
from enrolment.models import EnrolmentRequest, ReasonCode, RequestEvent, Status

S = Status


class Actor(enum.StrEnum):
    """Whose a verb is. A student acts on their own request; home and host staff act for their institution
    in their role; the system acts on its own (policies, the lottery, deadlines, the institutions' systems)."""

    STUDENT = "student"
    HOME = "home"
    HOST = "host"
    SYSTEM = "system"


# What a student may cancel themselves; after admission they withdraw instead.
STUDENT_CANCELLABLE = (S.DRAFT, S.SUBMITTED, S.HOME_APPROVED, S.HOME_DENIED, S.WAITLISTED, S.SEAT_OFFERED)
# States in which the host has the request (home approved it) and it is still open.
HOST_ACTIVE = (S.HOME_APPROVED, S.WAITLISTED, S.SEAT_OFFERED, S.ADMITTED, S.REGISTERED)

# The student's verbs. The verbs that submit are guarded by the eligibility rules.
SUBMIT = verb("submit", Actor.STUDENT, [S.DRAFT], [S.SUBMITTED], _("submitted"), guarded=True)
RESUBMIT = verb("resubmit", Actor.STUDENT, [S.HOME_DENIED], [S.SUBMITTED], _("resubmitted"), guarded=True)
CANCEL = verb("cancel", Actor.STUDENT, STUDENT_CANCELLABLE, [S.CANCELLED], _("cancelled"))
WITHDRAW = verb("withdraw", Actor.STUDENT, [S.ADMITTED, S.REGISTERED], [S.WITHDRAWN], _("withdrawn"))
ACCEPT = verb("accept", Actor.STUDENT, [S.SEAT_OFFERED], [S.ADMITTED], _("accepted"))
DECLINE = verb("decline", Actor.STUDENT, [S.SEAT_OFFERED], [S.CANCELLED], _("declined"))
# The home institution's staff. A two-step approval records its first step as submitted → submitted.
APPROVE = verb("approve", Actor.HOME, [S.SUBMITTED], [S.SUBMITTED, S.HOME_APPROVED], _("approved"))
DENY = verb("deny", Actor.HOME, [S.SUBMITTED], [S.HOME_DENIED], _("denied"))
HOME_CANCEL = verb("home_cancel", Actor.HOME, [S.SUBMITTED, S.HOME_DENIED, *HOST_ACTIVE], [S.CANCELLED], _("cancelled"))
# The host institution's staff: only once home has approved.
ADMIT = verb("admit", Actor.HOST, [S.HOME_APPROVED, S.WAITLISTED], [S.ADMITTED], _("admitted"))
WAITLIST = verb("waitlist", Actor.HOST, [S.HOME_APPROVED], [S.WAITLISTED], _("waitlisted"))
REJECT = verb("reject", Actor.HOST, [S.HOME_APPROVED, S.WAITLISTED], [S.HOST_DENIED], _("denied by the host"))
COMPLETE = verb("complete", Actor.HOST, [S.REGISTERED], [S.COMPLETED], _("completed"))
HOST_CANCEL = verb("host_cancel", Actor.HOST, HOST_ACTIVE, [S.CANCELLED], _("cancelled"))
# The system's: automatic decisions, the lottery, the waitlist, deadlines and the institutions' systems.
NEXT_CHOICE = verb(
    "next_choice", Actor.SYSTEM, [S.DRAFT], [S.SUBMITTED], _("submitted as the next choice"), guarded=True
)
DROP_CHOICE = verb("drop_choice", Actor.SYSTEM, [S.DRAFT], [S.CANCELLED], _("cancelled"))
HOME_DECIDE = verb(
    "home_decide", Actor.SYSTEM, [S.SUBMITTED], [S.HOME_APPROVED, S.HOME_DENIED], _("decided by the home institution")
)
# A connected host's own system denied or cancelled (OOAPI ``remoteState``), wherever the host has the request.
HOST_DECIDE = verb(
    "host_decide",
    Actor.SYSTEM,
    HOST_ACTIVE,
    [S.HOST_DENIED, S.CANCELLED],
    _("decided by the host institution's system"),
)
# A module-only learner's registration has no home step: the system forwards it to the host at once, which
# sets ``home_approved_at`` (the host's queues filter on it) without any home decision.
FORWARD = verb("forward", Actor.SYSTEM, [S.SUBMITTED], [S.HOME_APPROVED], _("forwarded to the host institution"))
PLACE = verb("place", Actor.SYSTEM, [S.HOME_APPROVED], [S.ADMITTED, S.WAITLISTED], _("placed"))
OFFER = verb("offer", Actor.SYSTEM, [S.WAITLISTED], [S.SEAT_OFFERED], _("offered a seat"))
EXPIRE = verb("expire", Actor.SYSTEM, [S.WAITLISTED, S.SEAT_OFFERED], [S.EXPIRED], _("expired"))
REGISTER = verb("register", Actor.SYSTEM, [S.ADMITTED], [S.REGISTERED], _("registered"))

# A request that ends after it was submitted: connected institutions' systems must hear of it.
ENDED = (S.CANCELLED, S.WITHDRAWN, S.EXPIRED)


def _event(
    request: EnrolmentRequest,
    previous: str,
    to: str,
    _verb: Verb,
    *,
    actor=None,
    actor_role="system",
    reason=ReasonCode.AUTOMATIC,
    comment="",
) -> RequestEvent:
    return RequestEvent(
        request=request,
        from_status=previous,
        to_status=to,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        actor_role=actor_role,
        reason=reason,
        comment=comment,
    )


def _on_enter(request: EnrolmentRequest, previous: str, to: str) -> list[str]:
    if to == S.SUBMITTED and previous != S.SUBMITTED:
        request.submitted_at = timezone.now()
        return ["submitted_at"]
    if to == S.HOME_APPROVED and request.home_approved_at is None:
        # From now on the host has the request, whatever becomes of it.
        request.home_approved_at = timezone.now()
        return ["home_approved_at"]
    return []


REQUESTS = Lifecycle(
    name="enrolment_request",
    states=Status,
    verbs=[
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
        HOST_DECIDE,
        FORWARD,
        PLACE,
        OFFER,
        EXPIRE,
        REGISTER,
    ],  # fmt: skip
    event=_event,
    wrong_state_message=WRONG_STATE_MESSAGE,
    on_enter=_on_enter,
)
VERBS: dict[str, Verb] = REQUESTS.verbs
# Every possible move, (from, to), derived from the verbs: for reading and drawing, not for checking.
ALLOWED: dict[str, set[str]] = REQUESTS.allowed

verb_check = REQUESTS.check
moves_together = REQUESTS.together
subscribe = REQUESTS.subscribe


def transition(
    request: EnrolmentRequest,
    *,
    verb: Verb,
    to: str | None = None,
    actor=None,
    actor_role: str = "system",
    reason: str = ReasonCode.AUTOMATIC,
    comment: str = "",
    extra_fields: tuple[str, ...] = (),
    eligibility=None,
) -> RequestEvent:
    """Move ``request`` by ``verb`` and record who, when and why (``core.lifecycle.Lifecycle.transition``).

    Requires: inside ``transaction.atomic`` with the request locked and the actor checked. Raises
    WrongStateError (409, nothing written) when the verb may not start from the request's state, and
    NotEligibleError when a submitting verb's ``eligibility`` did not pass.
    """
    return REQUESTS.transition(
        request,
        verb=verb,
        to=to,
        extra_fields=extra_fields,
        verdict=eligibility,
        actor=actor,
        actor_role=actor_role,
        reason=reason,
        comment=comment,
    )
