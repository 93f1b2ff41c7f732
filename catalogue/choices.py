"""The catalogue's choices that come from the database: institutions and themes, with labels in the active
language, read once per catalogue change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import get_language

from catalogue.models import Theme
from institutions.models import Institution


@dataclass(frozen=True)
class CatalogueChoices:
    """Choices that come from the database, loaded once per request (``catalogue_choices``)."""

    institutions: list[tuple[int, str, str]]  # (id, code, full name)
    themes: list[tuple[int, str, str]]  # (bit, code, label)


# The last choices read per language, with the catalogue stamp they were read under: institutions and
# themes change the stamp (catalogue.signals), so a page reads them again only after a change.
_choices_read: dict[str, tuple[dt.datetime, CatalogueChoices]] = {}


def catalogue_choices(*, stamp: dt.datetime | None = None) -> CatalogueChoices:
    """Institutions and themes with labels in the active language: two small queries, or none when
    ``stamp`` (``catalogue_stamp()``, read by the caller) is the one they were last read under."""
    language = get_language() or "nl"
    if stamp is not None:
        remembered = _choices_read.get(language)
        if remembered is not None and remembered[0] == stamp:
            return remembered[1]
    english = language.startswith("en")
    # Full names, never the abbreviations ("Technische Universiteit Delft", not "TUD"): a student from
    # elsewhere need not know them. In alphabetical order of the name shown.
    institutions = sorted(
        (
            (pk, code, (en if english else nl) or nl or short)
            for pk, code, short, nl, en in Institution.objects.values_list(
                "pk", "code", "short_name", "name_nl", "name_en"
            )
        ),
        key=lambda item: item[2].casefold(),
    )
    themes = [
        (bit, code, (en if english else nl) or nl)
        for bit, code, nl, en in Theme.objects.order_by("bit").values_list("bit", "code", "name_nl", "name_en")
    ]
    choices = CatalogueChoices(institutions=institutions, themes=themes)
    if stamp is not None:
        _choices_read[language] = (stamp, choices)
    return choices
