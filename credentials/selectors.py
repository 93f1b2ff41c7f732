"""Reads of the precedent library for other apps."""

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from credentials.models import RecognitionPrecedent


def recognition_precedent_covers(*, programme_id: int | None, course_id: int | None, on: dt.date) -> bool:
    """True when a stored recognition decision, valid on ``on``, covers the course for the programme."""
    if not programme_id or not course_id:
        return False
    return RecognitionPrecedent.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on), programme_id=programme_id, course_id=course_id
    ).exists()


def precedent_recognises(request, on: dt.date) -> str | None:
    """For enrolment's home review: the reason a request is approved without staff, when a precedent
    covers its course for the student's programme."""
    if recognition_precedent_covers(
        programme_id=request.student.programme_id, course_id=request.offering.course_id, on=on
    ):
        return "recognition_precedent"
    return None


def precedents_matching(request, on: dt.date) -> list[dict]:
    """For enrolment's request page: the recognition precedents valid on ``on`` that cover the request's
    course for the student's programme, as the page shows them."""
    programme_id, course_id = request.student.programme_id, request.offering.course_id
    if not programme_id or not course_id:
        return []
    precedents = RecognitionPrecedent.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on), programme_id=programme_id, course_id=course_id
    ).select_related("programme")
    return [
        {
            "label": _("Recognition precedent"),
            "programme": precedent.programme.name,
            "counts_as": precedent.counts_as,
            "decided_at": precedent.decided_at,
            "valid_until": precedent.valid_until,
        }
        for precedent in precedents
    ]
