"""The home institution's decision: started on submission, taken by staff (one or two steps), by a policy
or a standing recognition decision, or by a connected home's own system."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from enrolment import lifecycle
from enrolment.gateway import gateway, home_is_connected
from enrolment.lifecycle import transition
from enrolment.locks import Held
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, ReasonCode, Status

# Standing decisions that approve a request without staff: each answers a reason code, or None. Apps above
# enrolment register theirs in ``AppConfig.ready()`` (credentials: the recognition precedents).
Recogniser = Callable[[EnrolmentRequest, dt.date], str | None]
_recognisers: list[Recogniser] = []


def recogniser_register(recogniser: Recogniser) -> None:
    if recogniser not in _recognisers:
        _recognisers.append(recogniser)


def policy_for(institution_id: int) -> HomeApprovalPolicy:
    """The institution's stored policy, else the default (staff decide), unsaved."""
    policy = HomeApprovalPolicy.objects.filter(institution_id=institution_id).first()
    return policy or HomeApprovalPolicy(institution_id=institution_id)


def review_start(held: Held, request: EnrolmentRequest, *, policy: HomeApprovalPolicy | None = None, now=None) -> None:
    """Right after submission: a connected home decides in its own system (the gateway writes its message);
    a policy or a standing decision approves at once; otherwise the deadline clock starts."""
    if home_is_connected(request) and gateway().home_review_requested(request=request):
        return
    policy = policy or policy_for(request.home_institution_id)
    now = now or timezone.now()
    reason = None
    if policy.mode == HomeApprovalPolicy.Mode.AUTOMATIC:
        reason = ReasonCode.POLICY_AUTO_APPROVAL
    else:
        reason = next((r for r in (recognise(request, now.date()) for recognise in _recognisers) if r), None)
    if reason:
        transition(request, verb=lifecycle.HOME_DECIDE, to=Status.HOME_APPROVED, reason=reason)
        return
    request.decision_due_at = now + dt.timedelta(days=policy.decision_days)
    request.reminded_at = request.escalated_at = None
    request.save(update_fields=["decision_due_at", "reminded_at", "escalated_at"])


def approve(held: Held, request: EnrolmentRequest, *, user, role: str, comment: str = "") -> None:
    """Staff approve the current step: the first of two steps keeps the request submitted for the next."""
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
        return
    transition(
        request,
        verb=lifecycle.APPROVE,
        to=Status.HOME_APPROVED,
        actor=user,
        actor_role=role,
        reason=ReasonCode.APPROVED,
        comment=comment,
    )


def deny(held: Held, request: EnrolmentRequest, *, user, role: str, reason: str, comment: str = "") -> None:
    transition(request, verb=lifecycle.DENY, actor=user, actor_role=role, reason=reason, comment=comment)


def approve_by_recognition(held: Held, request: EnrolmentRequest) -> None:
    """The home examination board pre-approved the course: that is the home approval."""
    transition(
        request,
        verb=lifecycle.HOME_DECIDE,
        to=Status.HOME_APPROVED,
        actor_role="exam_board",
        reason=ReasonCode.RECOGNITION_PRECEDENT,
    )


def decide_by_institution(held: Held, request: EnrolmentRequest, *, approved: bool, comment: str = "") -> None:
    """A connected home decided in its own system."""
    transition(
        request,
        verb=lifecycle.HOME_DECIDE,
        to=Status.HOME_APPROVED if approved else Status.HOME_DENIED,
        actor_role="home_system",
        reason=ReasonCode.HOME_SYSTEM_DECISION,
        comment=comment,
    )
