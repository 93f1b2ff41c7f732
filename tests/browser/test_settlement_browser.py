"""Settlement in a real browser: the coordinator goes from the home page to the zone's statement (the
hand-computed figures of tests/settlement/world.py), downloads its CSV, is refused a negative tariff and sets a
valid one; staff of one institution see their own statement only. axe-core on each page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.models_settlement import Tariff
from tests.browser.axe import assert_accessible
from tests.browser.test_enrolment_browser import log_in
from tests.settlement.world import build_zone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def english_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_coordinator_reads_the_statement_and_sets_a_tariff(english_page):
    zone = build_zone()
    page = english_page
    log_in(page, zone.users["coordinator"])
    page.goto("/")
    page.get_by_role("link", name="Settlement between the zone's institutions").click()
    page.get_by_label("Academic year").select_option("2026-2027")
    page.get_by_role("button", name="Show").click()
    assert_accessible(page, "zone statement")
    expect(page.locator('#settlement-gross tr[data-pair="aa-bb"] td').last).to_have_text("649.94")
    expect(page.locator('#settlement-net tr[data-pair="aa-bb"] td').last).to_have_text("249.94")
    expect(page.locator('#settlement-gross tr[data-pair="aa-cc"]')).to_contain_text("no tariff: nothing owed")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the statement for 2026-2027 as CSV").click()
    assert "2026-2027,net,aa,aa University of Applied Sciences,bb," in download.value.path().read_text()

    page.get_by_role("link", name="Settlement tariffs").click()
    assert_accessible(page, "tariffs")
    page.get_by_label("Paying institution (the student's home)").select_option(label="CC")
    page.get_by_label("Paid institution (the host)").select_option(label="BB")
    page.get_by_label("Rate (EUR)").fill("-12.50")
    page.get_by_label("Academic year").select_option("2026-2027")
    page.get_by_role("button", name="Save the tariff").click()
    expect(page.get_by_text("A tariff cannot be negative.")).to_be_visible()
    assert_accessible(page, "tariff refused")
    assert not Tariff.objects.filter(payer=zone.cc).exists()
    page.get_by_label("Rate (EUR)").fill("12.50")
    page.get_by_role("button", name="Save the tariff").click()
    expect(page.get_by_text("The tariff was saved.")).to_be_visible()
    assert Tariff.objects.get(payer=zone.cc, payee=zone.bb).rate == Decimal("12.50")


def test_staff_see_their_own_institution_only(english_page):
    zone = build_zone()
    page = english_page
    log_in(page, zone.users["staff_cc"])
    page.goto("/")
    page.get_by_role("link", name="cc University of Applied Sciences: settlement").click()
    page.get_by_label("Academic year").select_option("2026-2027")
    page.get_by_role("button", name="Show").click()
    assert_accessible(page, "institution statement")
    expect(page.locator("#settlement-gross tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Settlement between the zone's institutions")).to_have_count(0)
    response = page.goto("/billing/settlement/bb/")
    assert response.status == 404
