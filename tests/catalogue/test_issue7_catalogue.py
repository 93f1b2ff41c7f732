"""Issue #7, the catalogue: what a student can still enrol in comes first; search finds themes, Dutch and
English words and one-letter typos on both databases' paths; a question without results gets suggestions;
full institution names; a seat bar of seats left; the demo's EQF levels and modules."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Course, Module, Offering, Theme
from catalogue.search import CatalogueQuery, catalogue_search
from catalogue.selectors import search_suggestions
from catalogue.services import search_index_refresh
from catalogue.templatetags.catalogue_tags import seat_bar
from catalogue.vocabulary import one_edit_apart, search_vocabulary, stems_of
from tests.factories import StaffRoleFactory, StudentProfileFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db

BOTH_PATHS = pytest.mark.parametrize("portable", [False, True], ids=["postgresql", "portable"])


def codes_in_order(result) -> list[str]:
    return [row["code"] for row in result.rows]


def codes(result) -> list[str]:
    return sorted(row["code"] for row in result.rows)


@pytest.fixture
def law_closed(small_catalogue):
    """European Law's window closed yesterday; it starts first (February), so a start-date order shows it first."""
    now = timezone.now()
    law = small_catalogue["offerings"]["law"]
    Offering.objects.filter(pk=law.pk).update(
        enrol_opens_at=now - dt.timedelta(days=30), enrol_closes_at=now - dt.timedelta(days=1)
    )
    search_index_refresh(offering_ids=[law.pk])
    return small_catalogue


@BOTH_PATHS
def test_without_filters_open_runs_come_first_then_opening_soon_then_closed(law_closed, portable):
    result = catalogue_search(CatalogueQuery(), portable=portable)
    # Open now, by start date (solar and the module in February, ML in April); wind opens in three days;
    # law, which starts earliest, closed yesterday.
    assert codes_in_order(result) == ["ENE101", "MOD-DATA", "DAT300", "ENE201", "LAW100"]
    page_one = catalogue_search(CatalogueQuery(page_size=2), portable=portable)
    assert codes_in_order(page_one) == ["ENE101", "MOD-DATA"]


@BOTH_PATHS
def test_start_date_order_is_still_there_when_chosen(law_closed, portable):
    result = catalogue_search(CatalogueQuery(sort="start"), portable=portable)
    assert codes_in_order(result)[:3] == ["ENE101", "LAW100", "MOD-DATA"]


def test_the_catalogue_page_opens_on_open_runs(client, law_closed):
    html = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    titles = re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', html)
    assert titles[0] == "Solar Energy in Practice" and titles[-1] == "European Law"


@pytest.fixture
def sustainability(small_catalogue):
    """A theme whose name appears in no title or description: only the theme can find its runs."""
    theme = ThemeFactory(code="sustainability-t", bit=7, name_nl="Duurzaamheid", name_en="Sustainability")
    small_catalogue["offerings"]["law"].course.themes.add(theme)
    search_index_refresh()
    return small_catalogue


@BOTH_PATHS
@pytest.mark.parametrize("text", ["sustainability", "Duurzaamheid", "sustainabilty"])
def test_a_theme_name_in_either_language_finds_the_runs_carrying_the_theme(sustainability, portable, text):
    assert codes(catalogue_search(CatalogueQuery(text=text), portable=portable)) == ["LAW100"]


@BOTH_PATHS
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("offshre", ["ENE201"]),
        ("machne lerning", ["DAT300"]),
        ("profesionals", ["MOD-DATA"]),
        ("europes", ["LAW100"]),
        ("enrgy", ["ENE101", "ENE201"]),
        ("rechten", ["LAW100"]),
    ],
)
def test_one_letter_typos_and_dutch_words_are_found_on_both_paths(small_catalogue, portable, text, expected):
    assert codes(catalogue_search(CatalogueQuery(text=text), portable=portable)) == expected


@BOTH_PATHS
def test_theme_and_text_searches_agree_on_both_paths(sustainability, portable):
    for text in ["sustainability", "energy", "enrgy", "data"]:
        fast = catalogue_search(CatalogueQuery(text=text))
        portable_result = catalogue_search(CatalogueQuery(text=text), portable=True)
        assert fast.total == portable_result.total, text


def test_one_edit_apart():
    assert one_edit_apart("enrgy", "energy") and one_edit_apart("energy", "enrgy")
    assert one_edit_apart("lerning", "learning") and one_edit_apart("duurzaamhied", "duurzaamheid")
    assert one_edit_apart("data", "date") and not one_edit_apart("data", "data")
    assert not one_edit_apart("energy", "synergy") and not one_edit_apart("law", "lawyer")


