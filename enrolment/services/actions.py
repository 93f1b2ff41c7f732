"""The actions people take on a request, by the name the pages and the API use: one table.

Each ``Action`` names the lifecycle verbs behind it (staff cancel for the side they act for), the service
that performs it, the button's label and what its form asks for. The API's transition endpoint, the pages'
buttons and ``available_actions`` are all read from ``ACTIONS``; whether a user may act is
``permissions.may`` for the verbs, the same check the services make.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from enrolment import lifecycle
from enrolment.errors import EnrolmentError
from enrolment.models import DENIAL_REASONS, EnrolmentRequest, ReasonCode
from enrolment.permissions import may
from enrolment.services import admission, approval, requests

UNKNOWN_ACTION_MESSAGE = _("This action does not exist for enrolment requests.")
DENIAL_CHOICES = tuple((r.value, r.label) for r in DENIAL_REASONS)
STAFF_CANCEL_CHOICES = tuple((r.value, r.label) for r in (*DENIAL_REASONS, ReasonCode.OFFERING_CANCELLED))


@dataclass(frozen=True)
class Action:
    name: str
    verbs: tuple[lifecycle.Verb, ...]
    perform: Callable[..., EnrolmentRequest]  # (user, request_id, reason, comment, motivation)
    label: str | Promise
    help: str  # for the API documentation: who, from which states, what the body needs
    reasons: tuple[tuple[str, str | Promise], ...] = ()  # the reason codes the form offers (required if any)
    comment: bool = False
    motivation: bool = False


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            "cancel",
            (lifecycle.CANCEL,),
            lambda user, pk, reason, comment, motivation: requests.request_cancel(
                user=user, request_id=pk, reason=reason, comment=comment
            ),
            _("Cancel request"),
            "The student before admission, until the offering's deadline. Staff may use it too, with a `reason`.",
        ),
        Action(
            "accept",
            (lifecycle.ACCEPT,),
            lambda user, pk, reason, comment, motivation: admission.seat_offer_accept(request_id=pk, actor=user),
            _("Accept the seat"),
            "The student, from `seat_offered`, before `accept_by`.",
        ),
        Action(
            "decline",
            (lifecycle.DECLINE,),
            lambda user, pk, reason, comment, motivation: admission.seat_offer_decline(request_id=pk, actor=user),
            _("Decline the seat"),
            "The student, from `seat_offered`: the seat passes to the next student.",
        ),
        Action(
            "withdraw",
            (lifecycle.WITHDRAW,),
            lambda user, pk, reason, comment, motivation: requests.request_withdraw(
                user=user, request_id=pk, comment=comment
            ),
            _("Withdraw from the course"),
            "The student, from `admitted` or `registered`, until the offering's deadline.",
            comment=True,
        ),
        Action(
            "resubmit",
            (lifecycle.RESUBMIT,),
            lambda user, pk, reason, comment, motivation: requests.request_resubmit(
                user=user, request_id=pk, motivation=motivation
            ),
            _("Submit again"),
            "The student, from `home_denied`, with an optional new `motivation`; eligibility is checked again.",
            motivation=True,
        ),
        Action(
            "approve",
            (lifecycle.APPROVE,),
            lambda user, pk, reason, comment, motivation: approval.home_approve(
                user=user, request_id=pk, comment=comment
            ),
            _("Approve"),
            "Home staff in the role of the current approval step, from `submitted`.",
            comment=True,
        ),
        Action(
            "deny",
            (lifecycle.DENY,),
            lambda user, pk, reason, comment, motivation: approval.home_deny(
                user=user, request_id=pk, reason=reason, comment=comment
            ),
            _("Deny"),
            "Home staff in the role of the current approval step, from `submitted`; `reason` required.",
            reasons=DENIAL_CHOICES,
            comment=True,
        ),
        Action(
            "admit",
            (lifecycle.ADMIT,),
            lambda user, pk, reason, comment, motivation: admission.host_admit(
                request_id=pk, actor=user, comment=comment
            ),
            _("Admit"),
            "Host admissions, once home approved: from `home_approved` or `waitlisted`.",
            comment=True,
        ),
        Action(
            "reject",
            (lifecycle.REJECT,),
            lambda user, pk, reason, comment, motivation: admission.host_deny(
                request_id=pk, actor=user, reason=reason, comment=comment
            ),
            _("Reject"),
            "Host admissions, from `home_approved` or `waitlisted`; `reason` required.",
            reasons=DENIAL_CHOICES,
            comment=True,
        ),
        Action(
            "waitlist",
            (lifecycle.WAITLIST,),
            lambda user, pk, reason, comment, motivation: admission.host_waitlist(
                request_id=pk, actor=user, comment=comment
            ),
            _("Waitlist"),
            "Host admissions, from `home_approved`.",
            comment=True,
        ),
        Action(
            "staff_cancel",
            (lifecycle.HOST_CANCEL, lifecycle.HOME_CANCEL),
            lambda user, pk, reason, comment, motivation: requests.request_cancel(
                user=user, request_id=pk, reason=reason, comment=comment, as_staff=True
            ),
            _("Cancel for the student"),
            "Staff of either side at any open stage (the host once home approved); `reason` required.",
            reasons=STAFF_CANCEL_CHOICES,
            comment=True,
        ),
    )
}


def available_actions(user, request: EnrolmentRequest) -> list[str]:
    """What ``user`` may do with ``request`` now, from the same verbs and checks the services apply."""
    return [name for name, action in ACTIONS.items() if any(may(user, request, verb) for verb in action.verbs)]


def request_act(
    *, user, request_id: int, verb: str, reason: str = "", comment: str = "", motivation: str = ""
) -> EnrolmentRequest:
    """Perform one action on a request as ``user``: the one dispatch used by the pages and the API.

    The called service checks who may act, for which institution and from which state (NotAllowedError 403,
    WrongStateError 409), under its own locks; this function decides nothing itself. Raises EnrolmentError
    for an unknown action.
    """
    try:
        action = ACTIONS[verb]
    except KeyError:
        raise EnrolmentError(UNKNOWN_ACTION_MESSAGE, code="unknown_action") from None
    return action.perform(user, request_id, reason, comment, motivation)
