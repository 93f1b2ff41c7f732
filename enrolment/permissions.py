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
from enrolment.errors import NotAllowedError, RequestNotFoundError
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
        condition |= Q(host_institution_id__in=host) & Q(status__in=HOST_VISIBLE_STATES)
    if user.is_superuser:
        return EnrolmentRequest.objects.all()
    return EnrolmentRequest.objects.filter(condition)


# The host sees a request once home has approved it (and ever after).
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


def require_student_owner(user, request: EnrolmentRequest) -> None:
    if request.student.user_id != user.pk:
        raise NotAllowedError()


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


def require_home_decider(user, request: EnrolmentRequest) -> str:
    """The role in which ``user`` may decide the current home step, or NotAllowedError."""
    role = home_step_role(request)
    if not has_role(user, request.home_institution_id, role):
        raise NotAllowedError()
    return role


def require_host_staff(user, request: EnrolmentRequest) -> None:
    if not has_role(user, request.host_institution_id, *HOST_ROLES):
        raise NotAllowedError()


def staff_side(user, request: EnrolmentRequest) -> str | None:
    """'host' or 'home' when ``user`` is staff of that side of the request (host first), else None."""
    if has_role(user, request.host_institution_id, *HOST_ROLES):
        return "host_admissions"
    if has_role(user, request.home_institution_id, *HOME_ROLES):
        return "home_approver"
    return None


# What a student may cancel themselves (after admission they withdraw instead).
STUDENT_CANCELLABLE_STATES = ("draft", "submitted", "home_approved", "home_denied", "waitlisted", "seat_offered")


def staff_institution_ids(user, roles) -> list[int]:
    return sorted({inst for inst, role in _roles(user) if role in roles})
