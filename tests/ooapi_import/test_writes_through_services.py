"""The import writes the catalogue and the institutions' calendars through their apps' services only: across an
import that creates rows of every kind and one that updates, adopts, re-themes, withdraws and archives them, every
INSERT, UPDATE and DELETE on a ``catalogue_*`` or ``institutions_*`` table is issued from
``catalogue/services.py`` or ``institutions/services.py``, never from ``ooapi/``. Committed data and the real
writer threads (each with its own connection), against the real reference peer; its programs get a CROHO code
on the way (a proxy adds one) so that programmes are written too."""

from __future__ import annotations

import json
import re
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.db.backends.signals import connection_created

from catalogue.models import Course, CoursePublication, Offering, OfferingSearch
from catalogue.services import course_publish
from institutions.models import AcademicPeriod, AcademicYear, Alliance, OrganisationalUnit, Programme
from institutions.services import Sharing
from tests.factories import CourseFactory, ThemeFactory
from tests.ooapi_import.conftest import make_connection, run_import
from tests.ooapi_import.servers import Answer, tampering_proxy
from tools.ooapi_peer.catalogue import Catalogue

pytest_plugins = ["tests.ooapi_peer.fixtures"]

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
WRITE = re.compile(
    r'^\s*(?P<verb>INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?P<table>(catalogue|institutions)_\w+)"?', re.I
)
SERVICES = {"catalogue/services.py", "institutions/services.py"}


def first_project_frame() -> str:
    """The innermost frame of the project's own code (not Django, not a library) that led to this statement."""
    frame = sys._getframe(2)
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if ROOT in path.parents and ".venv" not in path.parts and "site-packages" not in path.parts:
            return path.relative_to(ROOT).as_posix()
        frame = frame.f_back
    return "?"


class WriteOrigins:
    """Where each write to a catalogue or institutions table comes from, on this thread's connection and on every
    connection opened meanwhile (the offering pages' writer threads)."""

    def __init__(self) -> None:
        self.origins: Counter = Counter()
        self.verbs: Counter = Counter()
        self._lock = threading.Lock()

    def __enter__(self) -> WriteOrigins:
        connection.execute_wrappers.append(self)
        connection_created.connect(self._attach)
        return self

    def __exit__(self, *exc_info) -> None:
        connection_created.disconnect(self._attach)
        connection.execute_wrappers.remove(self)

    def _attach(self, sender, connection, **kwargs) -> None:
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)

    def __call__(self, execute, sql, params, many, context):
        found = WRITE.match(sql)
        if found:
            origin = first_project_frame()
            with self._lock:
                self.origins[origin] += 1
                self.verbs[(found.group("verb").split()[0].upper(), found.group("table"))] += 1
        return execute(sql, params, many, context)


def with_croho_codes(path: str, query: dict[str, str], answer: Answer) -> Answer:
    """Programs as degree programmes with a CROHO code (the peer's have none)."""
    if path != "/programs" or answer.status != 200:
        return answer
    body = json.loads(answer.body)
    for item in body["items"]:
        number = int(item["primaryCode"]["code"].removeprefix("PRG"))
        item["otherCodes"] = [{"codeType": "crohoCreboCode", "code": f"{50000 + number}"}]
    return Answer(200, json.dumps(body).encode())


