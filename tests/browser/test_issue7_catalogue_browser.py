"""Issue #7, the catalogue in a real browser: it opens on runs open for enrolment now; search finds a theme
name and a one-letter typo on PostgreSQL and on the embedded default (SQLite, a `manage.py runserver` of
its own on a freshly seeded SQLite file, as `make run` serves it); on a 390-px phone the first result is
above the fold and the filters sit behind a "Filters" button; axe finds nothing serious on the catalogue
and the home page."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}
SEARCH_LABEL = "Zoek cursussen en modules"


def result_count(page) -> int:
    heading = page.locator("#results-heading").inner_text()
    return int(re.search(r"\d+", heading.replace(".", "").replace(",", "")).group())


def search(page, text: str) -> int:
    """Type ``text`` into the search box; htmx asks for the results (no reload): their count."""
    with page.expect_response(lambda response: f"q={text}" in response.url and response.ok):
        page.get_by_label(SEARCH_LABEL).fill(text)
    expect(page).to_have_url(re.compile(rf"q={re.escape(text)}"))
    page.wait_for_load_state("networkidle")
    return result_count(page)


def assert_finds_theme_names_and_typos(page) -> None:
    page.goto("/catalogue/")
    everything = result_count(page)
    # A theme's English and Dutch names; no title or summary of the demo says "sustainability".
    for text in ("sustainability", "duurzaamheid"):
        found = search(page, text)
        assert 0 < found < everything, text
    # A one-letter typo of "energy".
    assert 0 < search(page, "enrgy") < everything
    titles = page.locator(".card h3").all_inner_texts()
    # Titles with the word itself, and runs of the theme "Energy transition" (hydrogen technology, say).
    assert titles and re.search(r"energ", titles[0], re.IGNORECASE), titles[:5]
    # Nothing at all: the nearest theme is suggested, and following it finds runs.
    assert search(page, "sustanabilitee") == 0
    suggestion = page.locator("#suggestions a").first
    expect(suggestion).to_contain_text("Duurzaamheid")
    # Leaving the search box for the link asks nothing more: an answer to the typed words, pushed into the
    # history, could cancel the navigation the click started.
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    suggestion.click()
    expect(page).to_have_url(re.compile(r"theme=sustainability"))
    assert not [url for url in asked if "sustanabilitee" in url], asked
    assert result_count(page) > 0


def test_the_catalogue_opens_on_runs_open_for_enrolment_now(page, demo_zone):
    page.goto("/catalogue/")
    cards = page.locator(".card")
    expect(cards).to_have_count(20)
    # Every card on page 1 is open now: the demo has more than twenty open runs.
    for index in range(20):
        expect(cards.nth(index).locator(".badge.open")).to_have_text("Open voor inschrijving")
    assert_accessible(page, "catalogue, opening on open runs")


def test_search_finds_a_theme_name_and_a_typo_on_postgresql(page, demo_zone):
    assert_finds_theme_names_and_typos(page)
    assert_accessible(page, "catalogue, a theme's runs")


def test_on_a_phone_the_first_result_is_above_the_fold_and_filters_sit_behind_a_button(browser, live_server, demo_zone):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", viewport=PHONE, is_mobile=True)
    page = context.new_page()
    try:
        page.goto("/catalogue/")
        first = page.locator(".card").first.bounding_box()
        assert first["y"] + 60 < PHONE["height"], first  # the card's title is on the first screen
        facets = page.locator("#facet-institution")
        expect(facets).to_be_hidden()
        # The button is reached by keyboard and opens the filters.
        summary = page.locator(".filters > summary")
        expect(summary).to_have_text("Filters")
        summary.focus()
        page.keyboard.press("Enter")
        expect(facets).to_be_visible()
        assert_accessible(page, "catalogue on a phone, filters open")
        # Ticking a filter swaps the results and keeps the filters open.
        page.locator("#facet-language input[value=en]").check()
        expect(page).to_have_url(re.compile(r"language=en"))
        page.wait_for_load_state("networkidle")
        expect(facets).to_be_visible()
    finally:
        context.close()


def test_on_a_desktop_the_filters_show_beside_the_results(page, demo_zone):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/catalogue/")
    expect(page.locator("#facet-institution")).to_be_visible()
    expect(page.locator(".filters > summary")).to_be_hidden()
    # Full names, and no abbreviation left unexplained.
    expect(page.locator("#facet-institution")).to_contain_text("Technische Universiteit Delft")
    for abbr in page.locator("abbr").all():
        assert abbr.get_attribute("title"), abbr.inner_html()


def test_the_home_page_is_accessible_and_its_links_work(page, demo_zone):
    page.goto("/")
    assert_accessible(page, "home")
    hrefs = {a.get_attribute("href") for a in page.locator("main a").all()}
    assert "/catalogue/?open=yes" in hrefs
    for href in sorted(hrefs):
        response = page.request.get(href)
        assert response.ok, href


# --------------------------------------------------------------------------------------------------
# The embedded default: SQLite, served as `make run` serves it when DATABASE_URL is not set.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def sqlite_portal(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.dev"
    env["SQLITE_PATH"] = str(tmp_path_factory.mktemp("embedded-search") / "demo.sqlite3")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT, timeout=300)
    subprocess.run(
        [*manage, "seed_demo", "--offerings", "300"], env=env, check=True, cwd=ROOT, timeout=300, capture_output=True
    )
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def sqlite_page(browser, sqlite_portal):
    context = browser.new_context(base_url=sqlite_portal, locale="nl-NL")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_on_the_embedded_default_search_finds_a_theme_name_and_a_typo(sqlite_page):
    assert_finds_theme_names_and_typos(sqlite_page)


def test_on_the_embedded_default_the_catalogue_opens_on_open_runs(sqlite_page):
    sqlite_page.goto("/catalogue/")
    cards = sqlite_page.locator(".card")
    expect(cards).to_have_count(20)
    for index in range(20):
        expect(cards.nth(index).locator(".badge.open")).to_have_text("Open voor inschrijving")
