"""Stable OOAPI ids (UUIDs) for portal objects.

An object imported from a connected institution keeps the id its own system gave it (``ooapi_id``).
Every other object gets a name-based UUID (RFC 9562 version 8) that carries its kind and primary key:
``f1e7a1b0-<kind>-8000-8000-<pk>``. Unlike a uuid5 hash it can be turned back into a primary key, so
``GET /courses/{id}`` is an index lookup and ``sort=courseId`` can be done by the database.
"""

from __future__ import annotations

import enum
import re
import uuid

from django.db.models import Case, CharField, F, Func, Q, Value, When
from django.db.models.functions import Concat, Lower, LPad

TAG = "f1e7a1b0"
_OURS = re.compile(rf"^{TAG}-([0-9a-f]{{4}})-8000-8000-([0-9a-f]{{12}})$")
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class Kind(enum.IntEnum):
    INSTITUTION = 1
    UNIT = 2
    ACADEMIC_YEAR = 3
    PERIOD = 4
    PROGRAMME = 5
    COURSE = 6
    OFFERING = 7
    PERSON = 8


def derived_id(kind: Kind, pk: int) -> str:
    return f"{TAG}-{int(kind):04x}-8000-8000-{pk:012x}"


def object_id(kind: Kind, obj) -> str:
    """The id of ``obj``: its source system's UUID when it has one, else the derived one."""
    source = getattr(obj, "ooapi_id", "")
    if source and re.match(UUID_PATTERN, source):
        return source.lower()
    return derived_id(kind, obj.pk)


def parse(value: uuid.UUID | str) -> tuple[Kind, int] | None:
    """``(kind, pk)`` for a derived id, ``None`` for any other UUID."""
    match = _OURS.match(str(value).lower())
    if not match:
        return None
    try:
        return Kind(int(match.group(1), 16)), int(match.group(2), 16)
    except ValueError:
        return None


def lookup(kind: Kind, value: uuid.UUID, *, has_source_id: bool) -> Q | None:
    """A filter for the object with OOAPI id ``value`` of ``kind``, or ``None`` when none can match."""
    parsed = parse(value)
    if parsed:
        found_kind, pk = parsed
        return Q(pk=pk) if found_kind == kind else None
    if has_source_id:
        return Q(ooapi_id__iexact=str(value))
    return None


def sort_expression(kind: Kind, *, has_source_id: bool):
    """The id as text in SQL, so ``sort=<x>Id`` orders the same way the ids read."""
    derived = Concat(
        Value(f"{TAG}-{int(kind):04x}-8000-8000-"),
        LPad(Func(F("pk"), function="to_hex", output_field=CharField()), 12, Value("0")),
        output_field=CharField(),
    )
    if not has_source_id:
        return derived
    return Case(
        When(ooapi_id__regex=UUID_PATTERN, then=Lower("ooapi_id")),
        default=derived,
        output_field=CharField(),
    )
