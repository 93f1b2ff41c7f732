"""The catalogue's and the institutions' bulk writes, the ones a catalogue import goes through: they write only the
given institution's rows, keep an offering's capacity at or above its seats taken, keep the search rows in step,
match themes by code or name whatever the case, archive without deleting, and write nothing when given nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Course, Offering, OfferingSearch
from catalogue.services import (
    course_themes_replace,
    courses_bulk_create,
    courses_bulk_update,
    offerings_archive,
    offerings_bulk_create,
    offerings_bulk_update,
    search_index_refresh,
)
from institutions.models import OrganisationalUnit
from institutions.services import (
    academic_periods_bulk_create,
    academic_periods_bulk_update,
    academic_years_bulk_create,
    academic_years_bulk_update,
    programmes_bulk_create,
    programmes_bulk_update,
    units_bulk_create,
    units_bulk_update,
)
from tests.factories import AcademicPeriodFactory, CourseFactory, InstitutionFactory, OfferingFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def searched(offering: Offering) -> OfferingSearch:
    return OfferingSearch.objects.get(offering=offering)


def test_offerings_are_created_with_their_search_rows():
    course = CourseFactory(title_en="Wind Energy")
    period = AcademicPeriodFactory(academic_year__institution=course.institution)
    values = {
        "course_id": course.pk,
        "period_id": period.pk,
        "code": "WE-1",
        "start_date": period.start_date,
        "end_date": period.end_date,
        "enrol_opens_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        "enrol_closes_at": dt.datetime(2027, 1, 15, tzinfo=dt.UTC),
        "capacity": 40,
        "mode": "online",
        "ooapi_id": "off-1",
    }

    [pk] = offerings_bulk_create(institution=course.institution, offerings=[values])

    offering = Offering.objects.get(pk=pk)
    assert (offering.institution, offering.code, offering.capacity) == (course.institution, "WE-1", 40)
    assert (searched(offering).title_en, searched(offering).capacity) == ("Wind Energy", 40)


def test_a_capacity_never_goes_below_the_seats_taken_and_the_search_row_follows():
    offering = OfferingFactory(capacity=30)
    Offering.objects.filter(pk=offering.pk).update(seats_taken=25)  # taken after the import read the row
    search_index_refresh(offering_ids=[offering.pk])

    changed = offerings_bulk_update(institution=offering.institution, changes={offering.pk: {"capacity": 20}})

    offering.refresh_from_db()
    assert changed == 1
    assert offering.capacity == 25  # the seats already given away, not the source's 20
    assert searched(offering).capacity == 25


def test_updates_group_rows_by_the_fields_they_change_and_stamp_the_offerings():
    first = OfferingFactory(city="Utrecht", capacity=30)
    institution = first.institution
    second = OfferingFactory(course__institution=institution, period=first.period, city="Utrecht", capacity=30)
    before = Offering.objects.get(pk=second.pk).updated_at

    with CaptureQueriesContext(connection) as queries:
        offerings_bulk_update(
            institution=institution, changes={first.pk: {"city": "Delft"}, second.pk: {"capacity": 50}}
        )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.city, first.capacity, second.city, second.capacity) == ("Delft", 30, "Utrecht", 50)
    assert second.updated_at > before
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "catalogue_offering"')]
    assert len(updates) == 2  # one statement per set of changed fields
    assert searched(first).city == "Delft" and searched(second).capacity == 50


def test_rows_of_another_institution_are_never_written():
    mine, theirs = OfferingFactory(city="Utrecht"), OfferingFactory(city="Groningen")
    institution = mine.institution
    assert theirs.institution != institution
    their_unit = OrganisationalUnit.objects.create(institution=theirs.institution, code="F1", name_nl="F", name_en="F")

    assert offerings_bulk_update(institution=institution, changes={theirs.pk: {"city": "Delft"}}) == 0
    assert courses_bulk_update(institution=institution, changes={theirs.course_id: {"title_en": "Taken"}}) == 0
    assert units_bulk_update(institution=institution, changes={their_unit.pk: {"name_en": "Taken"}}) == 0
    assert offerings_archive(institution=institution, offering_ids=[theirs.pk]) == 0
    assert course_themes_replace(institution=institution, wanted={theirs.course_id: ["anything"]}) == set()

    theirs.refresh_from_db()
    their_unit.refresh_from_db()
    assert (theirs.city, theirs.course.title_en, theirs.is_archived, their_unit.name_en) == (
        "Groningen",
        "Introduction to Sustainable Energy",
        False,
        "F",
    )
    assert offerings_bulk_update(institution=institution, changes={mine.pk: {"city": "Delft"}}) == 1  # the control


def test_a_course_change_reaches_the_search_rows_of_its_offerings():
    offering = OfferingFactory()
    courses_bulk_update(institution=offering.institution, changes={offering.course_id: {"title_en": "Tidal Power"}})
    assert Course.objects.get(pk=offering.course_id).title_en == "Tidal Power"
    assert searched(offering).title_en == "Tidal Power"


def test_themes_match_a_code_or_either_name_whatever_the_case_and_only_what_differs_is_written():
    energy = ThemeFactory(code="energy", name_nl="Energie", name_en="Energy", bit=3)
    data = ThemeFactory(code="data", name_nl="Data", name_en="Data science", bit=5)
    offering = OfferingFactory()
    course = offering.course
    other = CourseFactory(institution=course.institution)
    other.themes.add(data)

    changed = course_themes_replace(
        institution=course.institution,
        wanted={course.pk: [" ENERGIE ", "DATA SCIENCE", "no such theme"], other.pk: ["data"]},
    )

    assert changed == {course.pk}  # other already had exactly its theme
    assert set(course.themes.all()) == {energy, data}
    assert searched(offering).theme_mask == (1 << 3) | (1 << 5)
    assert course_themes_replace(institution=course.institution, wanted={course.pk: []}) == {course.pk}
    assert not course.themes.exists() and searched(offering).theme_mask == 0
    with CaptureQueriesContext(connection) as queries:
        assert course_themes_replace(institution=course.institution, wanted={course.pk: []}) == set()
    assert not [q for q in queries.captured_queries if not q["sql"].startswith("SELECT")]


def test_archiving_keeps_the_offering_hides_it_and_is_idempotent():
    offering = OfferingFactory()
    search_index_refresh(offering_ids=[offering.pk])
    assert searched(offering).visible_public

    assert offerings_archive(institution=offering.institution, offering_ids=[offering.pk]) == 1
    assert offerings_archive(institution=offering.institution, offering_ids=[offering.pk]) == 0

    offering.refresh_from_db()
    assert offering.is_archived
    assert not searched(offering).visible_public


def test_the_calendar_units_and_programmes_are_created_and_changed_in_bulk():
    institution = InstitutionFactory()
    [faculty] = units_bulk_create(
        institution=institution, units=[{"code": "EWI", "name_nl": "EWI", "name_en": "EEMCS", "kind": "faculty"}]
    )
    [department] = units_bulk_create(
        institution=institution,
        units=[{"code": "SE", "name_nl": "SE", "name_en": "SE", "kind": "department", "parent_id": faculty}],
    )
    [year] = academic_years_bulk_create(
        institution=institution,
        years=[{"name": "2026-2027", "start_date": dt.date(2026, 8, 31), "end_date": dt.date(2027, 8, 29)}],
    )
    [period] = academic_periods_bulk_create(
        institution=institution,
        periods=[
            {
                "academic_year_id": year,
                "kind": "semester",
                "sequence": 1,
                "name_nl": "Semester 1",
                "name_en": "Semester 1",
                "start_date": dt.date(2026, 8, 31),
                "end_date": dt.date(2027, 1, 29),
            }
        ],
    )
    [programme] = programmes_bulk_create(
        institution=institution,
        programmes=[
            {
                "croho_code": "56955",
                "name_nl": "Informatica",
                "name_en": "Computer Science",
                "level": "bachelor",
                "language": "en",
                "ec": Decimal("180"),
                "unit_id": faculty,
            }
        ],
    )

    assert units_bulk_update(institution=institution, changes={department: {"parent_id": None}}) == 1
    assert academic_years_bulk_update(institution=institution, changes={year: {"end_date": dt.date(2027, 8, 30)}})
    assert academic_periods_bulk_update(institution=institution, changes={period: {"name_en": "Fall"}}) == 1
    assert programmes_bulk_update(institution=institution, changes={programme: {"unit_id": department}}) == 1

    assert institution.units.get(pk=department).parent_id is None
    assert institution.academic_years.get(pk=year).end_date == dt.date(2027, 8, 30)
    assert institution.periods.get(pk=period).name_en == "Fall"
    assert institution.programmes.get(pk=programme).unit_id == department


def test_nothing_to_write_costs_no_statement():
    institution = InstitutionFactory()
    with CaptureQueriesContext(connection) as queries:
        assert courses_bulk_create(institution=institution, courses=[]) == []
        assert offerings_bulk_create(institution=institution, offerings=[]) == []
        assert courses_bulk_update(institution=institution, changes={}) == 0
        assert offerings_bulk_update(institution=institution, changes={}) == 0
        assert course_themes_replace(institution=institution, wanted={}) == set()
        assert units_bulk_create(institution=institution, units=[]) == []
        assert units_bulk_update(institution=institution, changes={}) == 0
        assert academic_years_bulk_create(institution=institution, years=[]) == []
        assert academic_periods_bulk_update(institution=institution, changes={}) == 0
        assert programmes_bulk_create(institution=institution, programmes=[]) == []
    assert queries.captured_queries == []
