"""The search rows: on PostgreSQL one statement per batch builds them, on SQLite (the embedded default)
Python does. Both must give every offering the same row, so the two are held equal here on awkward data."""

from decimal import Decimal

import pytest
from django.db import connection

from catalogue import services
from catalogue.models import Offering, OfferingSearch
from catalogue.services import WHITESPACE, search_index_refresh
from institutions.routes import Route
from tests.factories import CourseFactory, ModuleFactory, OfferingFactory, ThemeFactory

pytestmark = pytest.mark.django_db

FIELDS = [f.attname for f in OfferingSearch._meta.concrete_fields if f.name != "document"]

LONG = ("lorem ipsum dolor " * 30).strip()


def test_whitespace_is_what_str_split_splits_on():
    assert "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) == WHITESPACE


@pytest.fixture
def awkward_offerings():
    """Offerings whose rows exercise every derived value: summaries cut and not cut, odd whitespace, each
    EC band and its edges, themes and routes, modules with and without the microcredential flag, archived
    and hidden offerings."""
    themes = [ThemeFactory(code=f"t{bit}", bit=bit) for bit in (0, 5, 23)]
    descriptions = [
        "",
        "   short\tand\n\nspaced\u00a0out\u2003text  ",
        LONG,
        "x" * 400,  # one word longer than a summary: cut without a space to cut at
        "a" * 279 + " tail",
        " ".join(["woord"] * 46) + "\u3000einde",
    ]
    ecs = ["0.5", "3", "3.1", "5", "7.5", "10", "12", "15", "20", "30", "30.5", "60"]
    routes = [[], [Route.OWN_PACE], [Route.MODULAR, Route.MY_DIPLOMA, Route.MODULAR], ["unknown", Route.OWN_PACE]]
    offerings = []
    for index, ec in enumerate(ecs):
        description = descriptions[index % len(descriptions)]
        course = CourseFactory(
            ec=Decimal(ec),
            description_nl=description,
            description_en=description[::-1],
            suitable_routes=routes[index % len(routes)],
        )
        course.themes.add(*themes[: index % 4])
        offerings.append(
            OfferingFactory(
                course=course,
                is_archived=index % 5 == 4,
                visible_partners=index % 3 != 0,
                visible_guests=index % 6 == 1,
                visible_professionals=False,
            )
        )
    for flag in (True, False):
        module = ModuleFactory(is_microcredential=flag, description_nl=LONG, suitable_routes=[Route.MODULAR])
        module.themes.add(themes[2])
        offerings.append(OfferingFactory(course=None, module=module))
    return offerings


def _rows() -> dict[int, tuple]:
    return {row[0]: row for row in OfferingSearch.objects.order_by("pk").values_list(*FIELDS)}


def test_the_sql_rows_equal_the_python_rows(awkward_offerings):
    ids = [o.pk for o in awkward_offerings]
    services._refresh_portable(ids)
    expected = _rows()
    OfferingSearch.objects.all().delete()

    assert search_index_refresh(offering_ids=ids) == len(ids)

    assert _rows() == expected
    cut = OfferingSearch.objects.filter(summary_nl__endswith="…")
    assert cut.exists()
    assert all(len(row.summary_nl) <= services.SUMMARY_LENGTH for row in cut)


def test_unchanged_rows_are_not_written_again_and_changes_are(awkward_offerings):
    ids = [o.pk for o in awkward_offerings]
    search_index_refresh(offering_ids=ids)

    assert search_index_refresh(offering_ids=ids) == 0

    changed = awkward_offerings[0]
    Offering.objects.filter(pk=changed.pk).update(city="Zwolle")
    assert search_index_refresh(offering_ids=ids) == 1
    assert OfferingSearch.objects.get(pk=changed.pk).city == "Zwolle"


def test_the_document_is_written_with_the_row(awkward_offerings):
    course = awkward_offerings[0].course
    course.title_en = "Quantum Basketweaving"
    course.save()
    search_index_refresh(offering_ids=[awkward_offerings[0].pk])

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT offering_id FROM catalogue_offeringsearch WHERE document @@ plainto_tsquery('english', %s)",
            ["basketweaving"],
        )
        assert cursor.fetchall() == [(awkward_offerings[0].pk,)]


def test_rows_of_deleted_offerings_go(awkward_offerings):
    ids = [o.pk for o in awkward_offerings]
    search_index_refresh(offering_ids=ids)
    gone = awkward_offerings[1]
    # Behind the ORM's back (its cascade would take the row too); the foreign key is checked at commit.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalogue_offering WHERE id = %s", [gone.pk])

    search_index_refresh(offering_ids=ids)

    assert not OfferingSearch.objects.filter(pk=gone.pk).exists()
    assert OfferingSearch.objects.count() == len(ids) - 1