def test_every_catalogue_and_calendar_write_of_an_import_is_a_services_write(institution, ooapi_peer_factory):
    health = ThemeFactory(code="health", name_nl="Publieke gezondheid", name_en="Public Health", bit=1)
    ThemeFactory(code="data", name_nl="DATAWETENSCHAP", name_en="Data", bit=2)  # matched whatever the case
    stray = ThemeFactory(code="stray", name_nl="Los", name_en="Stray", bit=3)
    catalogue = Catalogue(offerings=200, seed=1)
    full, smaller = ooapi_peer_factory(offerings=200), ooapi_peer_factory(offerings=180)
    # A course made in the portal with the code the peer gives its course 2: adopted by the second import.
    adopted_doc = catalogue.course(2)

    with tampering_proxy(full.base_url, with_croho_codes) as url, WriteOrigins() as first:
        connection_ = make_connection(institution, url)
        created = run_import(connection_, page_size=50)
    assert created.status == "succeeded", created.error

    # Change a row of every kind here, as if staff had edited them, so that the next import puts them back.
    OrganisationalUnit.objects.filter(institution=institution).update(name_en="Renamed")
    year = AcademicYear.objects.filter(institution=institution).first()
    AcademicYear.objects.filter(pk=year.pk).update(end_date=year.end_date.replace(day=1))
    AcademicPeriod.objects.filter(institution=institution).update(name_en="Renamed")
    Programme.objects.filter(institution=institution).update(name_en="Renamed")
    Course.objects.filter(institution=institution).update(title_en="Renamed")
    Offering.objects.filter(institution=institution).update(city="Elders")
    still_listed = [catalogue.course(index)["courseId"] for index in range(180 // 4)]  # by the smaller peer
    themed = Course.objects.get(ooapi_id=catalogue.course(1)["courseId"])  # EWUU's "Public Health"
    assert set(themed.themes.all()) == {health}
    themed.themes.remove(health)
    themed.themes.add(stray)
    CoursePublication.objects.filter(course__ooapi_id__in=still_listed).delete()
    unpublished = Course.objects.get(ooapi_id=catalogue.course(3)["courseId"])  # the peer publishes it nowhere
    course_publish(course=unpublished, alliance=Alliance.objects.get(code="lde"), sharing=Sharing())
    Course.objects.get(ooapi_id=adopted_doc["courseId"]).delete()  # with its offerings
    portal_made = CourseFactory(institution=institution, code=adopted_doc["primaryCode"]["code"], ooapi_id="")

    with tampering_proxy(smaller.base_url, with_croho_codes) as url, WriteOrigins() as second:
        connection_.base_url = url
        connection_.save()
        changed = run_import(connection_, page_size=50)
    assert changed.status == "succeeded", changed.error

    # The control: the imports really wrote every kind of row, both ways, from writer threads too.
    for verb, table in [
        ("INSERT", "institutions_organisationalunit"),
        ("INSERT", "institutions_academicyear"),
        ("INSERT", "institutions_academicperiod"),
        ("INSERT", "institutions_programme"),
        ("INSERT", "catalogue_course"),
        ("INSERT", "catalogue_course_themes"),
        ("INSERT", "catalogue_coursepublication"),
        ("INSERT", "catalogue_offering"),
        ("INSERT", "catalogue_offeringsearch"),
    ]:
        assert first.verbs[(verb, table)] >= 1, (verb, table, first.verbs)
    for verb, table in [
        ("UPDATE", "institutions_organisationalunit"),
        ("UPDATE", "institutions_academicyear"),
        ("UPDATE", "institutions_academicperiod"),
        ("UPDATE", "institutions_programme"),
        ("UPDATE", "catalogue_course"),
        ("INSERT", "catalogue_course_themes"),
        ("DELETE", "catalogue_course_themes"),
        ("INSERT", "catalogue_coursepublication"),
        ("DELETE", "catalogue_coursepublication"),
        ("INSERT", "catalogue_offering"),
        ("UPDATE", "catalogue_offering"),
        ("INSERT", "catalogue_offeringsearch"),
    ]:
        assert second.verbs[(verb, table)] >= 1, (verb, table, second.verbs)
    assert created.kinds["program"].created == catalogue.program_count - catalogue.program_count // 3
    assert changed.kinds["offering"].archived == 20
    assert (changed.kinds["offering"].created, changed.kinds["offering"].updated) == (4, 176)
    assert not unpublished.publications.exists()
    portal_made.refresh_from_db()
    assert portal_made.ooapi_id == adopted_doc["courseId"]
    assert set(themed.themes.all()) == {health}
    assert OfferingSearch.objects.filter(offering__course=themed, theme_mask=1 << health.bit).exists()

    # What the test is for: all of those writes came from the two apps' services.
    assert set(first.origins) <= SERVICES, first.origins
    assert set(second.origins) <= SERVICES, second.origins
