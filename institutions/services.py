"""Writes about institutions: their eduXchange alliances (membership, theme vocabularies, publishing a programme to
an alliance), and the bulk writes of a catalogue import (units, academic years and periods, programmes).
Publishing a course is ``catalogue.services.course_publish``, on the same rules
(``institutions.models.publication_problem``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from institutions.alliances import ALLIANCES
from institutions.models import (
    AcademicPeriod,
    AcademicYear,
    Alliance,
    AllianceMembership,
    AllianceTheme,
    Institution,
    OrganisationalUnit,
    Programme,
    ProgrammePublication,
    Publication,
)

VOCABULARY_FIXED = _("The eduXchange profile fixes %(alliance)s's themes; %(value)s is not one of them.")


@dataclass(frozen=True)
class Sharing:
    """How a course or programme is shared in one alliance: the settings of its eduXchange entry."""

    theme: AllianceTheme | None = None
    selection: bool = False
    kind: str = ""
    visible_for_own_students: bool = True
    enrolment_for_own_students: str = Publication.Enrolment.URL
    visible_for_guests: bool = False
    enrolment_for_guests: str = Publication.Enrolment.URL

    def fields(self) -> dict:
        values = asdict(self)
        values["theme"] = self.theme  # asdict would copy the model instance
        return values


def alliances_ensure() -> dict[str, Alliance]:
    """The alliances the eduXchange profile knows, with the vocabularies it fixes, by code. Idempotent:
    adds what is missing and changes nothing that exists."""
    result = {}
    with transaction.atomic():
        for known in ALLIANCES:
            alliance, _created = Alliance.objects.get_or_create(
                code=known.code, defaults={"name_nl": known.name_nl, "name_en": known.name_en}
            )
            existing = set(alliance.themes.values_list("code", flat=True))
            AllianceTheme.objects.bulk_create(
                [AllianceTheme(alliance=alliance, code=code) for code in known.themes if code not in existing]
            )
            result[known.code] = alliance
    return result


def alliance_join(*, alliance: Alliance, institution: Institution) -> AllianceMembership:
    """``institution`` becomes a member of ``alliance``. Idempotent."""
    membership, _created = AllianceMembership.objects.get_or_create(alliance=alliance, institution=institution)
    return membership


def alliance_leave(*, alliance: Alliance, institution: Institution) -> bool:
    """``institution`` leaves ``alliance``; its courses and programmes published there are withdrawn with
    the membership (``signals``), in the same transaction. Idempotent: False when it was no member."""
    with transaction.atomic():
        memberships = AllianceMembership.objects.filter(alliance=alliance, institution=institution)
        found = list(memberships.select_for_update())
        for membership in found:
            membership.delete()
    return bool(found)


def alliance_theme_add(*, alliance: Alliance, code: str, name_nl: str = "", name_en: str = "") -> AllianceTheme:
    """A value of ``alliance``'s theme vocabulary. Where the eduXchange profile fixes the vocabulary (LDE,
    EuroTeQ), only its values are allowed: raises ``ApplicationError`` otherwise. Idempotent (names of an
    existing value are updated)."""
    known = next((item for item in ALLIANCES if item.code == alliance.code), None)
    if known and known.themes and code not in known.themes:
        raise ApplicationError(
            VOCABULARY_FIXED % {"alliance": alliance.code, "value": code}, code="theme_not_in_vocabulary"
        )
    theme, _created = AllianceTheme.objects.update_or_create(
        alliance=alliance, code=code, defaults={"name_nl": name_nl, "name_en": name_en}
    )
    return theme


def publish(model: type[models.Model], *, owner_field: str, owner, alliance: Alliance, sharing: Sharing):
    """Create or update the publication of ``owner`` (a course or programme) in ``alliance``. Validates the
    row (membership, the theme's alliance, the model's own rules) and writes it in one transaction; raises
    ``ApplicationError`` and writes nothing when a rule says no. Idempotent."""
    with transaction.atomic():
        row, _created = model.objects.select_for_update().get_or_create(**{owner_field: owner, "alliance": alliance})
        for name, value in sharing.fields().items():
            setattr(row, name, value)
        try:
            row.full_clean()
        except ValidationError as error:
            raise ApplicationError(" ".join(error.messages), code="publication_refused") from error
        row.save()
    return row


def programme_publish(*, programme: Programme, alliance: Alliance, sharing: Sharing) -> ProgrammePublication:
    """Publish ``programme`` in ``alliance`` with ``sharing``; see ``publish``. The programme's institution
    must be a member and the programme needs its study load."""
    return publish(ProgrammePublication, owner_field="programme", owner=programme, alliance=alliance, sharing=sharing)


def programme_unpublish(*, programme: Programme, alliance: Alliance) -> bool:
    """Withdraw ``programme`` from ``alliance``. Idempotent: False when it was not published there."""
    deleted, _by_model = ProgrammePublication.objects.filter(programme=programme, alliance=alliance).delete()
    return bool(deleted)


# Bulk writes of a catalogue import --------------------------------------------------------------------------
#
# A connected institution's own system is the source of its units, calendar, programmes and catalogue; the
# import (``ooapi.consumer``) matches what it reads to rows and writes the differences through these. They take
# field values as they are: the import's parser has checked them against what the models store, and the
# database's constraints refuse anything else, failing the whole call (the import then rolls back its page).
# Each runs in the caller's transaction.

Owned = TypeVar("Owned", bound=models.Model)


def institution_rows_create(
    model: type[Owned], *, institution: Institution, rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """Insert one ``model`` row of ``institution`` per mapping of field values (foreign keys as ``<name>_id``), all
    in one statement. Returns their primary keys, in the order given. No statement at all for no rows."""
    if not rows:
        return []
    created = model._default_manager.bulk_create([model(institution=institution, **values) for values in rows])
    return [row.pk for row in created]


def institution_rows_update(
    model: type[Owned], *, institution: Institution, changes: Mapping[int, Mapping[str, Any]]
) -> int:
    """Change rows of ``model``: ``changes`` maps a primary key to the fields that change, with their new values
    (a value may be a query expression). Rows that change the same fields share one UPDATE statement; no
    statement at all for no changes. Only ``institution``'s rows are written: the key of another institution's
    row changes nothing. Returns the number of rows changed."""
    groups: dict[tuple[str, ...], list[Owned]] = {}
    for pk, values in changes.items():
        if values:
            groups.setdefault(tuple(sorted(values)), []).append(model(pk=pk, **values))
    owned = model._default_manager.filter(institution=institution)
    return sum(owned.bulk_update(rows, list(fields)) for fields, rows in groups.items())


def units_bulk_create(*, institution: Institution, units: Sequence[Mapping[str, Any]]) -> list[int]:
    """Add organisational units (``code``, ``name_nl``, ``name_en``, ``kind``, ``parent_id``) to ``institution``;
    returns their primary keys in order. See ``institution_rows_create``."""
    return institution_rows_create(OrganisationalUnit, institution=institution, rows=units)


def units_bulk_update(*, institution: Institution, changes: Mapping[int, Mapping[str, Any]]) -> int:
    """Change ``institution``'s organisational units (primary key → new values, ``parent_id`` included). See
    ``institution_rows_update``."""
    return institution_rows_update(OrganisationalUnit, institution=institution, changes=changes)


def academic_years_bulk_create(*, institution: Institution, years: Sequence[Mapping[str, Any]]) -> list[int]:
    """Add academic years (``name`` such as ``2026-2027``, ``start_date``, ``end_date``) to ``institution``;
    returns their primary keys in order. See ``institution_rows_create``."""
    return institution_rows_create(AcademicYear, institution=institution, rows=years)


def academic_years_bulk_update(*, institution: Institution, changes: Mapping[int, Mapping[str, Any]]) -> int:
    """Change ``institution``'s academic years (primary key → new dates). See ``institution_rows_update``."""
    return institution_rows_update(AcademicYear, institution=institution, changes=changes)


