"""Home approval commands: the student's own institution says yes or no, in one or two steps, within a
deadline; or its own system decides (a connected home). An approval may lead straight into admission, so
every command here locks the offerings before the request (``enrolment.locks``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import StaffRole
from core.db import retry_on_deadlock
from core.errors import ApplicationError
from enrolment import flow, lifecycle, locks
from enrolment.errors import REASON_REQUIRED_MESSAGE, EnrolmentError, RequestNotFoundError
from enrolment.models import DENIAL_REASONS, EnrolmentRequest, Status
from enrolment.permissions import home_step_role, request_for, require_verb
from enrolment.services.messages import staff_notify
from enrolment.steps import home_review
from enrolment.steps.home_review import policy_for, recogniser_register

# Apps above enrolment register their standing decisions (credentials: precedents) through here.
__all__ = ["policy_for", "recogniser_register"]


def home_approve(*, user, request_id: int, comment: str = "") -> EnrolmentRequest:
    """A home approver (or, in a two-step policy, first the first-step role, then the second) approves.

    Raises NotAllowedError (403) for anyone without the current step's role at the student's home
    institution, WrongStateError (409) unless the request awaits home approval, BusyError (409).
    """
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        role = require_verb(user, request, lifecycle.APPROVE)
        home_review.approve(held, request, user=user, role=role, comment=comment)
        flow.advance(held, request, after=lifecycle.APPROVE)
        return request


@retry_on_deadlock
def home_deny(*, user, request_id: int, reason: str, comment: str = "") -> EnrolmentRequest:
    """Deny with a reason code (required); the next ranked choice, if any, is tried automatically."""
    if reason not in DENIAL_REASONS:
        raise EnrolmentError(REASON_REQUIRED_MESSAGE, code="reason_required")
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        role = require_verb(user, request, lifecycle.DENY)
        home_review.deny(held, request, user=user, role=role, reason=reason, comment=comment)
        flow.advance(held, request, after=lifecycle.DENY)
        return request


def home_approve_recognised(*, request_id: int) -> EnrolmentRequest | None:
    """The home examination board pre-approved the course (results' recognition): the request, if it still
    awaits home approval, is approved, and the next steps follow. Otherwise nothing changes (None)."""
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        if not lifecycle.HOME_DECIDE.allows(request.status):
            return None
        home_review.approve_by_recognition(held, request)
        flow.advance(held, request, after=lifecycle.HOME_DECIDE)
        return request


@retry_on_deadlock
def home_decision_from_institution(*, request_id: int, approved: bool, comment: str = "") -> EnrolmentRequest | None:
    """Apply the decision a connected home institution took in its own system (reached over OOAPI).

    Idempotent: a request no longer awaiting home approval is left as it is and None is returned, so a
    repeated or late answer changes nothing. Returns the decided request, still locked.
    """
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        if not lifecycle.HOME_DECIDE.allows(request.status):
            return None
        home_review.decide_by_institution(held, request, approved=approved, comment=comment)
        flow.advance(held, request, after=lifecycle.HOME_DECIDE)
        return request


def home_deadlines_enforce(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat task: remind the deciders halfway, escalate to the examination board after the deadline.

    Idempotent: ``reminded_at`` and ``escalated_at`` record what was done, so a rerun sends nothing twice.
    """
    now = now or timezone.now()
    reminded = escalated = 0
    pending = EnrolmentRequest.objects.filter(status=Status.SUBMITTED, decision_due_at__isnull=False)
    for request in pending.filter(escalated_at__isnull=True, decision_due_at__lt=now).select_related(
        "home_institution"
    ):
        with transaction.atomic():
            updated = EnrolmentRequest.objects.filter(pk=request.pk, escalated_at__isnull=True).update(escalated_at=now)
            if updated:
                staff_notify(request, StaffRole.Role.EXAMINATION_BOARD, kind="escalation")
                escalated += 1
    for request in pending.filter(reminded_at__isnull=True, escalated_at__isnull=True).select_related(
        "home_institution"
    ):
        policy = policy_for(request.home_institution_id)
        remind_at = request.decision_due_at - dt.timedelta(days=max(policy.decision_days - policy.reminder_days, 0))
        if now < remind_at:
            continue
        with transaction.atomic():
            if EnrolmentRequest.objects.filter(pk=request.pk, reminded_at__isnull=True).update(reminded_at=now):
                staff_notify(request, home_step_role(request), kind="reminder")
                reminded += 1
    return {"reminded": reminded, "escalated": escalated}


def home_bulk_decide(*, user, public_ids, verb: str, reason: str = "", comment: str = "") -> dict[str, dict]:
    """Approve or deny many requests; each is decided in its own transaction and reported on its own,
    so one request in the wrong state does not undo the others."""
    results: dict[str, dict] = {}
    for public_id in public_ids:
        key = str(public_id)
        try:
            pk = EnrolmentRequest.objects.values_list("pk", flat=True).get(public_id=public_id)
            request_for(user, pk)
            if verb == "approve":
                decided = home_approve(user=user, request_id=pk, comment=comment)
            else:
                decided = home_deny(user=user, request_id=pk, reason=reason, comment=comment)
            results[key] = {"ok": True, "status": decided.status}
        except EnrolmentRequest.DoesNotExist:
            results[key] = {"ok": False, "code": "not_found", "detail": str(RequestNotFoundError().message)}
        except ApplicationError as error:
            results[key] = {"ok": False, "code": error.code, "detail": str(error.message)}
    return results
