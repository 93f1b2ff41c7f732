"""Bad input from a peer is reported item by item or page by page, never leaves a half-written page and never
stops the import: malformed pages, broken documents (missing required fields, wrong types), oversized
answers, redirects and links to other hosts (no SSRF), TLS errors, peers that fail or hang.

The real reference peer with its fault injection, and tiny local servers on 127.0.0.1 (``servers``)."""

from __future__ import annotations

import json

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from catalogue.models import Course, Offering
from ooapi.consumer.importer import default_since
from ooapi.models import ImportRun
from tests.ooapi_import.conftest import make_connection, run_import
from tests.ooapi_import.servers import Answer, bystander, tampering_proxy, untrusted_tls_server
from tools.ooapi_peer.catalogue import Catalogue

pytest_plugins = ["tests.ooapi_peer.fixtures"]

CATALOGUE = Catalogue(offerings=200, seed=1)
OFFERINGS_PATH = f"/organizations/{CATALOGUE.root_id}/offerings"


def entries(summary, action: str) -> list[dict]:
    return [entry for entry in ImportRun.objects.get(pk=summary.run_id).report if entry["action"] == action]


@pytest.fixture
def page_ids(ooapi_peer):
    """The offering ids on a page of the peer's offerings list, as the import asks for it."""

    def ids(number: int, size: int = 50) -> set[str]:
        since = default_since(timezone.localdate()).isoformat()
        with httpx.Client(trust_env=False) as client:
            body = client.get(
                ooapi_peer.base_url + OFFERINGS_PATH, params={"pageSize": size, "pageNumber": number, "since": since}
            ).json()
        return {item["offeringId"] for item in body["items"]}

    return ids


def test_a_malformed_page_is_reported_and_the_pages_around_it_are_imported(institution, ooapi_peer, page_ids):
    connection_ = make_connection(institution, ooapi_peer.base_url)
    run_import(connection_, page_size=50)  # everything is there once

    def garbage_on_page_two(path, query, answer):
        if (
            path == OFFERINGS_PATH
            and query.get("pageNumber") == "2"
            and query.get("pageSize") == "50"
            and not query.get("offeringType")  # the course offerings, not the timetables' component offerings
        ):
            return Answer(200, b'{"pageSize": 50, "pageNumber": 2, "items": [{"offeringId": "x", "na')
        return answer

    with tampering_proxy(ooapi_peer.base_url, garbage_on_page_two) as proxy:
        summary = run_import(connection_, base_url=proxy, page_size=50)

    assert summary.status == "succeeded"
    failed = entries(summary, "page failed")
    assert [(e["kind"], e["page"]) for e in failed] == [("offerings", 2)]
    assert "not valid JSON" in failed[0]["problem"]
    assert summary.kinds["offering"].unchanged == 150
    # Page 2's offerings did not vanish, the page could not be read: nothing is archived.
    assert not Offering.objects.filter(is_archived=True).exists()
    assert [e["kind"] for e in entries(summary, "not archived")] == ["offering"]
    assert (
        ImportRun.objects.get(pk=summary.run_id).error
        == "1 page(s) could not be imported; the rest was. See the report."
    )


def test_broken_documents_are_skipped_item_by_item_with_the_field_and_the_problem(peer_connection, ooapi_peer):
    # Every 5th offering: name removed, startDate "", maxNumberStudents "many", teachingLanguage "English".
    ooapi_peer.control.faults(broken=True, broken_every=5, path_prefix=OFFERINGS_PATH)

    summary = run_import(peer_connection)

    assert summary.status == "succeeded"
    assert summary.kinds["offering"].created == 160
    assert summary.kinds["offering"].skipped == 40
    skipped = entries(summary, "skipped")
    offerings = [e for e in skipped if e["kind"] == "offering"]
    assert len(offerings) == 40
    first = offerings[0]
    assert first["field"] == "name" and first["reason"] == "missing" and first["problem"] == "name is missing"
    assert first["id"] and first["code"]
    assert not Offering.objects.filter(ooapi_id__in=[e["id"] for e in offerings]).exists()


