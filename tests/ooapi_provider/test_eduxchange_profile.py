"""eduXchange would accept the endpoint: the provider's real HTTP answers for ``consumer=eduxchange``,
spidered the way SURF's endpoint validator does (``tests/ooapi_provider/eduxchange.py``), are valid under
SURF's eduXchange profile: lists, single courses, their offerings, single offerings, organizations and
programs, with each alliance's own themes. The profile is read from the shared folder beside the
repository, never copied into it."""

import pytest

from catalogue.models import CoursePublication
from institutions.models import AllianceTheme, Institution
from ooapi.provider.scopes import READ
from tests.ooapi_provider.eduxchange import alliances_of, find_profile, missing_reason, spider

pytestmark = [
    pytest.mark.skipif(find_profile() is None, reason=missing_reason()),
    pytest.mark.django_db(transaction=True),
]

ALLIANCES = {"ewuu", "lde", "euroteq", "kom"}


def describe(walk) -> str:
    return "\n".join(f"{a.path} {a.query} → {a.status}: {a.error[:400]}" for a in walk.broken[:5])


def kind(path: str) -> str:
    """``/courses/{id}/offerings`` → ``courses/{id}/offerings``."""
    parts = path.strip("/").split("/")
    return "/".join(part if index % 2 == 0 else "{id}" for index, part in enumerate(parts))


def test_the_demo_zone_spidered_like_surfs_validator_obeys_the_profile(provider_url, demo_catalogue, make_token):
    token = make_token(Institution.objects.get(code="uu"), (READ,))
    walk = spider(provider_url, token, limit=3000)
    assert walk.broken == [], describe(walk)
    kinds = {kind(answer.path) for answer in walk.answers if answer.status == 200}
    assert kinds >= {"courses", "courses/{id}", "courses/{id}/offerings", "offerings/{id}", "organizations", "programs"}
    assert len(walk.answers) > 400  # every published course and offering, not a sample
    for path in ("/courses/", "/offerings/"):
        entries = [entry for body in walk.bodies(path) for entry in alliances_of(body)]
        assert {entry["name"] for entry in entries} == ALLIANCES, path
    themes: dict[str, set[str]] = {}
    for body in walk.bodies("/courses/"):
        for entry in alliances_of(body):
            themes.setdefault(entry["name"], set()).add(entry.get("theme"))
    assert all(None not in values for values in themes.values())  # every entry has its alliance's theme
    assert themes["lde"] <= {str(code) for code in range(10, 20)} and len(themes["lde"]) > 1
    assert "Computer Science and ICT, Data, AI" in themes["euroteq"]


def test_published_programs_and_every_alliance_obey_the_profile(provider_url, zone, make_token):
    token = make_token(zone["gamma"], (READ,))
    walk = spider(provider_url, token, limit=500)
    assert walk.broken == [], describe(walk)
    programs = [body for body in walk.bodies("/programs/") if "programId" in body]
    assert {entry["name"] for body in programs for entry in alliances_of(body)} == {"ewuu", "kom"}
    assert {kind(a.path) for a in walk.answers if a.status == 200} >= {"programs/{id}", "programs/{id}/offerings"}
    assert {entry["name"] for body in walk.bodies("/courses/") for entry in alliances_of(body)} == {
        "lde",
        "euroteq",
        "kom",
    }


def test_the_walk_catches_a_theme_outside_the_alliances_vocabulary(provider_url, zone, make_token):
    # Written past the services, which refuse it: the profile fixes LDE's themes to the codes 10 to 19.
    physics = AllianceTheme.objects.create(alliance=zone["alliances"]["lde"], code="Physics")
    CoursePublication.objects.filter(alliance__code="lde").update(theme=physics)
    walk = spider(provider_url, make_token(zone["gamma"], (READ,)), limit=500)
    assert walk.broken
    assert all("Physics" in answer.error for answer in walk.broken)
    assert {kind(answer.path) for answer in walk.broken} == {"courses", "courses/{id}"}
