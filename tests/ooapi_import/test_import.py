"""The catalogue import against the real reference peer over HTTP on 127.0.0.1: everything it describes
lands in the catalogue by stable identity, an unchanged re-import writes nothing, vanished offerings are
archived (not deleted), and the ``ooapi_import`` command prints the report."""

from __future__ import annotations

import datetime as dt
import io
import re
import socket
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.models import Course, CoursePublication, Mode, Offering, OfferingSearch
from catalogue.services import course_publish
from institutions.models import AcademicPeriod, AcademicYear, Alliance, AllianceTheme, OrganisationalUnit
from institutions.services import Sharing, alliance_leave
from ooapi.models import ImportRun
from tests.factories import CourseFactory, OfferingFactory
from tests.ooapi_import.conftest import make_connection, run_import
from tools.ooapi_peer.catalogue import Catalogue

pytest_plugins = ["tests.ooapi_peer.fixtures"]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"(?P<table>(catalogue|institutions)_\w+)"', re.I)


def catalogue_writes(queries) -> list[str]:
    """The INSERT, UPDATE and DELETE statements on catalogue and calendar tables (the run's own row is
    bookkeeping, not catalogue data)."""
    return [query["sql"][:120] for query in queries if WRITE.match(query["sql"])]


@pytest.fixture
def peer_catalogue() -> Catalogue:
    """The same catalogue the session's peer serves (200 offerings, seed 1)."""
    return Catalogue(offerings=200, seed=1)


