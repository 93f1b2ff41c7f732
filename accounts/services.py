"""Writes to people's accounts. The allauth adapters call these; nothing else sets a home institution."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.claims import institution_claims_parse
from accounts.errors import (
    LEARNER_KIND_INVALID_MESSAGE,
    HomeInstitutionMissingError,
    HomeInstitutionUnknownError,
    LearnerProfileError,
    LearnerProfileExistsError,
    StudentNumberTakenError,
)
from accounts.models import MODULE_ONLY_KINDS, RecordRead, StudentProfile, User
from accounts.selectors import institution_by_schac_home
from institutions.models import Institution

logger = logging.getLogger(__name__)

STUDENT_NUMBER_CONSTRAINT = "student_number_unique_per_institution"


@dataclass(frozen=True)
class HomeIdentity:
    """A person as their institution describes them, resolved to one of the zone's institutions."""

    institution: Institution
    student_number: str
    is_student: bool


def home_identity_resolve(*, claims: Mapping[str, Any]) -> HomeIdentity:
    """Resolve OIDC claims to a zone institution, before anything is written.

    Guarantees: reads only. Raises ``HomeInstitutionMissingError`` when the claims carry no
    ``schac_home_organization`` and ``HomeInstitutionUnknownError`` when no institution has that schacHome,
    so a caller can refuse a login without having created anything.
    """
    parsed = institution_claims_parse(claims)
    if not parsed.schac_home:
        raise HomeInstitutionMissingError()
    institution = institution_by_schac_home(schac_home=parsed.schac_home)
    if institution is None:
        raise HomeInstitutionUnknownError(schac_home=parsed.schac_home)
    return HomeIdentity(institution=institution, student_number=parsed.student_number, is_student=parsed.is_student)


def student_profile_sync(*, user: User, identity: HomeIdentity) -> StudentProfile | None:
    """Make the user's student profile say what their institution said at this login.

    - Creates the profile on a student's first login; on later logins moves it to the institution the claims
      name now. A student number from the claims replaces the stored one; when the home institution changes
      and the claims carry none, the old number is cleared (it was the old institution's), and so is a
      programme of the old institution.
    - Identities that are not students (the IdP sent an affiliation without "student") get no profile; an
      existing profile is left as it is and returned.

    Guarantees: one transaction; the existing profile row is locked (``select_for_update``) so two
    simultaneous logins of one person apply one after the other. Idempotent: a repeat with the same identity
    writes nothing. Raises ``StudentNumberTakenError`` (nothing written) when another account already holds
    the student number at that institution; the database constraint backs this up under a race.
    """
    institution = identity.institution
    with transaction.atomic():
        profile = StudentProfile.objects.select_for_update().filter(user=user).first()
        if not identity.is_student:
            return profile

        number = identity.student_number
        if number and (
            StudentProfile.objects.filter(home_institution=institution, student_number=number)
            .exclude(user=user)
            .exists()
        ):
            raise StudentNumberTakenError(student_number=number, institution=institution.short_name)

        created = profile is None
        changed: list[str] = []
        if profile is None:
            profile = StudentProfile(user=user, home_institution=institution, student_number=number)
        else:
            if profile.home_institution_id != institution.pk:
                profile.home_institution = institution
                changed.append("home_institution")
                if profile.programme_id is not None and profile.programme.institution_id != institution.pk:
                    profile.programme = None
                    changed.append("programme")
                if not number and profile.student_number:
                    profile.student_number = ""
                    changed.append("student_number")
            if number and profile.student_number != number:
                profile.student_number = number
                changed.append("student_number")
            if not changed:
                return profile

        # The student number's uniqueness was checked above and is enforced by the database constraint below.
        profile.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                if created:
                    profile.save(force_insert=True)
                else:
                    profile.save(update_fields=changed)
        except IntegrityError as error:
            if STUDENT_NUMBER_CONSTRAINT not in str(error):
                raise
            # Another login claimed the same student number between our check and our write.
            raise StudentNumberTakenError(student_number=number, institution=institution.short_name) from error

        # Logged only if the caller's transaction (e.g. the signup that created the user) commits too.
        log_extra = {
            "user_id": user.pk,
            "institution": institution.code,
            "profile_created": created,
            "changed": changed,
        }
        transaction.on_commit(lambda: logger.info("student profile synced from institution login", extra=log_extra))
    return profile


def user_language_set(*, user: User, language: str) -> bool:
    """Remember the interface language a person uses, so their email is written in it too. Only the
    portal's languages are stored; a language already stored writes nothing. Returns whether it changed."""
    language = (language or "")[:2]
    if not user.is_authenticated or language not in dict(settings.LANGUAGES) or user.preferred_language == language:
        return False
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    user.preferred_language = language
    return True


# A staff member who reloads a page has not read the record again: one row per reader, record and this span.
READ_COALESCE = dt.timedelta(minutes=10)


def record_read_log(
    *, reader: User, student: StudentProfile, institution_id: int, role: str, what: str, ref: str
) -> RecordRead | None:
    """Note that ``reader``, as ``role`` of institution ``institution_id``, opened ``what`` (``ref``) of
    ``student``'s record. The student's own reading is not logged."""
    if reader.pk == student.user_id:
        return None
    since = timezone.now() - READ_COALESCE
    again = RecordRead.objects.filter(reader=reader, student=student, what=what, ref=ref, at__gte=since)
    if again.exists():
        return None
    return RecordRead.objects.create(
        reader=reader, student=student, institution_id=institution_id, role=role, what=what, ref=str(ref)[:64]
    )


def learner_profile_create(*, user: User, kind: str) -> StudentProfile:
    """A person without a zone institution (signed up by email, or with an eduID that names none) becomes a
    module-only learner: a profile of ``kind`` professional or guest, with no home institution and no
    programme, so they can register for modules by the modular route and are never counted as enrolled in
    a programme.

    Guarantees: one transaction, the user's row locked so two tabs create one profile. Raises
    LearnerProfileError (400) for any other kind, LearnerProfileExistsError (409) when the user already
    has a profile (a student keeps theirs).
    """
    if kind not in MODULE_ONLY_KINDS:
        raise LearnerProfileError(LEARNER_KIND_INVALID_MESSAGE)
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        if StudentProfile.objects.filter(user_id=user.pk).exists():
            raise LearnerProfileExistsError()
        profile = StudentProfile(user=user, kind=kind, home_institution=None, programme=None)
        profile.is_actively_enrolled = False
        profile.full_clean()
        profile.save()
        return profile
