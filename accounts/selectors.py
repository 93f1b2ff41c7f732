"""Reads about people and their roles. Other apps ask these instead of querying accounts' tables."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import RecordRead, StaffRole, StudentProfile, User
from institutions.models import Institution

STUDENT = "student"
ZONE_COORDINATOR = "zone_coordinator"
ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class RoleGrant:
    """One thing a user may do in the portal, for one institution or (``institution is None``) zone-wide."""

    role: str
    label: str | Promise
    institution: Institution | None = None


def institution_by_schac_home(*, schac_home: str) -> Institution | None:
    """The zone institution with this schacHome (case-insensitive), or None."""
    if not schac_home:
        return None
    return Institution.objects.filter(schac_home__iexact=schac_home.strip()).first()


def student_profile_of(*, user: User) -> StudentProfile | None:
    """The user's student profile with its institution and programme loaded, or None."""
    if not user.is_authenticated:
        return None
    return StudentProfile.objects.select_related("home_institution", "programme").filter(user=user).first()


def user_staff_roles(*, user: User) -> QuerySet[StaffRole]:
    """The user's staff roles, institution loaded, ordered by institution then role."""
    return (
        StaffRole.objects.filter(user_id=user.pk)
        .select_related("institution")
        .order_by("institution__short_name", "role")
    )


def staff_institutions(*, user: User, role: StaffRole.Role | str | None = None) -> QuerySet[Institution]:
    """Institutions the user acts for as staff, optionally only those where they hold ``role``.

    Superusers and zone coordinators get no implicit institutions: acting for an institution always takes an
    explicit ``StaffRole``.
    """
    roles = StaffRole.objects.filter(user_id=user.pk)
    if role is not None:
        roles = roles.filter(role=role)
    return Institution.objects.filter(pk__in=roles.values("institution_id")).order_by("short_name")


def user_roles(*, user: User) -> list[RoleGrant]:
    """Everything the user is in the portal: student (with home institution), staff roles per institution,
    zone coordinator, administrator. Empty for anonymous users. Three queries at most."""
    if not user.is_authenticated:
        return []
    grants: list[RoleGrant] = []
    profile = student_profile_of(user=user)
    if profile is not None:
        if profile.is_module_only:
            grants.append(RoleGrant(role=profile.kind, label=profile.get_kind_display()))
        else:
            grants.append(RoleGrant(role=STUDENT, label=_("Student"), institution=profile.home_institution))
    grants.extend(
        RoleGrant(role=staff_role.role, label=staff_role.get_role_display(), institution=staff_role.institution)
        for staff_role in user_staff_roles(user=user)
    )
    if user.is_zone_coordinator:
        grants.append(RoleGrant(role=ZONE_COORDINATOR, label=_("Zone coordinator")))
    if user.is_superuser:
        grants.append(RoleGrant(role=ADMINISTRATOR, label=_("Administrator")))
    return grants


def staff_role_pairs(*, user: User) -> frozenset[tuple[int, str]]:
    """The user's staff roles as (institution id, role), read once per user object.

    A request's user is one object from authentication to the answer: the staff MFA check and the
    enrolment permissions ask this several times per request and read it once. A role granted or taken
    away counts from the next request, which loads the user again."""
    if not user.is_authenticated:
        return frozenset()
    pairs = getattr(user, "_flexportal_staff_roles", None)
    if pairs is None:
        pairs = frozenset(StaffRole.objects.filter(user_id=user.pk).values_list("institution_id", "role"))
        user._flexportal_staff_roles = pairs
    return pairs


def user_requires_mfa(*, user: User) -> bool:
    """Whether the user must have TOTP before acting: institution staff, zone coordinators, superusers and
    anyone with access to the Django admin (``is_staff``)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff or user.is_zone_coordinator:
        return True
    return bool(staff_role_pairs(user=user))


def user_has_totp(*, user: User) -> bool:
    """Whether the user has activated an authenticator app (TOTP). Recovery codes alone do not count."""
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


#: The second factors that count: an authenticator app's code, or one of its recovery codes.
SECOND_FACTORS = frozenset({Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES})


def session_passed_mfa(*, session: SessionBase, user: User) -> bool:
    """Whether ``user`` passed their second factor in this session: allauth's MFA step at login, its code prompt
    for a signed-in user, or setting up the authenticator app here (``accounts.signals``).

    Read from the authentication records allauth keeps in the session
    (``allauth.account.authentication.get_authentication_records``), for any session, also one behind an app's
    X-Session-Token. A session someone was logged into without them (``login()`` from code, a session from
    before) has no such record."""
    records = get_authentication_records(SimpleNamespace(session=session), user)
    return any(
        isinstance(record, dict) and record.get("method") == "mfa" and record.get("type") in SECOND_FACTORS
        for record in records
    )


def record_reads_of(*, user: User) -> QuerySet[RecordRead]:
    """Who read ``user``'s record, newest first: role, institution, what, when."""
    return RecordRead.objects.filter(student__user=user).select_related("institution").order_by("-at", "-pk")


def programme_enrolled_students(*, institution_id: int | None = None) -> QuerySet[StudentProfile]:
    """The learners counted as enrolled in a programme: students of a zone institution that lists them as
    actively enrolled. A module-only learner (professional or guest) never is: they have no home institution,
    no programme, and the database refuses to mark them enrolled (``learner_home_matches_kind``)."""
    profiles = StudentProfile.objects.filter(kind="student", is_actively_enrolled=True, home_institution__isnull=False)
    if institution_id is not None:
        profiles = profiles.filter(home_institution_id=institution_id)
    return profiles
