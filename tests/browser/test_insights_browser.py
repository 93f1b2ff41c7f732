"""The participation dashboards in a real browser, on the demo zone (its eighteen months of history): the
coordinator's dashboard draws every chart (a canvas, with data) beside its table, a filter changes them, the
Content-Security-Policy blocks nothing and axe-core finds nothing serious; a staff member has their own
institution's dashboard and cannot open the zone's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from demo.seeder import DEMO_PASSWORD, demo_email
from insights.panels import INSTITUTION, PANELS, ZONE
from tests.browser.axe import assert_accessible
from tests.browser.test_csp_browser import _watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _charts_drawn(page, count: int) -> dict[str, int]:
    """Waits until ``count`` charts are drawn; each chart's key and how many data points it drew."""
    expect(page.locator("[data-insights-chart][data-rendered=true]")).to_have_count(count)
    drawn = {}
    for chart in page.locator("[data-insights-chart]").all():
        key = chart.get_attribute("data-insights-chart").removesuffix("-data")
        assert chart.locator("canvas").count() >= 1, f"{key}: no canvas"
        drawn[key] = int(chart.get_attribute("data-points"))
    return drawn


@pytest.fixture
def english(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def test_the_coordinator_sees_every_chart_with_its_table_and_a_filter_changes_them(english, live_server, demo_zone):
    page = english
    problems = _watch(page, live_server.url)
    _log_in(page, demo_email("coordinator"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Zone dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zone dashboard")

    drawn = _charts_drawn(page, len(PANELS[ZONE]))
    assert set(drawn) == {spec.key for spec in PANELS[ZONE]}
    assert all(points > 0 for points in drawn.values()), drawn
    for spec in PANELS[ZONE]:
        table = page.locator(f"#{spec.key}-table")
        expect(table).to_be_visible()
        assert table.locator("tbody tr").count() >= 1
    flows_total = page.locator("#flows-table tfoot td").last.inner_text()
    assert_accessible(page, "zone dashboard")

    page.get_by_label("Route", exact=True).select_option("own_pace")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"route=own_pace"))
    filtered = _charts_drawn(page, len(PANELS[ZONE]))
    assert page.locator("#flows-table tfoot td").last.inner_text() != flows_total
    assert filtered["participation-route"] < drawn["participation-route"]  # one route left of four
    assert problems == []


def test_bad_filters_are_explained_on_the_page(english, live_server, demo_zone):
    _log_in(english, demo_email("coordinator"))
    english.goto("/insights/?from=2026-10-01&to=2026-09-01")
    expect(english.get_by_role("alert")).to_contain_text("The date range is impossible")
    assert_accessible(english, "zone dashboard with a refused filter")


def test_staff_have_their_own_institutions_dashboard_and_not_the_zones(english, live_server, demo_zone):
    page = english
    staff = User.objects.get(email=demo_email("admissions.vu"))
    _log_in(page, staff.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vrije Universiteit Amsterdam")
    drawn = _charts_drawn(page, len(PANELS[INSTITUTION]))
    assert drawn["incoming"] > 0 and drawn["outgoing"] > 0
    assert_accessible(page, "institution dashboard")

    assert page.goto("/insights/").status == 403
    assert page.goto("/insights/institutions/uu/").status == 403
