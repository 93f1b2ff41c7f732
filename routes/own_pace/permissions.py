"""Who may act on own pace: the student on their own plan and contracts (when their home institution pilots
the route), and the home institution's approvers on the contracts and ledgers of their own students."""

from __future__ import annotations

from accounts.models import StaffRole, StudentProfile
from accounts.selectors import staff_role_pairs
from institutions.routes import Route
from routes.own_pace.errors import NotPilotedError, NotStudentError

STAFF_ROLE = StaffRole.Role.HOME_APPROVER


def student_of(user) -> StudentProfile:
    """The signed-in student's profile, if their home institution pilots own pace; NotStudentError (403) or
    NotPilotedError (403) otherwise."""
    profile = StudentProfile.objects.select_related("home_institution", "programme").filter(user_id=user.pk).first()
    if profile is None or profile.home_institution is None:  # a module-only learner follows no programme
        raise NotStudentError()
    if Route.OWN_PACE not in (profile.home_institution.piloted_routes or []):
        raise NotPilotedError()
    return profile


def pilots_own_pace(user) -> bool:
    if not user.is_authenticated:
        return False
    profile = StudentProfile.objects.select_related("home_institution").filter(user_id=user.pk).first()
    if profile is None or profile.home_institution is None:
        return False
    return Route.OWN_PACE in (profile.home_institution.piloted_routes or [])


def staff_institution_ids(user) -> set[int]:
    """The institutions whose own-pace contracts ``user`` may see and agree: where they are home approver."""
    return {inst for inst, role in staff_role_pairs(user=user) if role == STAFF_ROLE}
