"""Catalogue pages: public, htmx partials, conditional GETs, the home calendar for students, NL/EN."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

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


def test_each_card_links_to_its_own_offering(client, small_catalogue):
    """The cards' address is reversed once per page and filled in per card: every card's title links to the
    page of the offering it shows."""
    html = client.get("/catalogue/?sort=title").content.decode()
    offerings = {o.pk: o for name, o in small_catalogue["offerings"].items() if name != "hidden"}
    for pk, offering in offerings.items():
        link = f'<a href="{reverse("catalogue:offering", args=[pk])}">{offering.teachable.title_nl}</a>'
        assert link in html, offering.teachable.code
    assert html.count('<h3><a href="') == len(offerings)


def test_pages_link_to_their_neighbours_keeping_the_question(client, small_catalogue):
    """Five offerings two to a page: page 2 links back to 1 and on to 3, each link asking the same question
    (the other parameters kept, in order, escaped) for another page; the last page has no next."""
    html = client.get("/catalogue/?sort=title&page=2&page_size=2&q=").content.decode()
    assert html.count('class="card"') == 2
    assert "Pagina 2 van 3" in html
    assert '<option value="title" selected>Titel</option>' in html
    assert html.count(" selected>") == 2  # the sort order and the page's language
    assert '<a href="?sort=title&amp;page_size=2&amp;q=&amp;page=1" rel="prev"' in html
    assert 'hx-get="?sort=title&amp;page_size=2&amp;q=&amp;page=3"' in html
    last = client.get("/catalogue/?page=3&page_size=2").content.decode()
    assert '<a href="?page_size=2&amp;page=2" rel="prev"' in last
    assert 'rel="next"' not in last
    first = client.get("/catalogue/?page_size=2").content.decode()
    assert '<a href="?page_size=2&amp;page=2" rel="next"' in first
    assert 'rel="prev"' not in first
    assert 'class="pagination"' not in client.get("/catalogue/").content.decode()  # one page: no navigation
    beyond = client.get("/catalogue/?page=9&page_size=2").content.decode()  # an old link past the end
    assert '<a href="?page_size=2&amp;page=3" rel="prev"' in beyond
    assert 'rel="next"' not in beyond


def test_only_facets_with_values_are_shown_each_as_a_fieldset(client, small_catalogue):
    html = client.get("/catalogue/?q=zzzzqqqq").content.decode()  # nothing matches: no counts, no facets
    assert "<fieldset" not in html
    html = client.get("/catalogue/?mode=on_campus").content.decode()
    assert html.count('<fieldset class="facet"') == html.count("<legend>") == 11
    assert '<input type="checkbox" name="mode" value="on_campus" id=' in html
    assert html[html.index('value="on_campus"') :].split(">", 1)[0].endswith("checked")


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
    assert "Block 4 2026-2027b" in html and "HU Block 4" not in html  # no abbreviation to decode
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


def test_institution_and_theme_names_are_read_again_only_after_a_change(client, small_catalogue):
    """The facet labels (institutions, themes) are kept between pages under the catalogue stamp; renaming
    an institution is a new stamp, so the next page shows the new name and the old ETag no longer holds."""
    first = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="en")
    assert "tud-t University of Applied Sciences" in first.content.decode()  # full names, not "TUD"
    with CaptureQueriesContext(connection) as again:
        client.get("/catalogue/?page=1", HTTP_ACCEPT_LANGUAGE="en")
    read = " ".join(q["sql"] for q in again.captured_queries)
    assert "institutions_institution" not in read and "catalogue_theme" not in read

    delft = small_catalogue["institutions"]["tud"]
    delft.name_en = "Delft University of Technology"
    delft.save()

    with CaptureQueriesContext(connection) as renamed:
        response = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="en", headers={"If-None-Match": first["ETag"]})
    assert response.status_code == 200
    assert "Delft University of Technology" in response.content.decode()
    assert "institutions_institution" in " ".join(q["sql"] for q in renamed.captured_queries)


def test_seat_bar_and_dates_are_formatted_per_language(client, small_catalogue):
    solar = small_catalogue["offerings"]["solar"]
    english = client.get("/catalogue/?q=solar", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{solar.capacity - solar.seats_taken} seats left of {solar.capacity}" in english
    assert "1 Feb 2027 – 16 Apr 2027" in english  # the HU period of the fixture
    dutch = client.get("/catalogue/?q=zonne", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert f"{solar.capacity - solar.seats_taken} plekken vrij van de {solar.capacity}" in dutch
    with translation.override("nl"):
        assert f"{date_format(solar.start_date, 'j M Y')} – {date_format(solar.end_date, 'j M Y')}" in dutch