def test_broken_courses_are_skipped_and_their_offerings_say_why(peer_connection, ooapi_peer):
    ooapi_peer.control.faults(broken=True, broken_every=10, path_prefix="/courses")

    summary = run_import(peer_connection)

    assert summary.kinds["course"].skipped == 5
    assert Course.objects.count() == 45
    offerings = [e for e in entries(summary, "skipped") if e["kind"] == "offering"]
    assert len(offerings) == 20
    assert {e["reason"] for e in offerings} == {"unknown_course"}
    assert offerings[0]["problem"].startswith("its course ") and offerings[0]["problem"].endswith(" was not imported")


def test_an_oversized_answer_is_refused_and_the_rest_imported(institution, ooapi_peer):
    connection_ = make_connection(institution, ooapi_peer.base_url, max_response_bytes=512 * 1024)
    ooapi_peer.control.faults(oversize_bytes=2 * 1024 * 1024, path_prefix="/programs")

    summary = run_import(connection_)

    assert summary.status == "succeeded"
    failed = entries(summary, "page failed")
    assert [e["kind"] for e in failed] == ["programs"]
    assert "larger than the 524,288 bytes allowed" in failed[0]["problem"]
    assert summary.kinds["offering"].created == 200


def test_a_redirect_to_another_host_is_not_followed(peer_connection, ooapi_peer):
    with bystander() as (elsewhere, hits):
        ooapi_peer.control.faults(redirect_to=f"{elsewhere}/courses", path_prefix="/courses")
        summary = run_import(peer_connection)

    assert hits == []
    failed = entries(summary, "page failed")
    assert [e["kind"] for e in failed] == ["courses"]
    assert f"redirected to {elsewhere}/courses; redirects are not followed" in failed[0]["problem"]
    # No courses, so no offering could be placed; they are all still listed, so none is archived.
    assert summary.kinds["offering"].skipped == 200
    assert {e["reason"] for e in entries(summary, "skipped") if e["kind"] == "offering"} == {"unknown_course"}


def test_links_in_a_page_to_other_addresses_are_never_fetched(peer_connection, ooapi_peer):
    with bystander() as (elsewhere, hits):

        def with_links(path, query, answer):
            if answer.status != 200:
                return answer
            body = json.loads(answer.body)
            if isinstance(body, dict) and "items" in body:
                body["next"] = f"{elsewhere}/steal?page=2"
                body["_links"] = {"next": {"href": f"{elsewhere}/steal"}, "self": {"href": "http://169.254.169.254/"}}
                for item in body["items"]:
                    item["link"] = f"{elsewhere}/item"
                    item["course"] = item.get("course") or f"{elsewhere}/course"
            return Answer(200, json.dumps(body).encode())

        with tampering_proxy(ooapi_peer.base_url, with_links) as proxy:
            summary = run_import(peer_connection, base_url=proxy)

    assert hits == []
    assert summary.status == "succeeded"
    assert summary.kinds["offering"].created == 200


def test_a_certificate_that_does_not_verify_fails_the_import_cleanly(institution, tmp_path):
    with untrusted_tls_server(tmp_path) as url:
        connection_ = make_connection(institution, url)
        summary = run_import(connection_)

    assert summary.status == "failed"
    assert summary.transient is False
    assert "The secure connection to" in summary.error and "certificate" in summary.error
    run = ImportRun.objects.get(pk=summary.run_id)
    assert run.status == "failed" and run.error == summary.error and run.finished_at
    assert not Course.objects.exists()


def test_a_peer_that_is_down_fails_the_import_as_worth_retrying(institution, ooapi_peer):
    connection_ = make_connection(institution, ooapi_peer.base_url)
    with ooapi_peer.down():
        summary = run_import(connection_)
    assert summary.status == "failed" and summary.transient is True
    assert "Could not connect" in summary.error


