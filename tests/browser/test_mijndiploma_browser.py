"""MijnDiploma in a real browser (issue #17): a student composes a programme from two institutions and a
themed portfolio, with the rules checked on the page, and submits it; the examination board asks for a change
on one item; the student makes version 2 and submits it; the board approves it, and the PDF overview
downloads. axe-core on the composer and the review page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from routes.mijndiploma.models import Portfolio, ProgrammeVersion
from tests.browser.axe import assert_accessible
from tests.browser.test_enrolment_browser import log_in, nav
from tests.browser.test_results_browser import new_person, pdf_text  # noqa: F401 (the fixture)
from tests.mijndiploma.conftest import Zone

pytestmark = pytest.mark.django_db(transaction=True)


def add(page, code, *, search=True):
    if search:
        page.get_by_label("Code or title").fill(code)
        page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=f"Add {code}", exact=True).click()
    expect(page.get_by_role("button", name=f"Remove {code}")).to_be_visible()


def test_compose_submit_change_approve_and_download(new_person):  # noqa: F811
    zone = Zone()
    zone.offer(code="HOME101", ec=5, quarter=1)
    first_x = zone.offer(zone.x, code="XCRS201", ec=5, quarter=2)
    zone.offer(zone.x, code="XCRS202", ec=5, quarter=2)
    themed = zone.offer(zone.y, code="PORT301", ec=5, quarter=1)
    portfolio = Portfolio.objects.create(
        institution=zone.y, title_nl="Energietransitie", title_en="Energy transition", is_published=True
    )
    portfolio.offerings.add(themed)

    student = new_person()
    log_in(student, zone.student.user)
    nav(student, "MijnDiploma").click()
    student.get_by_role("button", name="Start composing").click()
    add(student, "HOME101")
    checks = student.locator("#checks")
    expect(checks.locator('[data-code="ec_under"]')).to_contain_text("fewer than the minimum of 10 EC")
    add(student, "XCRS201")
    add(student, "PORT301", search=False)
    expect(checks.locator('[data-ok="false"]')).to_have_count(0)
    expect(checks.locator('[data-code="ec_total"]')).to_contain_text("Total: 15 EC, within the limits.")
    expect(student.locator(f"#offering-{themed.pk}")).to_contain_text("from the portfolio Energy transition")
    assert_accessible(student, "MijnDiploma composer")
    student.get_by_role("button", name="Submit to the examination board").click()
    expect(student.locator("#version-status")).to_have_text("Version 1: Submitted to the examination board")

    board = new_person()
    log_in(board, zone.board)
    nav(board, "MijnDiploma reviews").click()
    board.get_by_role("link", name=zone.student.user.get_full_name()).click()
    assert_accessible(board, "MijnDiploma review")
    board.get_by_label("Comment on XCRS201").fill("Take the English-taught XCRS202 instead.")
    board.get_by_role("button", name="Ask for changes").click()
    expect(board.get_by_text("Your decision on version 1 was recorded.")).to_be_visible()

    student.reload()
    expect(student.locator("#version-status")).to_have_text("Version 1: Changes requested")
    expect(student.locator(f"#offering-{first_x.pk}")).to_contain_text("Take the English-taught XCRS202 instead.")
    student.get_by_role("button", name="Make a new version").click()
    expect(student.locator("#version-status")).to_have_text("Version 2: Draft")
    student.get_by_role("button", name="Remove XCRS201").click()
    expect(student.get_by_role("button", name="Remove XCRS201")).to_have_count(0)
    add(student, "XCRS202")
    student.get_by_role("button", name="Submit to the examination board").click()
    expect(student.locator("#version-status")).to_have_text("Version 2: Submitted to the examination board")

    board.goto("/mijndiploma/board/")
    board.get_by_role("link", name=zone.student.user.get_full_name()).click()
    expect(board.get_by_role("heading", level=1)).to_contain_text("version 2")
    board.get_by_role("button", name="Approve").click()
    expect(board.get_by_text("Your decision on version 2 was recorded.")).to_be_visible()

    student.reload()
    expect(student.locator("#version-status")).to_have_text("Version 2: Approved")
    with student.expect_download() as download:
        student.get_by_role("link", name="Download the overview as PDF").first.click()
    assert download.value.suggested_filename == "mijndiploma-v2.pdf"
    with open(download.value.path(), "rb") as handle:
        text = pdf_text(handle.read())
    assert "Version 2: Approved" in text
    assert "XCRS202" in text and "XCRS201" not in text
    assert re.search(r"Decision of the examination board: Approved on \d+ \w+ \d{4}", text)
    assert dict(ProgrammeVersion.objects.values_list("number", "status")) == {1: "changes_requested", 2: "approved"}
