"""Who may see and do what with a composed programme, on three axes: role (the student who owns it, or the
examination board), institution (the board of the student's home institution only) and state (the
lifecycle's verbs). Portfolios are managed by catalogue managers of the curating institution."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import StaffRole
from accounts.selectors import staff_role_pairs
from routes.mijndiploma.models import Portfolio, ProgrammeVersion, VersionStatus

BOARD = StaffRole.Role.EXAMINATION_BOARD
CURATOR = StaffRole.Role.CATALOGUE_MANAGER


def institutions_where(user, role: str) -> set[int]:
    return {inst for inst, r in staff_role_pairs(user=user) if r == role}


def is_board_of(user, institution_id: int) -> bool:
    return institution_id in institutions_where(user, BOARD)


def visible_versions(user) -> QuerySet[ProgrammeVersion]:
    """The student's own versions; for the board of a home institution, its students' versions once
    submitted (never a draft); everything for an admin; nothing for anyone else."""
    if not user.is_authenticated:
        return ProgrammeVersion.objects.none()
    if user.is_superuser:
        return ProgrammeVersion.objects.all()
    condition = Q(composed__student__user_id=user.pk)
    boards = institutions_where(user, BOARD)
    if boards:
        condition |= Q(composed__student__home_institution_id__in=boards) & ~Q(status=VersionStatus.DRAFT)
    return ProgrammeVersion.objects.filter(condition)


def is_owner(user, version: ProgrammeVersion) -> bool:
    return version.composed.student.user_id == user.pk


def may_decide(user, version: ProgrammeVersion) -> bool:
    return is_board_of(user, version.composed.student.home_institution_id)


def managed_portfolios(user) -> QuerySet[Portfolio]:
    if user.is_superuser:
        return Portfolio.objects.all()
    return Portfolio.objects.filter(institution_id__in=institutions_where(user, CURATOR))
