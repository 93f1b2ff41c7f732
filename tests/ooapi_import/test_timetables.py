"""Weekly timetables from the connected institution's component offerings (OOAPI v5 ``ComponentOffering``:
one session of a part of a course offering, with its start and end and its ``courseOffering``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from catalogue.models import Offering
from ooapi.consumer.parsing import read_component_slot
from tests.ooapi_import.conftest import run_import
from tools.ooapi_peer.catalogue import Catalogue

pytest_plugins = ["tests.ooapi_peer.fixtures"]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def component(**fields) -> dict:
    return {
        "offeringId": "c1",
        "offeringType": "component",
        "courseOffering": "off-1",
        "startDateTime": "2027-02-01T09:00:00+01:00",
        "endDateTime": "2027-02-01T11:00:00+01:00",
        **fields,
    }


def test_a_component_offering_is_a_weekly_slot_of_its_course_offering_in_local_time():
    assert read_component_slot(component()) == ("off-1", {"weekday": 0, "start": "09:00", "end": "11:00"})
    # UTC moments are read in Amsterdam time (summer: +2).
    utc = component(startDateTime="2027-06-02T07:30:00Z", endDateTime="2027-06-02T09:15:00Z")
    assert read_component_slot(utc) == ("off-1", {"weekday": 2, "start": "09:30", "end": "11:15"})
    # An expanded course offering is read by its id.
    assert read_component_slot(component(courseOffering={"offeringId": "off-2"}))[0] == "off-2"


@pytest.mark.parametrize(
    "fields",
    [
        {"offeringType": "course"},
        {"courseOffering": None},
        {"startDateTime": "2027-02-01"},
        {"endDateTime": "not a moment"},
        {"endDateTime": "2027-02-01T08:00:00+01:00"},  # ends before it starts
        {"endDateTime": "2027-02-02T11:00:00+01:00"},  # another day: no weekly slot
    ],
)
def test_anything_else_is_no_slot(fields):
    assert read_component_slot(component(**fields)) is None
    assert read_component_slot("not an object") is None


def test_the_import_fills_the_timetables_from_the_peers_component_offerings(peer_connection, ooapi_peer):
    peer = Catalogue(offerings=200, seed=1)
    assert not Offering.objects.exclude(timeslots=[]).exists()

    run_import(peer_connection)

    asked = [r for r in ooapi_peer.control.requests("/organizations/") if r["query"].get("offeringType")]
    assert asked and all(r["query"]["offeringType"] == "component" for r in asked)
    imported = Offering.objects.filter(institution=peer_connection.institution)
    filled = imported.exclude(timeslots=[])
    assert filled.count() == imported.count() > 0
    offering = filled.order_by("pk").first()
    index = peer.parse_id("off", offering.ooapi_id)
    session = peer.component_offering(index)
    start = dt.datetime.fromisoformat(session["startDateTime"]).astimezone(AMSTERDAM)
    end = dt.datetime.fromisoformat(session["endDateTime"]).astimezone(AMSTERDAM)
    assert offering.timeslots == [{"weekday": start.weekday(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}]
    assert offering.timeslot_labels and offering.timeslot_labels[0].endswith(f"{start:%H:%M}–{end:%H:%M}")


def test_a_second_import_leaves_unchanged_timetables_unwritten(peer_connection):
    run_import(peer_connection)
    before = list(Offering.objects.order_by("pk").values_list("pk", "updated_at", "timeslots"))
    run_import(peer_connection)
    assert list(Offering.objects.order_by("pk").values_list("pk", "updated_at", "timeslots")) == before


def test_the_peers_component_offerings_follow_the_spec(ooapi_peer):
    from tests.ooapi_peer.test_peer import assert_follows_spec, http

    peer = Catalogue(offerings=200, seed=1)
    with http() as client:
        response = client.get(
            f"{ooapi_peer.base_url}/organizations/{peer.root_id}/offerings",
            params={"offeringType": "component", "since": "2000-01-01", "pageSize": 50},
        )
    assert response.status_code == 200
    items = response.json()["items"]
    assert items and all(item["offeringType"] == "component" for item in items)
    assert_follows_spec(response, base_path=httpx_path(ooapi_peer.base_url), strict=False)


def httpx_path(base_url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(base_url).path.rstrip("/")
