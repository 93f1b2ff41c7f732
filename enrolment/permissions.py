"""Who may see and do what with a request: checked at object level, in the service layer.

Staff act only for their own institution and in their own role; students only on their own requests;
zone coordinators see no personal data (they get aggregates elsewhere), so no request is visible to them.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.db.models import Q, QuerySet

from accounts.models import StaffRole
from accounts.selectors import staff_role_pairs
from enrolment import lifecycle
from enrolment.errors import NotAllowedError, RequestNotFoundError
from enrolment.lifecycle import Actor, Verb
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy

R = StaffRole.Role

HOME_ROLES = (R.HOME_APPROVER, R.EXAMINATION_BOARD)
HOST_ROLES = (R.HOST_ADMISSIONS,)


def _roles(user) -> frozenset[tuple[int, str]]:
    return staff_role_pairs(user=user)


def has_role(user, institution_id: int, *roles: str) -> bool:
    return any((institution_id, role) in _roles(user) for role in roles)


def visible_requests(user) -> QuerySet[EnrolmentRequest]:
    """Requests ``user`` may see: their own as a student, and those of their institution as home or host
    staff. Coordinators and anonymous users see none."""
    if not user.is_authenticated:
        return EnrolmentRequest.objects.none()
    condition = Q(student__user_id=user.pk)
    roles = _roles(user)
    home = {inst for inst, role in roles if role in HOME_ROLES}
    host = {inst for inst, role in roles if role in HOST_ROLES}
    if home:
        condition |= Q(home_institution_id__in=home) & ~Q(status="draft")
    if host:
        condition |= Q(host_institution_id__in=host) & HOST_HAS_IT
    if user.is_superuser:
        return EnrolmentRequest.objects.all()
    return EnrolmentRequest.objects.filter(condition)


# The host sees a request once home has approved it, and ever after; never one that ended before that.
HOST_HAS_IT = Q(home_approved_at__isnull=False)


def host_has(request: EnrolmentRequest) -> bool:
    return request.home_approved_at is not None


# The states a request the host has can be in (the incoming queue's status filter).
HOST_VISIBLE_STATES = (
    "home_approved",
    "waitlisted",
    "seat_offered",
    "admitted",
    "host_denied",
    "registered",
    "completed",
    "withdrawn",
    "cancelled",
    "expired",
)


def request_for(user, request_id) -> EnrolmentRequest:
    """The request if ``user`` may see it; otherwise the same 404 as for a request that does not exist,
    so ids of others' requests reveal nothing."""
    try:
        return visible_requests(user).select_related("offering__institution", "student__user").get(pk=request_id)
    except (EnrolmentRequest.DoesNotExist, ValueError, TypeError):
        raise RequestNotFoundError() from None


def home_step_role(request: EnrolmentRequest) -> str:
    """The role that decides the request's current home step, per the home institution's policy."""
    policy = _policy(request.home_institution_id)
    steps = policy.steps if policy else [R.HOME_APPROVER]
    return steps[min(request.home_step, len(steps) - 1)]


def _policy(institution_id: int) -> HomeApprovalPolicy | None:
    # Read once per institution per call site's request object graph: a queue page asks for many rows.
    cache = _POLICY_CACHE.get()
    if cache is None:
        return HomeApprovalPolicy.objects.filter(institution_id=institution_id).first()
    if institution_id not in cache:
        cache[institution_id] = HomeApprovalPolicy.objects.filter(institution_id=institution_id).first()
    return cache[institution_id]


@contextlib.contextmanager
def policies_cached():
    """Within this block, each institution's approval policy is read at most once (for listing pages)."""
    token = _POLICY_CACHE.set({})
    try:
        yield
    finally:
        _POLICY_CACHE.reset(token)


_POLICY_CACHE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("flexportal_policy_cache", default=None)


def staff_side(user, request: EnrolmentRequest) -> str | None:
    """The role in which ``user`` is staff of one side of the request (the host first, once it has the
    request), else None."""
    if host_has(request) and has_role(user, request.host_institution_id, *HOST_ROLES):
        return "host_admissions"
    if request.status != "draft" and has_role(user, request.home_institution_id, *HOME_ROLES):
        return "home_approver"
    return None


def actor_role(user, request: EnrolmentRequest, verb: Verb) -> str | None:
    """The role in which ``user`` may perform ``verb`` on ``request`` (who, and for which institution), or
    None. The state is the lifecycle's to check (``lifecycle.verb_check``)."""
    if verb.actor == Actor.STUDENT:
        return "student" if request.student.user_id == user.pk else None
    if verb.actor == Actor.HOME:
        if request.home_institution_id is None:
            return None  # a module-only learner's registration has no home step, for anyone
        if request.status == "draft" or not any(inst == request.home_institution_id for inst, _role in _roles(user)):
            return None  # no role at the home institution at all: decided before its policy is read
        roles = (home_step_role(request),) if verb in (lifecycle.APPROVE, lifecycle.DENY) else HOME_ROLES
        return next((role for role in roles if has_role(user, request.home_institution_id, role)), None)
    if verb.actor == Actor.HOST:
        if host_has(request) and has_role(user, request.host_institution_id, *HOST_ROLES):
            return "host_admissions"
        return None
    return None  # the system's verbs are no person's


def require_verb(user, request: EnrolmentRequest, verb: Verb) -> str:
    """Check the three axes before anything else: who (role), for which institution, and from which state.

    Returns the role ``user`` acts in. Raises NotAllowedError (403) when ``user`` may not perform the verb
    on this request at all, WrongStateError (409) when they may but not in the request's current state.
    The caller holds the request's lock, so the state cannot change between this check and the move.
    """
    role = actor_role(user, request, verb)
    if role is None:
        raise NotAllowedError()
    lifecycle.verb_check(request, verb)
    return role


def may(user, request: EnrolmentRequest, verb: Verb) -> bool:
    """Whether ``user`` may perform ``verb`` on ``request`` now: what the pages and the API offer. The state
    first: it is known without a query."""
    return verb.allows(request.status) and actor_role(user, request, verb) is not None


def staff_institution_ids(user, roles) -> list[int]:
    return sorted({inst for inst, role in _roles(user) if role in roles})
