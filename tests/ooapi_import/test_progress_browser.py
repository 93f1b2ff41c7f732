"""The progress bar in a real browser (Debian's chromium through Playwright): htmx polls the runs table while
an import runs, the bar follows the pages done, and polling stops when the import has finished."""

from __future__ import annotations

import os
import shutil

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.utils import timezone

from accounts.models import StaffRole
from ooapi.consumer.importer import progress_key
from ooapi.models import ImportRun
from tests.factories import StaffRoleFactory
from tests.ooapi_import.conftest import make_connection

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.ooapi_import.urls"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(15_000)
        yield context, context.new_page()
        context.close()
        browser.close()
        # The test body ran beside Playwright's event loop, where Django keeps connections of their own:
        # close them here, or the test database cannot be dropped at the end of the session.
        connections.close_all()


def test_the_bar_follows_a_running_import_and_stops_polling_when_it_ends(page, live_server, institution):
    from playwright.sync_api import expect

    context, tab = page
    connection = make_connection(institution, "http://127.0.0.1:1")
    run = ImportRun.objects.create(connection=connection, pages_done=10)
    cache.set(progress_key(run.pk), {"phase": "offerings", "pages_total": 40})
    manager = StaffRoleFactory(institution=institution, role=StaffRole.Role.CATALOGUE_MANAGER).user
    client = Client()
    client.force_login(manager)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )

    tab.goto("/ooapi/imports/")
    bar = tab.locator(f'tr[data-run="{run.pk}"] progress')
    assert bar.get_attribute("value") == "10" and bar.get_attribute("max") == "40"

    ImportRun.objects.filter(pk=run.pk).update(pages_done=30)
    # A locator assertion, not wait_for_function: that evaluates a string, which the page's CSP forbids.
    expect(tab.locator(f'tr[data-run="{run.pk}"] progress')).to_have_attribute("value", "30")
    assert "75% · 30 pages · offerings" in tab.locator(f'tr[data-run="{run.pk}"]').inner_text()

    ImportRun.objects.filter(pk=run.pk).update(status="succeeded", finished_at=timezone.now(), pages_done=40)
    tab.wait_for_selector(f'tr[data-run="{run.pk}"][data-status="succeeded"]')
    assert tab.locator("#import-runs").get_attribute("data-polling") == "false"
    assert tab.locator("progress").count() == 0
