"""The demo zone: 21 institutions with differing calendars, 1,000+ offerings, a login per role."""

import pytest

from accounts.models import StaffRole, StudentProfile, User
from catalogue.models import Course, Offering, OfferingSearch
from demo.seeder import DEMO_PASSWORD, ROLE_ACCOUNTS, DemoSeeder, demo_email
from institutions.models import AcademicPeriod, Institution

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
    assert StudentProfile.objects.count() == 3
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
    assert OfferingSearch.objects.count() == 3000


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