def academic_periods_bulk_create(*, institution: Institution, periods: Sequence[Mapping[str, Any]]) -> list[int]:
    """Add academic periods (``academic_year_id``, ``kind``, ``sequence``, names and dates) to ``institution``;
    returns their primary keys in order. See ``institution_rows_create``."""
    return institution_rows_create(AcademicPeriod, institution=institution, rows=periods)


def academic_periods_bulk_update(*, institution: Institution, changes: Mapping[int, Mapping[str, Any]]) -> int:
    """Change ``institution``'s academic periods (primary key → new names or dates). See
    ``institution_rows_update``."""
    return institution_rows_update(AcademicPeriod, institution=institution, changes=changes)


def programmes_bulk_create(*, institution: Institution, programmes: Sequence[Mapping[str, Any]]) -> list[int]:
    """Add degree programmes (``croho_code``, names, ``level``, ``language``, ``ec``, ``unit_id``) to
    ``institution``; returns their primary keys in order. See ``institution_rows_create``."""
    return institution_rows_create(Programme, institution=institution, rows=programmes)


def programmes_bulk_update(*, institution: Institution, changes: Mapping[int, Mapping[str, Any]]) -> int:
    """Change ``institution``'s degree programmes (primary key → new values). See ``institution_rows_update``."""
    return institution_rows_update(Programme, institution=institution, changes=changes)
