"""The path of a request: the only code that chains the automatic steps.

A command (``enrolment.services``) takes its locks, checks who may act, makes its one move, then calls
``advance`` with the verb it used. ``advance`` runs whatever follows on its own, until the request waits for
a person or an institution's system:

    submitted, no home (a module-only learner) ──▶ forwarded to the host: home_approved, no home step
    submitted ──▶ home review starts ──(policy, precedent)──▶ home_approved
    home_approved ──▶ placed: admitted, waitlisted, or waiting for the lottery or the host's selection
    admitted ──▶ the other ranked choices are dropped ──▶ registration (at once, or through the gateway)
    ended without a seat (denied, declined, expired) ──▶ the next ranked choice is submitted
    ended by the student or staff (cancelled, withdrawn) ──▶ the other choices are dropped

Seats freed on the way are offered to the waitlist by ``enrolment.seats`` itself. Every step runs under the
locks the command took up front; the next choice's offering is among them (``locks.lock_request`` takes the
offerings of all ranked choices).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from enrolment import lifecycle
from enrolment.locks import Held
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, ReasonCode, Status
from enrolment.steps import alternatives, forwarding, home_review, placement, registration, submission

SUBMITTING = (lifecycle.SUBMIT, lifecycle.RESUBMIT, lifecycle.NEXT_CHOICE)
APPROVING = (lifecycle.APPROVE, lifecycle.HOME_DECIDE, lifecycle.FORWARD)
ADMITTING = (lifecycle.PLACE, lifecycle.ADMIT, lifecycle.ACCEPT)
# Ended without a seat through no choice of the student's own: the next ranked choice gets its turn.
MISSING_OUT = (
    lifecycle.DENY,
    lifecycle.HOME_DECIDE,
    lifecycle.HOST_DECIDE,
    lifecycle.REJECT,
    lifecycle.DECLINE,
    lifecycle.EXPIRE,
)
# Ended by the student or staff: the request is over, with its other choices.
ENDING = (lifecycle.CANCEL, lifecycle.HOME_CANCEL, lifecycle.HOST_CANCEL, lifecycle.WITHDRAW)
NO_SEAT = (Status.HOME_DENIED, Status.HOST_DENIED, Status.CANCELLED, Status.EXPIRED)


def advance(
    held: Held,
    request: EnrolmentRequest,
    *,
    after: lifecycle.Verb,
    policy: HomeApprovalPolicy | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Run the automatic steps that follow ``request``'s move by ``after``. ``policy``: the home
    institution's approval policy, when the command has read it already."""
    now = now or timezone.now()
    if after in SUBMITTING and request.home_institution_id is None:
        # A module-only learner's registration: no home step, straight to the host.
        forwarding.forward(held, request)
        advance(held, request, after=lifecycle.FORWARD, now=now)
    elif after in SUBMITTING:
        home_review.review_start(held, request, policy=policy, now=now)
        if request.status == Status.HOME_APPROVED:
            advance(held, request, after=lifecycle.HOME_DECIDE, now=now)
    elif after in APPROVING and request.status == Status.HOME_APPROVED:
        placement.place(held, request, now=now)
        if request.status == Status.ADMITTED:
            advance(held, request, after=lifecycle.PLACE, now=now)
    elif after in ADMITTING and request.status == Status.ADMITTED:
        alternatives.settle(held, request)
        registration.start(held, request)
    elif after in MISSING_OUT and request.status in NO_SEAT:
        following = submission.next_choice(held, request, now=now)
        if following is not None:
            advance(held, following, after=lifecycle.NEXT_CHOICE, now=now)
    elif after in ENDING:
        alternatives.drop(held, request, reason=ReasonCode.STUDENT_REQUEST)


def advance_all(held: Held, requests: list[EnrolmentRequest], *, after: lifecycle.Verb) -> None:
    """``advance`` for several requests moved by one command (a lottery draw, a promotion)."""
    for request in requests:
        advance(held, request, after=after)
