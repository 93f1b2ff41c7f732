"""WCAG 2.1 AA in a real browser, on every main page, as the person who uses it (issue #14): axe-core finds 0
serious or critical violations, and one journey is walked by keyboard alone.

The pages come from the demo (``seed_demo``): each role signs in (a session made for it, as the login would)
and opens its pages; every page's figure is printed, and the test fails on the first page with a violation,
naming it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser


def _sign_in(context, live_server, email: str) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(email=email))
    cookie = client.cookies["sessionid"]
    context.clear_cookies()
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def _pages_by_role(zone) -> dict[str, list[tuple[str, str]]]:
    from billing.models_invoices import Invoice
    from enrolment.models import EnrolmentRequest
    from ooapi.models import WebhookEndpoint
    from routes.mijndiploma.models import ProgrammeVersion

    email = lambda local: f"{local}@demo.flexportal.nl"  # noqa: E731
    # A request the demo's scenarios made, approved at home: its student's pages, its staff's queues.
    request = EnrolmentRequest.objects.filter(home_approved_at__isnull=False).order_by("pk").first()
    waiting = ProgrammeVersion.objects.filter(status="submitted").order_by("pk").first()
    invoice = Invoice.objects.filter(learner__user__email=email("professional")).order_by("pk").first()
    webhook = WebhookEndpoint.objects.filter(institution__code="uu").order_by("pk").first()
    assert request is not None and waiting is not None and invoice is not None and webhook is not None, (
        "the demo has an approved request, a version to review, an invoice and a webhook endpoint"
    )
    return {
        email("student"): [("my results", "/results/transcript/"), ("my credentials", "/credentials/mine/")],
        request.student.user.email: [
            ("my requests", "/enrolment/requests/"),
            ("a request", f"/enrolment/requests/{request.public_id}/"),
            ("its results", f"/results/requests/{request.public_id}/"),
            ("notifications", "/notifications/"),
            ("my data", "/privacy/"),
            ("erase my account", "/privacy/erase/"),
            ("consent", "/privacy/consent/"),
        ],
        email("student.eigentempo"): [
            ("own pace: plan", "/own-pace/"),
            ("own pace: contract", "/own-pace/contract/"),
            ("own pace: ledger", "/own-pace/ledger/"),
        ],
        email("student.mijndiploma"): [
            ("mijndiploma: composer", "/mijndiploma/"),
            ("mijndiploma: audit and what-if", "/mijndiploma/audit/"),
            ("mijndiploma: portfolios", "/mijndiploma/portfolios/"),
        ],
        email("approver.uu"): [
            ("staff console", "/enrolment/staff/"),
            ("outgoing queue", "/enrolment/staff/uu/outgoing/"),
            ("settlement: own institution", "/billing/settlement/uu/"),
            ("webhooks", "/webhooks/uu/"),
            ("a webhook endpoint and its deliveries", f"/webhooks/uu/endpoints/{webhook.pk}/"),
        ],
        email("admissions.vu"): [
            ("incoming queue", "/enrolment/staff/vu/incoming/"),
            ("results to record", "/results/host/vu/"),
            ("learners' invoices", "/billing/modules/staff/invoices/"),
            ("institution dashboard", "/insights/institutions/vu/"),
        ],
        email("examboard.uu"): [
            ("recognition queue", "/results/board/"),
            ("precedents", "/results/precedents/"),
            ("mijndiploma: board queue", "/mijndiploma/board/"),
            ("mijndiploma: review", f"/mijndiploma/board/{waiting.pk}/"),
        ],
        email("examboard.vu"): [("issued credentials", "/credentials/awarded/vu/")],
        email("approver.hu"): [("own pace: contracts", "/own-pace/staff/hu/")],
        email("coordinator"): [
            ("zone dashboard", "/insights/"),
            ("settlement: zone", "/billing/settlement/"),
            ("settlement: tariffs", "/billing/settlement/tariffs/"),
        ],
        email("professional"): [
            ("my modules", "/billing/modules/"),
            ("an invoice", f"/billing/modules/invoices/{invoice.public_id}/"),
            ("my credentials, one stacked", "/credentials/mine/"),
        ],
        "": [
            ("home", "/"),
            ("catalogue", "/catalogue/"),
            ("verify a credential", "/credentials/verify/"),
        ],
    }


def test_every_main_page_has_no_serious_or_critical_violation(browser, live_server, demo_zone):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    context.set_default_timeout(20_000)
    page = context.new_page()
    checked = 0
    for email, pages in _pages_by_role(demo_zone).items():
        if email:
            _sign_in(context, live_server, email)
        else:
            context.clear_cookies()
        for label, path in pages:
            response = page.goto(path)
            assert response.status == 200, f"{label} ({path}) as {email or 'anonymous'}: {response.status}"
            assert_accessible(page, f"{label} as {email or 'anonymous'}")
            checked += 1
    context.close()
    print(f"axe: {checked} pages, 0 serious or critical violations")


@pytest.fixture
def keyboard_zone(transactional_db, monkeypatch):
    """One open course at a host, and a student of another institution with a password."""
    import datetime as dt

    from django.utils import timezone

    from tests.factories import (
        AcademicPeriodFactory,
        CourseFactory,
        InstitutionFactory,
        OfferingFactory,
        StudentProfileFactory,
    )

    monkeypatch.setattr("enrolment.tasks.notify_events", type("Quiet", (), {"delay": staticmethod(lambda ids: None)}))
    home, host = InstitutionFactory(code="kh"), InstitutionFactory(code="kt")
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    offering = OfferingFactory(
        course=CourseFactory(institution=host, code="KEY101", title_en="Keyboard Studies", title_nl="Toetsenbordkunde"),
        period=period,
        capacity=5,
        enrol_opens_at=now - dt.timedelta(days=1),
        enrol_closes_at=now + dt.timedelta(days=10),
    )
    student = StudentProfileFactory(home_institution=home, user__email="keys@student.example")
    student.user.set_password(PASSWORD)
    student.user.save()
    return {"offering": offering, "student": student}


PASSWORD = "a keyboard only journey"


def test_a_student_enrols_by_keyboard_alone(browser, live_server, keyboard_zone):
    """From the home page to a submitted request without the mouse: Tab to each link, field and button,
    Enter to follow or press it, type into the field that has focus."""
    from enrolment.models import EnrolmentRequest

    offering = keyboard_zone["offering"]
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/")

    def focused() -> dict:
        return page.evaluate(
            """() => { const e = document.activeElement;
                return {id: e && e.id, text: e ? (e.innerText || e.value || e.getAttribute('aria-label') || '').trim() : ''}; }"""
        )

    def tab_to(*, text: str | None = None, element_id: str | None = None, limit: int = 200) -> None:
        wanted = re.compile(text, re.I) if text else None
        for _ in range(limit):
            page.keyboard.press("Tab")
            now = focused()
            if (element_id and now["id"] == element_id) or (wanted and wanted.search(now["text"] or "")):
                return
        raise AssertionError(f"never reached {text or element_id!r} by Tab on {page.url}")

    tab_to(text=r"^log in$")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    tab_to(element_id="id_login")
    page.keyboard.type("keys@student.example")
    tab_to(element_id="id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    tab_to(text=r"^catalogue$")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/catalogue/"))
    tab_to(text=r"Keyboard Studies")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/catalogue/offerings/{offering.pk}/"))
    tab_to(text=r"^(enrol|submit)")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text(re.compile(r"submitted|approved|admitted", re.I))
    assert EnrolmentRequest.objects.filter(student=keyboard_zone["student"], offering=offering).exists()
    context.close()
