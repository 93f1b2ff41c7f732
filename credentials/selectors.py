"""Reads of the precedent library for other apps."""

import datetime as dt

from django.db.models import Q

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
