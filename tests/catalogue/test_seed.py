"""The demo zone: 21 institutions with differing calendars, 1,000+ offerings, a login per role."""

import pytest

from accounts.models import StaffRole, StudentProfile, User
from catalogue.models import Course, CoursePublication, Offering, OfferingSearch
from demo.seeder import DEMO_PASSWORD, ROLE_ACCOUNTS, DemoSeeder, demo_email
from institutions.alliances import EUROTEQ_THEMES
from institutions.models import AcademicPeriod, Alliance, AllianceMembership, Institution

pytestmark = pytest.mark.django_db


def test_demo_zone_is_complete_and_idempotent():
    first = DemoSeeder().run()
    assert first["institutions"] == 21
    assert first["offerings"] >= 1000
    kinds = set(Institution.objects.values_list("kind", flat=True))
    assert kinds == {"wo", "hbo"}
    # Every institution teaches, every offering is searchable.
    assert Offering.objects.values("institution").distinct().count() == 21
    assert OfferingSearch.objects.count() == Offering.objects.count()
    # Calendars differ: quarters, semesters and five blocks, each with real dates.
    per_institution = {
        inst.code: sorted(set(AcademicPeriod.objects.filter(institution=inst).values_list("kind", flat=True)))
        for inst in Institution.objects.all()
    }
    assert {tuple(v) for v in per_institution.values()} == {("quarter",), ("semester",), ("block",)}
    assert (
        AcademicPeriod.objects.filter(institution__code="vu", academic_year__name__startswith="2")
        .values("academic_year")
        .first()
    )
    assert AcademicPeriod.objects.filter(institution__code="vu").count() == 10  # five blocks, two years

    # A login for every role.
    for local, *_rest in ROLE_ACCOUNTS:
        assert User.objects.get(email=demo_email(local)).check_password(DEMO_PASSWORD)
    logins = [demo_email(local) for local, *_rest in ROLE_ACCOUNTS]
    assert StudentProfile.objects.filter(user__email__in=logins).count() == 3  # besides the demo's requesters
    assert set(StaffRole.objects.values_list("role", flat=True)) == set(StaffRole.Role.values)
    assert User.objects.filter(is_zone_coordinator=True).exists()
    assert User.objects.filter(is_superuser=True).exists()

    counts = {model: model.objects.count() for model in (Institution, Offering, User, AcademicPeriod, StaffRole)}
    again = DemoSeeder().run()
    assert again["offerings_created"] == 0
    assert {model: model.objects.count() for model in counts} == counts


def test_scaling_up_adds_only_what_is_missing():
    DemoSeeder(offerings=1050).run()
    bigger = DemoSeeder(offerings=3000).run()
    assert bigger["offerings"] == 3000
    assert bigger["offerings_created"] == 1950
    # Every run has its search row: the 3,000 of the catalogue and the demo's finished, archived ones.
    assert (
        OfferingSearch.objects.count()
        == Offering.objects.count()
        == 3000 + Offering.objects.filter(is_archived=True).count()
    )


def test_a_catalogue_large_enough_for_synthetic_courses_is_seeded_again_without_change():
    """Beyond ten runs of every course the seeder adds synthetic courses. Seeding the same size again must
    plan the same offerings: it once listed those courses among the others, planned different codes and
    added a second catalogue (the benchmarks seed 10,000 and 100,000 offerings before every run)."""
    first = DemoSeeder(offerings=7000).run()
    assert first["offerings"] == 7000
    assert Course.objects.filter(code__contains="X").exists()  # the synthetic courses exist at this size
    courses, offerings = Course.objects.count(), set(Offering.objects.values_list("pk", "code"))
    again = DemoSeeder(offerings=7000).run()
    assert again["offerings_created"] == 0
    assert again["search_rows_written"] == 0
    assert Course.objects.count() == courses
    assert set(Offering.objects.values_list("pk", "code")) == offerings


# The alliances the zone's institutions really belong to (written here, not read from the seeder).
REAL_ALLIANCES = {
    "ewuu": {"tue", "wur", "uu"},
    "lde": {"ul", "tud", "eur"},
    "euroteq": {"tue"},
    "kom": {"hu", "hva", "hr", "hhs", "fontys", "han", "saxion", "hanze", "avans", "windesheim"},
}


def test_demo_institutions_are_in_their_real_alliances_and_publish_with_valid_themes():
    DemoSeeder().run()
    members = {
        alliance.code: set(alliance.members.values_list("code", flat=True)) for alliance in Alliance.objects.all()
    }
    assert members == REAL_ALLIANCES
    assert REAL_ALLIANCES["kom"] == set(Institution.objects.filter(kind="hbo").values_list("code", flat=True))
    publications = CoursePublication.objects.select_related("alliance", "theme", "course__institution")
    for alliance, institutions in REAL_ALLIANCES.items():
        published = [p for p in publications if p.alliance.code == alliance]
        assert published, alliance
        assert {p.course.institution.code for p in published} <= institutions
        assert all(p.theme is not None and p.theme.alliance_id == p.alliance_id for p in published)
    themes = {(p.alliance.code, p.theme.code) for p in publications}
    assert {theme for alliance, theme in themes if alliance == "lde"} <= {str(n) for n in range(10, 20)}
    assert {theme for alliance, theme in themes if alliance == "euroteq"} <= set(EUROTEQ_THEMES)
    assert len({theme for alliance, theme in themes if alliance == "lde"}) > 1
    # Kies op Maat shares minors.
    assert all(p.course.title_en.startswith("Minor") for p in publications if p.alliance.code == "kom")

    before = sorted(publications.values_list("pk", "course_id", "alliance_id", "theme_id", "kind", "selection"))
    DemoSeeder().run()
    assert sorted(publications.values_list("pk", "course_id", "alliance_id", "theme_id", "kind", "selection")) == before
    assert AllianceMembership.objects.count() == sum(len(m) for m in REAL_ALLIANCES.values())
