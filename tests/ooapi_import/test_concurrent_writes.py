"""Offering pages are written two at a time (each in its own transaction, on its own database connection)
when the import runs on its own, as in a worker or the command. Committed data and real threads here:
the pages are complete, an unchanged re-import writes nothing on any connection, and a page that fails is
rolled back whole while the page beside it is kept."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from bench.ooapi_import import RowsWritten
from catalogue.models import Offering, OfferingSearch
from ooapi.models import ImportRun
from tests.ooapi_import.conftest import make_connection, run_import

pytest_plugins = ["tests.ooapi_peer.fixtures"]

pytestmark = pytest.mark.django_db(transaction=True)


def writer_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("ooapi-write")]


def test_pages_written_side_by_side_are_complete_and_a_second_import_writes_nothing(institution, ooapi_peer):
    connection_ = make_connection(institution, ooapi_peer.base_url)

    with RowsWritten() as first_writes:
        first = run_import(connection_, page_size=20)  # ten pages of offerings

    assert first.status == "succeeded"
    assert first.kinds["offering"].created == 200
    assert Offering.objects.filter(institution=institution).count() == 200
    assert OfferingSearch.objects.filter(institution=institution).count() == 200
    # The counter sees the writer threads' connections too (the control for the zero below).
    assert first_writes.statements["catalogue_offering"] >= 10
    assert first_writes.rows >= 400
    assert writer_threads() == []

    with RowsWritten() as again:
        second = run_import(connection_, page_size=20)

    assert again.rows == 0 and again.statements == {}
    assert second.kinds["offering"].unchanged == 200


def test_a_page_that_fails_beside_another_is_rolled_back_alone(institution, ooapi_peer):
    connection_ = make_connection(institution, ooapi_peer.base_url)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION refuse_one_offering() RETURNS trigger AS $$
            BEGIN
                IF NEW.code LIKE 'RU000007-%' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_one_offering BEFORE INSERT ON catalogue_offering
                FOR EACH ROW EXECUTE FUNCTION refuse_one_offering();
            """
        )
    try:
        summary = run_import(connection_, page_size=20)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER refuse_one_offering ON catalogue_offering; DROP FUNCTION refuse_one_offering();"
            )

    failed = [e for e in ImportRun.objects.get(pk=summary.run_id).report if e["action"] == "page failed"]
    # Course 7's four offerings run in different periods, so they are on up to four pages: each is rolled
    # back whole, every other page is kept.
    pages = len(failed)
    assert 1 <= pages <= 4
    assert Offering.objects.filter(code__startswith="RU000007-").count() == 0
    assert Offering.objects.count() == 200 - 20 * pages
    assert summary.kinds["offering"].skipped == 20 * pages
    assert summary.kinds["offering"].created == 200 - 20 * pages
    assert not Offering.objects.filter(is_archived=True).exists()
