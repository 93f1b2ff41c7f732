"""Catalogue pages: public, htmx partials, conditional GETs, the home calendar for students, NL/EN."""

import datetime as dt

import pytest
from django.urls import reverse

from catalogue.services import search_index_refresh
from tests.factories import AcademicPeriodFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db


def test_catalogue_lists_offerings_with_seat_bars_and_facets(client, small_catalogue):
    response = client.get("/catalogue/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="card"') == 5
    assert html.count("<meter") == 5
    for facet in (
        "institution",
        "open",
        "ec",
        "language",
        "level",
        "month",
        "city",
        "mode",
        "theme",
        "route",
        "microcredential",
    ):
        assert f'id="facet-{facet}"' in html, facet


def test_htmx_request_gets_only_the_swappable_body(client, small_catalogue):
    response = client.get("/catalogue/?language=en", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="catalogue-body"')
    assert "<html" not in html
    assert html.count('class="card"') == 3


def test_etag_gives_304_until_the_catalogue_changes(client, small_catalogue, django_capture_on_commit_callbacks):
    first = client.get("/catalogue/?q=energy")
    etag = first["ETag"]
    assert first.status_code == 200 and etag
    assert client.get("/catalogue/?q=energy", headers={"If-None-Match": etag}).status_code == 304
    offering = small_catalogue["offerings"]["solar"]
    offering.capacity = 31
    with django_capture_on_commit_callbacks(execute=True):
        offering.save()
    changed = client.get("/catalogue/?q=energy", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_offering_detail_and_hidden_offerings(client, small_catalogue):
    solar = small_catalogue["offerings"]["solar"]
    response = client.get(reverse("catalogue:offering", args=[solar.pk]))
    assert response.status_code == 200
    assert "Zonne-energie in de praktijk" in response.content.decode()
    hidden = small_catalogue["offerings"]["hidden"]
    assert client.get(reverse("catalogue:offering", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("catalogue:offering", args=[999999])).status_code == 404


def test_student_sees_the_host_dates_against_the_home_calendar(client, small_catalogue):
    home = small_catalogue["institutions"]["hu"]
    student = StudentProfileFactory(home_institution=home)
    AcademicPeriodFactory(
        academic_year__institution=home,
        academic_year__name="2026-2027b",
        name_nl="Blok 4",
        name_en="Block 4",
        start_date=dt.date(2027, 4, 12),
        end_date=dt.date(2027, 6, 25),
    )
    client.force_login(student.user)
    wind = small_catalogue["offerings"]["wind"]  # 19 April - 30 June 2027 at TUD
    html = client.get(reverse("catalogue:offering", args=[wind.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Against your home calendar" in html
    assert "HU Block 4" in html
    listing = client.get("/catalogue/?q=offshore", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "At your home institution this falls in:" in listing


def test_language_switch_changes_titles_and_interface(client, small_catalogue):
    client.post("/i18n/setlang/", {"language": "en", "next": "/catalogue/"})
    english = client.get("/catalogue/").content.decode()
    assert "Solar Energy in Practice" in english and "Joint catalogue" in english
    client.post("/i18n/setlang/", {"language": "nl", "next": "/catalogue/"})
    dutch = client.get("/catalogue/").content.decode()
    assert "Zonne-energie in de praktijk" in dutch and "Gezamenlijke catalogus" in dutch


def test_search_index_follows_course_edits(client, small_catalogue, django_capture_on_commit_callbacks):
    solar = small_catalogue["offerings"]["solar"].course
    solar.title_en = "Photovoltaics in Practice"
    with django_capture_on_commit_callbacks(execute=True):
        solar.save()
    assert "Photovoltaics" in client.get("/catalogue/?q=photovoltaics", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert search_index_refresh(offering_ids=[]) == 0
