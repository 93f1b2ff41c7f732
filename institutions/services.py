"""Writes about institutions' eduXchange alliances: membership, theme vocabularies, and publishing a
programme to an alliance. Publishing a course is ``catalogue.services.course_publish``, on the same rules
(``institutions.models.publication_problem``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from institutions.alliances import ALLIANCES
from institutions.models import (
    Alliance,
    AllianceMembership,
    AllianceTheme,
    Institution,
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
