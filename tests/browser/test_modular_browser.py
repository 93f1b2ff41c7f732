"""A professional in a real browser (Debian's chromium): signs up by email from a module's page, says they
come as a professional, registers for the module with the invoice data, is admitted by the host's admissions
staff, and reads the invoice. axe-core on each page on the way; no page speaks of a home step."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import StaffRole, StudentProfile
from billing.models_invoices import Invoice
from catalogue.models import AdmissionMode
from tests.browser.axe import assert_accessible
from tests.browser.test_enrolment_browser import log_in, nav, new_person, notification_queue, row  # noqa: F401
from tests.factories import AcademicPeriodFactory, InstitutionFactory, ModuleFactory, OfferingFactory, StaffRoleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def module_zone(notification_queue, transactional_db):  # noqa: F811
    host = InstitutionFactory(code="tu", short_name="TU", name_en="Host University")
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    offering = OfferingFactory(
        course=None,
        module=ModuleFactory(institution=host, code="DATA-PRO", title_en="Data for Professionals"),
        period=period,
        capacity=10,
        admission_mode=AdmissionMode.SELECTION,
        price_module_only=Decimal("450.00"),
        visible_professionals=True,
        enrol_opens_at=now - dt.timedelta(days=1),
        enrol_closes_at=now + dt.timedelta(days=10),
    )
    admissions = StaffRoleFactory(
        institution=host, role=StaffRole.Role.HOST_ADMISSIONS, user__first_name="Tom", user__last_name="Hoststaff"
    ).user
    return {"offering": offering, "admissions": admissions}


def test_a_professional_signs_up_registers_is_admitted_and_reads_the_invoice(module_zone, new_person):  # noqa: F811
    offering = module_zone["offering"]
    pro = new_person()

    # 1. From the module's page to the sign-up: no dead end for someone who is not a student.
    pro.goto(f"/catalogue/offerings/{offering.pk}/")
    pro.get_by_role("link", name="Sign up as a professional or guest").click()
    assert_accessible(pro, "learner sign-up")
    pro.get_by_role("link", name="Sign up with your email address").click()
    pro.locator("#id_email").fill("pat@acme.example")
    pro.locator("#id_password1").fill("a long enough pass phrase 1")
    pro.locator("#id_password2").fill("a long enough pass phrase 1")
    pro.locator("main form button[type=submit]").click()
    expect(pro).to_have_url(re.compile(r"/accounts/learner/"))
    pro.get_by_label("A professional (through my work)").check()
    pro.get_by_role("button", name="Continue").click()
    expect(pro).to_have_url(re.compile(r"/billing/modules/$"))
    assert StudentProfile.objects.get(user__email="pat@acme.example").kind == "professional"
    assert_accessible(pro, "my modules")

    # 2. The catalogue shows what they may register for; a bad VAT number is refused, nothing written.
    pro.locator("#open-modules").get_by_role("link", name=re.compile("Register")).click()
    assert_accessible(pro, "register for a module")
    form = pro.locator("#register-form")
    form.get_by_label("Name on the invoice").fill("Pat Jansen")
    form.get_by_label("Organisation").fill("Acme BV")
    form.get_by_label("VAT number").fill("NL12345")
    form.get_by_label("Purchase order reference").fill("PO-2027-17")
    form.get_by_label("Invoice address").fill("Stationsplein 1\n3511 ED Utrecht")
    form.get_by_role("button", name="Register").click()
    expect(pro.locator("#register-error")).to_contain_text("This is not a valid VAT number")
    assert not Invoice.objects.exists()
    pro.locator("#register-form").get_by_label("VAT number").fill("NL853016409B01")
    pro.locator("#register-form").get_by_role("button", name="Register").click()
    expect(pro.locator("#invoice-amount")).to_have_text("€ 450.00")
    expect(pro.locator("#registration-status")).to_have_text("Forwarded to the host institution")
    invoice = Invoice.objects.get()
    request = invoice.request
    assert request.route == "modular" and request.home_institution_id is None

    # 3. The host admits, with the normal host flow (the incoming queue's Admit button).
    host = new_person()
    log_in(host, module_zone["admissions"])
    nav(host, "Staff console").click()
    host.get_by_role("link", name=re.compile("incoming requests")).click()
    row(host, request).get_by_role("button", name="Admit").click()
    expect(host.locator(".messages")).to_contain_text("The request is now: Registered at the host institution.")
    nav(host, "Learners' invoices").click()
    expect(host.locator(f'tr[data-invoice="{invoice.public_id}"]')).to_contain_text("NL853016409B01")
    assert_accessible(host, "learners' invoices")

    # 4. The professional reads the invoice data and the registration's status; never a home step.
    pro.reload()
    expect(pro.locator("#registration-status")).to_have_text("Registered at the host institution")
    for selector, text in (
        ("#invoice-name", "Pat Jansen"),
        ("#invoice-organisation", "Acme BV"),
        ("#invoice-vat", "NL853016409B01"),
        ("#invoice-po", "PO-2027-17"),
        ("#payment-status", "Awaiting payment"),
    ):
        expect(pro.locator(selector)).to_have_text(text)
    expect(pro.locator("#invoice-address")).to_contain_text("3511 ED Utrecht")
    assert_accessible(pro, "invoice")
    pro.get_by_role("link", name="Registered at the host institution").click()
    assert "home" not in pro.locator("main").inner_text().lower()
