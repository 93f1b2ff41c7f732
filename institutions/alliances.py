"""The eduXchange alliances SURF's eduXchange profile knows, and the theme vocabularies it fixes.

LDE's themes are the codes 10 to 19 and EuroTeQ's are subject names: the profile accepts no others. It
leaves EWUU's and Kies op Maat's themes open, so their vocabularies are whatever the alliance uses; staff
keep them in the admin. ``institutions.services.alliances_ensure`` writes these rows (the data migration
``0003`` does the same for an existing database).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KnownAlliance:
    code: str
    name_nl: str
    name_en: str
    themes: tuple[str, ...] = ()


LDE_THEMES = tuple(str(code) for code in range(10, 20))
EUROTEQ_THEMES = (
    "Architecture and Construction",
    "Business and Economics",
    "Chemistry and Biology",
    "Computer Science and ICT, Data, AI",
    "Electrical Engineering",
    "Entrepreneurship",
    "Food and Health Sciences, Medical engineering",
    "Languages and Culture",
    "Manufacturing and Processing",
    "Mathematics and Statistics",
    "Mechanical Engineering",
    "Physics and Energy",
    "Transport",
    "Other subject area",
)

ALLIANCES = (
    KnownAlliance(
        "ewuu",
        "Alliantie TU/e, Wageningen University & Research, Universiteit Utrecht en UMC Utrecht",
        "Alliance of TU/e, Wageningen University & Research, Utrecht University and UMC Utrecht",
    ),
    KnownAlliance("lde", "Leiden-Delft-Erasmus Universiteiten", "Leiden-Delft-Erasmus Universities", LDE_THEMES),
    KnownAlliance("euroteq", "EuroTeQ Engineering University", "EuroTeQ Engineering University", EUROTEQ_THEMES),
    KnownAlliance("kom", "Kies op Maat", "Kies op Maat (minors of universities of applied sciences)"),
)
