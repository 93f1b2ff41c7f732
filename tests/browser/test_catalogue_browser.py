"""A visitor searches, narrows by two facets without page reloads, opens an offering and switches
between Dutch and English, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def result_count(page) -> int:
    heading = page.locator("#results-heading").inner_text()
    return int(re.search(r"\d+", heading.replace(".", "").replace(",", "")).group())


def test_search_filter_open_and_switch_language(page, demo_zone):
    page.goto("/catalogue/")
    expect(page.locator("h1")).to_have_text("Gezamenlijke catalogus")
    everything = result_count(page)
    assert everything == 300

    # Typing searches without a reload; the URL follows so it can be shared.
    page.get_by_label("Zoek cursussen en modules").fill("energie")
    expect(page).to_have_url(re.compile(r"q=energie"))
    expect(page.locator("#results-heading")).not_to_contain_text(str(everything))
    after_text = result_count(page)
    assert 0 < after_text < everything

    # Two facets, by keyboard-reachable checkboxes; still no full reload.
    page.evaluate("window.__marker = 'same page'")
    page.locator("#facet-mode input[value=on_campus]").check()
    expect(page).to_have_url(re.compile(r"mode=on_campus"))
    page.locator("#facet-language input[value=nl]").check()
    expect(page).to_have_url(re.compile(r"language=nl"))
    page.wait_for_load_state("networkidle")
    narrowed = result_count(page)
    assert 0 < narrowed <= after_text
    assert page.evaluate("window.__marker") == "same page"
    for card in page.locator(".card .meta").all():
        expect(card).to_contain_text("Op de campus")

    # The shared URL gives the same answer in a fresh load.
    shared = page.url
    page.goto(shared)
    assert result_count(page) == narrowed

    # Open the first offering.
    first = page.locator(".card h3 a").first
    title = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("meter")).to_have_count(1)

    # Switch to English and back.
    page.get_by_label("Taal").select_option("en")
    page.get_by_role("button", name="Wisselen").click()
    expect(page.locator("dt").first).to_have_text("Study load")
    english_title = page.locator("h1").inner_text()
    page.get_by_label("Language").select_option("nl")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("dt").first).to_have_text("Studielast")
    assert page.locator("h1").inner_text() == title
    assert english_title  # titles exist in both languages
