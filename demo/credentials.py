"""Demo microcredentials: the VU awards one for each course Sanne (student@) passed there and her board
recognised; examboard.vu@ has revoked one of them, so the wallet and the verification page show both.

Definitions are demo fixtures; issuing and revoking go through the credentials services, as the board's
grant and the awarding board would. Idempotent: an existing definition, credential or revocation is kept.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from accounts.models import StudentProfile, User
from credentials.models import IssuedCredential, MicrocredentialDefinition
from credentials.services import credential_issue, credential_revoke
from results.models import Recognition, Result

AWARDING = "vu"
REVOCATION_REASON = "Demo: the exam result was withdrawn after a plagiarism finding."


def _definition(course, institution) -> MicrocredentialDefinition | None:
    existing = MicrocredentialDefinition.objects.filter(course=course).first()
    if existing is not None:
        return existing
    definition = MicrocredentialDefinition(
        course=course,
        awarding_institution=institution,
        title=course.title_en,
        description=f"{course.title_en}, a course of the {institution.name_en}.",
        learning_outcomes="Applies the course's core methods\nReports findings in writing",
        ec=Decimal(course.ec),
        eqf_level=6,
        assessment_type="Written exam, graded",
        participation_form="Onsite",
        quality_assurance="Accredited programme (NVAO)",
        grade_shown=True,
        stackability="Stacks towards the minor it belongs to.",
    )
    try:
        definition.full_clean()  # the pilot's size rule: a course outside it gets no definition
    except ValidationError:
        return None
    definition.save()
    return definition


def seed_credentials(*, email, say=print) -> int:
    """Issue Sanne's VU credentials and revoke one. Returns the number of credentials she holds."""
    sanne = StudentProfile.objects.filter(user__email=email("student")).first()
    board = User.objects.filter(email=email(f"examboard.{AWARDING}")).first()
    if sanne is None or board is None:
        return 0
    granted = Recognition.objects.filter(
        request__student=sanne, kind=Recognition.Kind.CREDIT, status=Recognition.Status.RECOGNISED
    ).values_list("result_id", flat=True)
    results = (
        Result.objects.filter(
            request__student=sanne, request__host_institution__code=AWARDING, passed=True, pk__in=granted
        )
        .select_related("request__offering__course", "request__host_institution")
        .order_by("pk")
    )
    issued = []
    for result in results:
        course = result.request.offering.course
        if course is None or _definition(course, result.request.host_institution) is None:
            continue
        credential = credential_issue(result=result)
        if credential is not None:
            issued.append(credential)
    if len(issued) >= 2 and not IssuedCredential.objects.filter(holder=sanne, status="revoked").exists():
        credential_revoke(user=board, credential_id=issued[-1].public_id, reason=REVOCATION_REASON)
    if issued:
        say(f"Demo credentials: {len(issued)} for student@ (one revoked by examboard.{AWARDING}@).")
    return len(issued)
