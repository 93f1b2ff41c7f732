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
