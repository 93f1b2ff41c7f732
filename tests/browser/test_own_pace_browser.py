"""Own pace in a real browser: a student plans courses (one at another institution) over the periods of their
calendar, proposes an EC contract, the home approver agrees it, the student changes it mid-year with a reason
and sees the new tuition, the history and the ledger. axe-core on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.test_enrolment_browser import log_in, nav
from tests.browser.test_results_browser import new_person  # noqa: F401 (the fixture)
from tests.own_pace.conftest import make_zone

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_student_plans_changes_the_contract_and_sees_the_new_tuition(new_person):  # noqa: F811
    zone = make_zone(code="op-web")
    quarter = lambda n: f"{zone.year.name} · Quarter {n}"  # noqa: E731

    student = new_person()
    log_in(student, zone.student.user)
    nav(student, "My study plan").click()
    expect(student.get_by_role("heading", level=1)).to_have_text("My study plan")
    assert_accessible(student, "own-pace plan")

    form = student.locator("#plan-form")
    form.get_by_label("Course code").fill("OP-101")
    form.get_by_label("Period").select_option(label=quarter(1))
    form.get_by_role("button", name="Add to my plan").click()
    expect(student.get_by_role("status")).to_contain_text("The course is in your plan.")

    # A course that needs OP-101, planned in the same period: refused, with the reason on the form.
    form = student.locator("#plan-form")
    form.get_by_label("Course code").fill("OP-201")
    form.get_by_label("Period").select_option(label=quarter(1))
    form.get_by_role("button", name="Add to my plan").click()
    expect(student.locator("#plan-error")).to_contain_text("Periods out of order")
    form = student.locator("#plan-form")
    form.get_by_label("Period").select_option(label=quarter(3))
    form.get_by_role("button", name="Add to my plan").click()
    expect(student.get_by_role("status")).to_contain_text("The course is in your plan.")

    # A course at another institution, in the period its run falls in.
    form = student.locator("#plan-form")
    form.get_by_label("Institution").select_option(label=zone.host.short_name)
    form.get_by_label("Course code").fill("HOST-300")
    form.get_by_label("Period").select_option(label=quarter(2))
    form.get_by_role("button", name="Add to my plan").click()
    expect(student.locator('tr[data-course="HOST-300"]')).to_contain_text(zone.host.short_name)
    expect(student.locator("#planned-ec")).to_have_text("16")

    # The contract: 30 EC proposed.
    student.get_by_role("link", name="EC contract and tuition").click()
    propose = student.locator("#propose-form")
    propose.get_by_label("Academic year").select_option(label=zone.year.name)
    propose.get_by_label("EC for the year").fill("30")
    propose.get_by_role("button", name="Propose").click()
    expect(student.locator(".contract-status")).to_have_text("Proposed, waiting for the institution")
    expect(student.locator(".tuition-total")).to_have_text("€ 1430.55")

    # The home approver agrees it: the tuition is charged.
    approver = new_person()
    log_in(approver, zone.approver)
    approver.get_by_role("link", name=f"{zone.home.name_en}: own-pace contracts").click()
    assert_accessible(approver, "own-pace contracts")
    approver.locator("#contracts").get_by_role("button", name="Agree").click()
    expect(approver.get_by_role("status")).to_contain_text("The contract was agreed")

    # The student changes it mid-year, with a reason, and sees the new tuition.
    student.reload()
    expect(student.locator(".contract-status")).to_have_text("Agreed")
    student.get_by_label("New EC for the year").fill("45.5")
    student.get_by_label("Why do you change it?").fill("Finishing a year early")
    student.get_by_role("button", name="Change", exact=True).click()
    expect(student.locator("#change-error")).to_have_text("Contract EC must be a whole number.")
    student.get_by_label("New EC for the year").fill("45")
    student.get_by_role("button", name="Change", exact=True).click()
    expect(student.get_by_role("status")).to_contain_text("Your contract was changed")
    expect(student.locator(".contract-ec")).to_have_text("45")
    expect(student.locator(".tuition-total")).to_have_text("€ 2145.83")
    expect(student.locator('.contract-history tr[data-kind="changed"]')).to_contain_text("Finishing a year early")
    assert_accessible(student, "own-pace contract")

    student.get_by_role("link", name="My ledger").click()
    expect(student.locator("#ledger-balance")).to_have_text("2145.83")
    expect(student.locator('#ledger tr[data-kind="correction"]')).to_contain_text("715.28")
    assert_accessible(student, "own-pace ledger")