def test_stems_of():
    assert stems_of("rechten") == ["recht"] and stems_of("systems") == ["system"] and stems_of("learning") == ["learn"]
    assert stems_of("data") == [] and stems_of("recht") == []


def test_close_words_leave_short_and_known_words_alone(small_catalogue):
    vocabulary = search_vocabulary()
    assert vocabulary.close_words("enrgy") == ["energy"]
    assert vocabulary.close_words("energy") == []  # a word of a title: not a typo
    assert vocabulary.close_words("lw") == []


def test_suggestions_name_the_nearest_themes_and_words(sustainability):
    suggestions = search_suggestions(text="sustanabilitee")
    assert [code for code, _name in suggestions.themes] == ["sustainability-t"]
    assert search_suggestions(text="machnie lurning").words[:2] == ["machine", "learning"]
    assert not search_suggestions(text="qqqq")


def test_a_search_without_results_suggests_themes_and_words(client, sustainability):
    response = client.get("/catalogue/?q=sustanabilitee", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200 and "0 offerings found" in html
    assert 'id="suggestions"' in html
    assert 'href="/catalogue/?theme=sustainability-t">the theme Sustainability</a>' in html
    nothing = client.get("/catalogue/?q=qqqqqq", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Try fewer or other words" in nothing and 'id="suggestions"' not in nothing
    found = client.get("/catalogue/?q=energy", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "suggestions" not in found


def test_institutions_show_their_full_names_in_the_facet_and_on_the_cards(client, small_catalogue):
    html = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    facet = html[html.index('id="facet-institution"') :]
    facet = facet[: facet.index("</fieldset>")]
    assert "tud-t University of Applied Sciences" in facet and "TUD" not in facet
    assert '<span class="institution">hu-t University of Applied Sciences</span>' in html
    assert ">TUD<" not in html and ">HU<" not in html


def test_the_seat_bar_shows_seats_left_and_a_full_course_says_full():
    some_left = seat_bar(offering_id=1, capacity=30, taken=18)
    assert 'value="12"' in some_left and "12 seats left of 30" in some_left and "Full" not in some_left
    full = seat_bar(offering_id=2, capacity=30, taken=30)
    assert 'value="0"' in full and "is-full" in full and "<strong" in full and "Full" in full
    assert "0 seats left of 30" in full
    none_at_all = seat_bar(offering_id=3, capacity=0, taken=0)
    assert 'max="1"' in none_at_all and 'value="0"' in none_at_all  # a meter needs max > min


def test_the_filters_sit_behind_a_filters_button_that_stays_open_while_ticking(client, small_catalogue):
    html = client.get("/catalogue/").content.decode()
    assert '<details class="filters">' in html and "<summary>" in html
    assert html.index('class="filters"') < html.index('class="results"')
    ticking = client.get("/catalogue/?language=en", headers={"HX-Request": "true"}).content.decode()
    assert '<details class="filters" open>' in ticking


def test_demo_eqf_levels_and_modules_of_related_courses(demo_catalogue):
    assert set(Course.objects.filter(level="bachelor").values_list("eqf_level", flat=True)) == {6}
    assert set(Course.objects.filter(level="master").values_list("eqf_level", flat=True)) == {7}
    for module in Module.objects.prefetch_related("themes", "courses__themes"):
        module_themes = {t.code for t in module.themes.all()}
        assert module.courses.exists(), module.code
        for course in module.courses.all():
            assert module_themes & {t.code for t in course.themes.all()}, (module.title_en, course.title_en)
    assert Theme.objects.filter(code="sustainability").exists()


def _links(html: str) -> list[str]:
    return [href for href in re.findall(r'href="(/[^"]*)"', html) if not href.startswith("/static/")]


def test_the_home_page_links_only_to_pages_that_exist(client, small_catalogue):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for href in _links(html):
        assert client.get(href.replace("&amp;", "&")).status_code in (200, 302), href
    assert "/catalogue/?route=modular" in html and "/catalogue/?open=yes" in html


def test_the_home_page_links_a_student_to_their_requests_and_staff_to_their_queues(client, small_catalogue):
    student = StudentProfileFactory(home_institution=small_catalogue["institutions"]["hu"])
    client.force_login(student.user)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("enrolment:requests") in html.split('id="start-heading"')[1]

    staff = UserFactory()
    StaffRoleFactory(user=staff, institution=small_catalogue["institutions"]["tud"], role="host_admissions")
    client.force_login(staff)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    start = html.split('id="start-heading"')[1]
    assert reverse("enrolment:incoming", args=["tud-t"]) in start
    assert reverse("enrolment:requests") not in start
    for href in _links(html):
        assert client.get(href.replace("&amp;", "&")).status_code in (200, 302), href