def test_server_errors_are_retried_and_then_pass(peer_connection, ooapi_peer):
    ooapi_peer.control.faults(error_next=2, path_prefix="/courses")
    summary = run_import(peer_connection)
    assert summary.status == "succeeded" and summary.error == ""
    assert entries(summary, "page failed") == []
    assert summary.kinds["course"].created == 50


def test_a_peer_that_keeps_hanging_costs_one_page_not_the_import(institution, ooapi_peer):
    connection_ = make_connection(institution, ooapi_peer.base_url, read_timeout=0.3, connect_timeout=1.0)
    ooapi_peer.control.faults(hang_next=3, hang_seconds=2, path_prefix="/programs")
    summary = run_import(connection_)
    assert summary.status == "succeeded"
    assert [e["kind"] for e in entries(summary, "page failed")] == ["programs"]
    assert summary.kinds["offering"].created == 200


def test_a_peer_that_answers_the_same_page_forever_is_stopped(peer_connection, ooapi_peer):
    def always_page_one(path, query, answer):
        if path == "/courses" and query.get("pageNumber") != "1":
            body = json.loads(answer.body)
            return Answer(200, json.dumps({**body, "pageNumber": 1}).encode())
        return answer

    with tampering_proxy(ooapi_peer.base_url, always_page_one) as proxy:
        summary = run_import(peer_connection, base_url=proxy, page_size=10)

    failed = entries(summary, "page failed")
    assert failed[0]["kind"] == "courses" and "answered page 1 instead" in failed[0]["problem"]
    assert summary.kinds["course"].created == 10


def test_a_page_that_cannot_be_written_is_rolled_back_whole(institution, ooapi_peer, page_ids):
    """A database failure in the middle of a page (a trigger refusing one offering): none of that page's
    offerings are kept, the other pages are, and the failure is in the report."""
    victim_page = page_ids(3)
    victim = sorted(victim_page)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION refuse_victim() RETURNS trigger AS $$
            BEGIN
                IF NEW.ooapi_id = %s THEN RAISE EXCEPTION 'refused by the test'; END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_victim BEFORE INSERT OR UPDATE ON catalogue_offering
                FOR EACH ROW EXECUTE FUNCTION refuse_victim();
            """.replace("%s", "'" + victim + "'")
        )
    connection_ = make_connection(institution, ooapi_peer.base_url)

    summary = run_import(connection_, page_size=50)

    assert summary.status == "succeeded"
    assert Offering.objects.count() == 150
    assert not Offering.objects.filter(ooapi_id__in=victim_page).exists()
    failed = entries(summary, "page failed")
    assert len(failed) == 1 and failed[0]["page"] == 3 and failed[0]["kind"] == "offering"
    assert "could not be written and was rolled back: refused by the test" in failed[0]["problem"]
    assert summary.kinds["offering"].skipped == 50
    assert [e["kind"] for e in entries(summary, "not archived")] == ["offering"]


def test_course_by_course_a_page_of_courses_that_fails_archives_nothing(institution, ooapi_peer):
    connection_ = make_connection(institution, ooapi_peer.base_url)
    run_import(connection_)
    root_offerings = f"/organizations/{CATALOGUE.root_id}/offerings"

    def no_root_list_and_a_bad_course_page(path, query, answer):
        if path == root_offerings:
            return Answer(404, b'{"status": "404", "title": "Not found"}')
        if path == "/courses" and query.get("pageNumber") == "2":
            return Answer(500, b'{"status": "500", "title": "Internal server error"}')
        return answer

    with tampering_proxy(ooapi_peer.base_url, no_root_list_and_a_bad_course_page) as proxy:
        summary = run_import(connection_, base_url=proxy, page_size=20)

    assert summary.status == "succeeded"
    assert [(e["kind"], e["page"]) for e in entries(summary, "page failed")] == [("courses", 2)]
    # The courses of page 2 were not read, so neither were their offerings: they have not vanished.
    assert summary.kinds["offering"].unchanged == 120
    assert not Offering.objects.filter(is_archived=True).exists()
    assert [e["kind"] for e in entries(summary, "not archived")] == ["offering"]
