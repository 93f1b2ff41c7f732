"""Home approval: the student's own institution says yes or no, in one or two steps, within a deadline.

Approval may lead straight into host admission (first come, first served), so every function here that
can approve locks the offering before the request, like the admission service.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import StaffRole
from credentials.selectors import recognition_precedent_covers
from enrolment import lifecycle
from enrolment.errors import REASON_REQUIRED_MESSAGE, EnrolmentError
from enrolment.lifecycle import transition
from enrolment.models import DENIAL_REASONS, EnrolmentRequest, HomeApprovalPolicy, Notification, ReasonCode, Status
from enrolment.permissions import require_verb
from enrolment.services.admission import admission_after_home_approval, locked_pair
from portal.db import retry_on_deadlock


def policy_for(institution_id: int) -> HomeApprovalPolicy:
    policy = HomeApprovalPolicy.objects.filter(institution_id=institution_id).first()
    return policy or HomeApprovalPolicy(institution_id=institution_id)


def home_review_start(*, request: EnrolmentRequest, offering, policy: HomeApprovalPolicy | None = None) -> None:
    """Right after submission (caller holds the locks): approve automatically when the policy says so or
    a stored recognition decision covers the course for the student's programme; else start the clock."""
    from enrolment.services.registration import home_review_by_institution

    if home_review_by_institution(request=request):
        return  # a connected home decides in its own system; home_decision_from_institution applies it
    policy = policy or policy_for(request.home_institution_id)
    now = timezone.now()
    reason = None
    if policy.mode == HomeApprovalPolicy.Mode.AUTOMATIC:
        reason = ReasonCode.POLICY_AUTO_APPROVAL
    elif recognition_precedent_covers(
        programme_id=request.student.programme_id, course_id=offering.course_id, on=now.date()
    ):
        reason = ReasonCode.RECOGNITION_PRECEDENT
    if reason:
        _approve(request, offering=offering, reason=reason)
        return
    request.decision_due_at = now + dt.timedelta(days=policy.decision_days)
    request.reminded_at = request.escalated_at = None
    request.save(update_fields=["decision_due_at", "reminded_at", "escalated_at"])


def _approve(
    request: EnrolmentRequest,
    *,
    offering,
    reason,
    verb: lifecycle.Verb = lifecycle.HOME_DECIDE,
    actor=None,
    actor_role="system",
    comment="",
) -> None:
    transition(
        request,
        verb=verb,
        to=Status.HOME_APPROVED,
        actor=actor,
        actor_role=actor_role,
        reason=reason,
        comment=comment,
    )
    admission_after_home_approval(request=request, offering=offering)


def home_approve(*, user, request_id: int, comment: str = "") -> EnrolmentRequest:
    """A home approver (or, in a two-step policy, first the first-step role, then the second) approves.

    Locks the offering, then the request. Raises NotAllowedError for anyone without the current step's
    role at the student's home institution, WrongStateError unless the request awaits home approval.
    """
    with transaction.atomic():
        offering, request = locked_pair(request_id)
        role = require_verb(user, request, lifecycle.APPROVE)
        steps = policy_for(request.home_institution_id).steps
        if request.home_step + 1 < len(steps):
            request.home_step += 1
            transition(
                request,
                verb=lifecycle.APPROVE,
                to=Status.SUBMITTED,
                actor=user,
                actor_role=role,
                reason=ReasonCode.STEP_APPROVED,
                comment=comment,
                extra_fields=("home_step",),
            )
        else:
            _approve(
                request,
                offering=offering,
                reason=ReasonCode.APPROVED,
                verb=lifecycle.APPROVE,
                actor=user,
                actor_role=role,
                comment=comment,
            )
        return request


@retry_on_deadlock
def home_deny(*, user, request_id: int, reason: str, comment: str = "") -> EnrolmentRequest:
    """Deny with a reason code (required); the next ranked choice, if any, is tried automatically."""
    if reason not in DENIAL_REASONS:
        raise EnrolmentError(REASON_REQUIRED_MESSAGE, code="reason_required")
    with transaction.atomic():
        _offering, request = locked_pair(request_id)
        role = require_verb(user, request, lifecycle.DENY)
        transition(request, verb=lifecycle.DENY, actor=user, actor_role=role, reason=reason, comment=comment)
        from enrolment.services.requests import alternatives_advance

        alternatives_advance(request=request)
        return request


@retry_on_deadlock
def home_decision_from_institution(*, request_id: int, approved: bool, comment: str = "") -> EnrolmentRequest | None:
    """Apply the decision a connected home institution took in its own system (reached over OOAPI).

    Locks the offering, then the request. Idempotent: a request no longer awaiting home approval is left
    as it is and None is returned, so a repeated or late answer changes nothing.
    """
    with transaction.atomic():
        offering, request = locked_pair(request_id)
        if not lifecycle.HOME_DECIDE.allows(request.status):
            return None
        if approved:
            _approve(
                request,
                offering=offering,
                reason=ReasonCode.HOME_SYSTEM_DECISION,
                actor_role="home_system",
                comment=comment,
            )
        else:
            transition(
                request,
                verb=lifecycle.HOME_DECIDE,
                to=Status.HOME_DENIED,
                actor_role="home_system",
                reason=ReasonCode.HOME_SYSTEM_DECISION,
                comment=comment,
            )
            from enrolment.services.requests import alternatives_advance

            alternatives_advance(request=request)
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
                _notify_staff(request, StaffRole.Role.EXAMINATION_BOARD, kind="escalation")
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
                from enrolment.permissions import home_step_role

                _notify_staff(request, home_step_role(request), kind="reminder")
                reminded += 1
    return {"reminded": reminded, "escalated": escalated}


def _notify_staff(request: EnrolmentRequest, role: str, *, kind: str) -> None:
    staff = StaffRole.objects.filter(institution_id=request.home_institution_id, role=role).values_list(
        "user_id", flat=True
    )
    Notification.objects.bulk_create([Notification(user_id=user_id, request=request, kind=kind) for user_id in staff])


def home_bulk_decide(*, user, public_ids, verb: str, reason: str = "", comment: str = "") -> dict[str, dict]:
    """Approve or deny many requests; each is decided in its own transaction and reported on its own,
    so one request in the wrong state does not undo the others."""
    from enrolment.errors import RequestNotFoundError
    from enrolment.permissions import request_for
    from portal.errors import ApplicationError

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
