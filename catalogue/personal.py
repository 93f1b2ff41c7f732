"""Filters and badges that depend on who is looking: "counts for my programme", "eligible for me".

The catalogue knows nothing of precedents or enrolment rules, which live on floors above it; those apps
register a filter here in their ``AppConfig.ready()``. A filter answers the ids of the offerings it keeps
for a user (or None when it does not apply to them, e.g. not a student), and a version that changes when
its answer may (part of the catalogue page's ETag).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

OfferingIds = Callable[[object], frozenset[int] | None]


@dataclasses.dataclass(frozen=True)
class PersonalFilter:
    name: str  # the value of ``?for_me=``
    label: object  # lazy, translatable
    offerings: OfferingIds
    version: Callable[[object], str]
    badge: object | None = None  # shown on the cards and the offering page of the offerings it keeps


_filters: dict[str, PersonalFilter] = {}


def personal_filter_register(personal_filter: PersonalFilter) -> None:
    _filters[personal_filter.name] = personal_filter


def personal_filters() -> list[PersonalFilter]:
    return list(_filters.values())


def applicable(user) -> list[tuple[PersonalFilter, frozenset[int]]]:
    """The filters that apply to ``user``, each with the offerings it keeps."""
    if not getattr(user, "is_authenticated", False):
        return []
    found = []
    for personal_filter in _filters.values():
        offerings = personal_filter.offerings(user)
        if offerings is not None:
            found.append((personal_filter, offerings))
    return found


def version(user) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    return "|".join(f"{f.name}:{f.version(user)}" for f in _filters.values())