def test_an_import_maps_the_whole_catalogue_by_ooapi_id_and_code(peer_connection, peer_catalogue):
    summary = run_import(peer_connection)

    assert summary.status == "succeeded", summary.error
    kinds = {kind: tally.as_dict() for kind, tally in summary.kinds.items()}
    assert kinds["offering"] == {"created": 200, "updated": 0, "unchanged": 0, "skipped": 0, "archived": 0}
    assert kinds["course"]["created"] == 50
    assert kinds["academic session"]["created"] == 15  # three years of four periods
    assert kinds["organization"] == {"created": 4, "updated": 0, "unchanged": 1, "skipped": 0, "archived": 0}
    # The peer's programs have no CROHO code (or are minors): not degree programmes the portal can match.
    assert kinds["program"]["skipped"] == peer_catalogue.program_count

    institution = peer_connection.institution
    assert OrganisationalUnit.objects.filter(institution=institution).count() == 4
    assert AcademicYear.objects.filter(institution=institution).count() == 3
    assert AcademicPeriod.objects.filter(institution=institution).count() == 12

    doc = peer_catalogue.offering(5)
    offering = Offering.objects.select_related("course", "period", "course__unit").get(ooapi_id=doc["offeringId"])
    assert offering.code == doc["primaryCode"]["code"]
    assert offering.start_date == dt.date.fromisoformat(doc["startDate"])
    assert offering.end_date == dt.date.fromisoformat(doc["endDate"])
    assert offering.enrol_opens_at == dt.datetime.fromisoformat(doc["enrollStartDate"]).replace(tzinfo=AMSTERDAM)
    last_day = dt.date.fromisoformat(doc["enrollEndDate"])
    assert offering.enrol_closes_at == dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), AMSTERDAM)
    assert offering.capacity == doc["maxNumberStudents"]
    assert (
        offering.mode
        == {"on campus": Mode.ON_CAMPUS, "online": Mode.ONLINE, "hybrid": Mode.HYBRID}[doc["modeOfDelivery"][0]]
    )
    assert (offering.period.start_date, offering.period.end_date) == (offering.start_date, offering.end_date)
    assert not offering.is_archived
    course_doc = peer_catalogue.course(5 // 4)
    course = offering.course
    assert (course.ooapi_id, course.code) == (course_doc["courseId"], course_doc["primaryCode"]["code"])
    assert (course.title_nl, course.title_en) == (course_doc["name"][0]["value"], course_doc["name"][1]["value"])
    assert course.ec == Decimal(str(course_doc["studyLoad"]["value"]))
    assert course.language == {"nld": "nl", "eng": "en"}[course_doc["teachingLanguage"]]
    assert course.level == course_doc["level"]
    assert (
        course.unit.code == peer_catalogue.organization(peer_catalogue.faculty_of_course(5 // 4))["primaryCode"]["code"]
    )
    # The joint catalogue shows them: every offering has its search row.
    assert OfferingSearch.objects.filter(institution=institution).count() == 200

    run = ImportRun.objects.get(pk=summary.run_id)
    assert (run.status, run.created, run.skipped) == ("succeeded", summary.total.created, summary.total.skipped)
    assert run.pages_done == summary.pages and run.items_seen == summary.items
    assert run.finished_at is not None
    assert {entry["reason"] for entry in run.report} == {"no_croho"}


def test_past_offerings_are_included_by_asking_from_the_previous_academic_year(peer_connection, ooapi_peer):
    run_import(peer_connection)
    today = timezone.localdate()
    assert Offering.objects.filter(start_date__lt=today).exists()
    asked = [r for r in ooapi_peer.control.requests("/organizations/") if r["path"].endswith("/offerings")]
    assert asked and all(r["query"].get("since") for r in asked)
    assert all(dt.date.fromisoformat(r["query"]["since"]) < today - dt.timedelta(days=300) for r in asked)


def test_an_unchanged_catalogue_is_imported_again_without_writing_a_row(peer_connection):
    run_import(peer_connection)
    before = Offering.objects.order_by("pk").values_list("pk", "updated_at")
    before = list(before)

    with CaptureQueriesContext(connection) as queries:
        summary = run_import(peer_connection)

    assert catalogue_writes(queries.captured_queries) == []
    assert summary.total.created == summary.total.updated == summary.total.archived == 0
    assert summary.kinds["offering"].unchanged == 200
    assert list(Offering.objects.order_by("pk").values_list("pk", "updated_at")) == before


def test_a_change_is_written_to_that_row_only_and_its_search_row_follows(peer_connection, peer_catalogue):
    run_import(peer_connection)
    doc = peer_catalogue.offering(7)
    changed = Offering.objects.get(ooapi_id=doc["offeringId"])
    Offering.objects.filter(pk=changed.pk).update(capacity=3, city="Elders")
    Course.objects.filter(pk=changed.course_id).update(title_en="Renamed here")

    with CaptureQueriesContext(connection) as queries:
        summary = run_import(peer_connection)

    assert summary.kinds["offering"].updated == 1 and summary.kinds["course"].updated == 1
    changed.refresh_from_db()
    assert (changed.capacity, changed.city) == (doc["maxNumberStudents"], "")
    assert changed.course.title_en == doc["name"][1]["value"]
    updates = [
        sql for sql in catalogue_writes(queries.captured_queries) if sql.startswith('UPDATE "catalogue_offering"')
    ]
    assert len(updates) == 1
    assert OfferingSearch.objects.get(offering=changed).capacity == doc["maxNumberStudents"]


def test_a_capacity_never_drops_below_the_seats_already_taken(peer_connection, peer_catalogue):
    run_import(peer_connection)
    doc = peer_catalogue.offering(3)
    Offering.objects.filter(ooapi_id=doc["offeringId"]).update(capacity=5000, seats_taken=4000)
    run_import(peer_connection)
    assert Offering.objects.get(ooapi_id=doc["offeringId"]).capacity == 4000  # not the peer's smaller number


def test_vanished_offerings_are_archived_not_deleted_and_come_back(institution, ooapi_peer, ooapi_peer_factory):
    connection = make_connection(institution, ooapi_peer.base_url)
    run_import(connection)
    smaller = ooapi_peer_factory(offerings=180)  # the same seed: the first 180 offerings are the same

    summary = run_import(connection, base_url=smaller.base_url)

    assert summary.kinds["offering"].archived == 20
    assert summary.kinds["offering"].unchanged == 180
    assert Offering.objects.filter(institution=institution).count() == 200
    archived = Offering.objects.filter(institution=institution, is_archived=True)
    assert archived.count() == 20
    assert not OfferingSearch.objects.filter(offering__in=archived, visible_public=True).exists()

    back = run_import(connection)
    assert back.kinds["offering"].updated == 20
    assert not Offering.objects.filter(institution=institution, is_archived=True).exists()


def test_portal_made_rows_with_the_same_code_are_adopted_and_codes_of_others_are_refused(
    peer_connection, peer_catalogue
):
    institution = peer_connection.institution
    course_doc = peer_catalogue.course(0)
    portal_made = CourseFactory(institution=institution, code=course_doc["primaryCode"]["code"], ooapi_id="")
    other_doc = peer_catalogue.course(1)
    taken = CourseFactory(institution=institution, code=other_doc["primaryCode"]["code"], ooapi_id="another-system-1")

    summary = run_import(peer_connection)

    portal_made.refresh_from_db()
    assert portal_made.ooapi_id == course_doc["courseId"]  # adopted: same row, now with its OOAPI id
    taken.refresh_from_db()
    assert taken.ooapi_id == "another-system-1" and taken.title_en == "Introduction to Sustainable Energy"
    run = ImportRun.objects.get(pk=summary.run_id)
    refused = [e for e in run.report if e["reason"] == "code_taken"]
    assert refused == [
        {
            "action": "skipped",
            "kind": "course",
            "id": other_doc["courseId"],
            "code": other_doc["primaryCode"]["code"],
            "field": "primaryCode",
            "reason": "code_taken",
            "outcome": "",
            "params": {"value": other_doc["primaryCode"]["code"]},
            "problem": f"primaryCode {other_doc['primaryCode']['code']} already belongs to another item of this institution",
        }
    ]
    # That course's offerings cannot be placed: skipped with the reason, and never archived.
    assert summary.kinds["offering"].skipped == 4


def test_offerings_are_read_course_by_course_when_the_root_lists_none(peer_connection, ooapi_peer, peer_catalogue):
    root = peer_catalogue.root_id
    ooapi_peer.control.faults(error_rate=1.0, error_status=404, path_prefix=f"/organizations/{root}/offerings")

    summary = run_import(peer_connection)

    assert summary.status == "succeeded"
    assert summary.kinds["offering"].created == 200
    per_course = [r for r in ooapi_peer.control.requests("/courses/") if r["path"].endswith("/offerings")]
    assert len(per_course) == 50


def test_offerings_of_another_institution_are_left_alone(peer_connection):
    other = OfferingFactory()
    run_import(peer_connection)
    other.refresh_from_db()
    assert not other.is_archived and other.ooapi_id == ""


def test_the_command_prints_the_report(institution, ooapi_peer):
    out = io.StringIO()
    call_command("ooapi_import", "refu", "--base-url", ooapi_peer.base_url, stdout=out)
    text = out.getvalue()
    assert f"Created an OOAPI connection for refu to {ooapi_peer.base_url}." in text
    assert re.search(r"Catalogue import of refu from .*: succeeded in [\d.]+ s, \d+ pages, \d+ items", text)
    assert re.search(r"^offering\s+200\s+0\s+0\s+0\s+0$", text, re.M)
    assert "skipped program · primaryCode: the program has no CROHO code" in text

    again = io.StringIO()
    call_command("ooapi_import", "refu", stdout=again)
    assert re.search(r"^offering\s+0\s+0\s+200\s+0\s+0$", again.getvalue(), re.M)


def test_the_command_explains_what_is_missing(institution):
    with pytest.raises(CommandError, match="No institution with code 'nope'"):
        call_command("ooapi_import", "nope")
    with pytest.raises(CommandError, match="refu has no OOAPI connection"):
        call_command("ooapi_import", "refu")


def test_the_command_fails_loudly_when_the_endpoint_is_down(institution):
    with socket.socket() as probe:  # a port nobody listens on: take a free one and let it go
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CommandError, match="The import failed: Could not connect"):
        call_command("ooapi_import", "refu", "--base-url", f"http://127.0.0.1:{port}", stdout=io.StringIO())
    assert ImportRun.objects.get().status == "failed"


def test_an_endpoint_behind_oauth2_client_credentials_is_imported_and_a_refusal_fails_cleanly(institution, ooapi_peer):
    ooapi_peer.control.settings(auth={"required": True, "clients": {"portal": "s3cret"}})
    token_url = f"{ooapi_peer.origin}/oauth2/token"
    connection_ = make_connection(
        institution,
        ooapi_peer.base_url,
        auth_method="client_credentials",
        token_url=token_url,
        client_id="portal",
        client_secret="s3cret",
    )
    summary = run_import(connection_)
    assert summary.status == "succeeded" and summary.kinds["offering"].created == 200

    connection_.client_secret = "wrong"
    connection_.save()
    refused = run_import(connection_)
    assert refused.status == "failed" and refused.transient is False
    assert "refused the client credentials" in refused.error


def test_the_endpoints_eduxchange_alliances_become_publications_by_the_portals_rules(peer_connection, peer_catalogue):
    institution = peer_connection.institution
    alliances = {alliance.code: alliance for alliance in Alliance.objects.all()}
    alliance_leave(alliance=alliances["kom"], institution=institution)  # the peer also publishes to Kies op Maat

    summary = run_import(peer_connection)

    assert summary.status == "succeeded", summary.error
    kom_courses = 0
    for index in range(peer_catalogue.course_count):
        doc = peer_catalogue.course(index)
        entries = doc["consumers"][0]["alliances"]
        kom_courses += any(entry["name"] == "kom" for entry in entries)
        expected = [
            (e["name"], e["theme"], e["selection"], e["type"], e["visibleForGuests"])
            for e in entries
            if e["name"] != "kom"
        ]
        publications = CoursePublication.objects.filter(course__ooapi_id=doc["courseId"]).select_related(
            "alliance", "theme"
        )
        assert [
            (p.alliance.code, p.theme.code, p.selection, p.kind, p.visible_for_guests) for p in publications
        ] == expected
    assert kom_courses and CoursePublication.objects.filter(alliance__code="lde").exists()
    # EWUU's vocabulary is open: the endpoint's themes joined it.
    assert alliances["ewuu"].themes.count() > 0
    run = ImportRun.objects.get(pk=summary.run_id)
    notes = [entry for entry in run.report if entry.get("reason") == "not_a_member"]
    assert [(note["alliance"], note["count"]) for note in notes] == [("kom", kom_courses)]
    assert notes[0]["problem"] == (
        f"kom: RefU is not a member of this alliance; courses not published there: {kom_courses}."
    )

    # The endpoint is the source: a publication it does not describe is withdrawn by the next import.
    unpublished = Course.objects.get(ooapi_id=peer_catalogue.course(3)["courseId"])  # the peer publishes it nowhere
    course_publish(course=unpublished, alliance=alliances["lde"], sharing=Sharing())
    run_import(peer_connection)
    assert not unpublished.publications.exists()


def test_a_theme_outside_a_fixed_vocabulary_is_left_out_with_a_warning(peer_connection, peer_catalogue):
    AllianceTheme.objects.filter(alliance__code="lde", code__in=["10", "11"]).delete()  # as if LDE had fewer codes
    summary = run_import(peer_connection)
    notes = [e for e in ImportRun.objects.get(pk=summary.run_id).report if e.get("reason") == "unknown_theme"]
    assert notes and {note["alliance"] for note in notes} == {"lde"} and {n["value"] for n in notes} <= {"10", "11"}
    without = CoursePublication.objects.filter(alliance__code="lde", theme__isnull=True).count()
    assert without == sum(note["count"] for note in notes)
