"""Cross-enrolment end to end in a real browser, each person in their own browser context:

a student enrols from the offering page; the home approver approves; the host admits (an offering with
selection, so admitting is a real step) and waitlists a second student; the first student reads the
timeline, cancels another request and withdraws; the freed seat is offered to the waitlisted student,
who sees it and accepts.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import StaffRole
from catalogue.models import AdmissionMode
from enrolment.models import EnrolmentRequest, RequestEvent, Status
from enrolment.services import approval, requests
from enrolment.services.messages import events_notify
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    StaffRoleFactory,
    StudentProfileFactory,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def notification_queue(monkeypatch):
    """Every state change queues its notification after commit. No Celery worker runs here, and the test
    Redis queue is shared with tests that do start one, so record the queued event ids instead of
    publishing them; the test then does the worker's job (``events_notify``) when it wants to."""
    queued: list[int] = []

    class Recorder:
        @staticmethod
        def delay(event_ids):
            queued.extend(event_ids)

    monkeypatch.setattr("enrolment.tasks.notify_events", Recorder)
    return queued


@pytest.fixture
def cross_zone(notification_queue, transactional_db):
    home = InstitutionFactory(code="hu", short_name="HU", name_en="Home University of Applied Sciences")
    host = InstitutionFactory(code="tu", short_name="TU", name_en="Host University")
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    window = {
        "enrol_opens_at": now - dt.timedelta(days=1),
        "enrol_closes_at": now + dt.timedelta(days=10),
        "withdraw_deadline": now + dt.timedelta(days=20),
    }
    wind = OfferingFactory(
        course=CourseFactory(institution=host, code="WIND301", title_en="Wind Farm Design", title_nl="Windparkontwerp"),
        period=period,
        capacity=1,
        admission_mode=AdmissionMode.SELECTION,
        **window,
    )
    solar = OfferingFactory(
        course=CourseFactory(institution=host, code="SUN101", title_en="Solar Power", title_nl="Zonne-energie"),
        period=period,
        capacity=10,
        admission_mode=AdmissionMode.SELECTION,
        **window,
    )
    ada = StudentProfileFactory(home_institution=home, user__first_name="Ada", user__last_name="Lovelace")
    ben = StudentProfileFactory(home_institution=home, user__first_name="Ben", user__last_name="Waiting")
    approver = StaffRoleFactory(
        institution=home, role=StaffRole.Role.HOME_APPROVER, user__first_name="Hanna", user__last_name="Homestaff"
    ).user
    admissions = StaffRoleFactory(
        institution=host, role=StaffRole.Role.HOST_ADMISSIONS, user__first_name="Tom", user__last_name="Hoststaff"
    ).user
    # Ben asked earlier and is approved by home: the host will put him on the waitlist.
    ben_request = requests.request_submit(user=ben.user, offering_id=wind.pk, motivation="Wind is my thing")
    approval.home_approve(user=approver, request_id=ben_request.pk)
    # Ada also has a pending request for another course, which she will cancel.
    solar_request = requests.request_submit(user=ada.user, offering_id=solar.pk)
    return {
        "wind": wind,
        "ada": ada,
        "ben": ben,
        "approver": approver,
        "admissions": admissions,
        "ben_request": ben_request,
        "solar_request": solar_request,
    }


@pytest.fixture
def new_person(browser, live_server):
    """Open a fresh browser context (own cookies) per person, in English."""
    contexts = []

    def open_context():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_context
    for context in contexts:
        context.close()


def log_in(page, user, *, via_current_page=False):
    """Through allauth's real login form at /accounts/login/."""
    if not via_current_page:
        page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def nav(page, name):
    """A link in the header's main navigation."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


def row(page, request):
    return page.locator(f'tr[data-request="{request.public_id}"]')


def test_enrol_approve_admit_withdraw_and_promote_from_the_waitlist(cross_zone, new_person, notification_queue):
    zone = cross_zone
    wind = zone["wind"]

    # 1. Ada finds the course, logs in from the Enrol panel and enrols with a motivation and a PDF.
    ada = new_person()
    ada.goto(f"/catalogue/offerings/{wind.pk}/")
    ada.get_by_role("link", name="Log in to enrol").click()
    expect(ada).to_have_url(re.compile(r"/accounts/login/"))
    log_in(ada, zone["ada"].user, via_current_page=True)
    expect(ada).to_have_url(re.compile(rf"/catalogue/offerings/{wind.pk}/"))
    panel = ada.locator("#enrol")
    expect(panel.locator('[data-check="window"]')).to_have_attribute("data-ok", "true")
    expect(panel.locator('[data-check="active_enrolment"]')).to_contain_text(
        "You are enrolled at your home institution."
    )
    ada.get_by_label("Motivation").fill("Wind farms are the core of my minor.")
    ada.get_by_label("Supporting document (PDF, optional)").set_input_files(
        files=[{"name": "learning-agreement.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    ada.get_by_label("Route").select_option("off_the_beaten_path")
    ada.get_by_role("button", name="Submit enrolment request").click()
    expect(ada.locator("#request-status")).to_have_text("Submitted, awaiting home approval")
    public_id = re.search(r"/enrolment/requests/([0-9a-f-]{36})/", ada.url).group(1)
    ada_request = EnrolmentRequest.objects.get(public_id=public_id)
    assert ada_request.document.name.endswith(".pdf")

    # 2. The home approver, in a second browser, approves from the outgoing queue.
    home = new_person()
    log_in(home, zone["approver"])
    nav(home, "Staff console").click()
    home.get_by_role("link", name=re.compile("outgoing requests")).click()
    expect(row(home, ada_request)).to_contain_text("Submitted, awaiting home approval")
    row(home, ada_request).get_by_role("button", name="Approve").click()
    expect(home.locator(".messages")).to_contain_text("The request is now: Approved by home institution.")
    # Decided, it no longer waits for the approver: it is under "All requests".
    expect(row(home, ada_request)).to_have_count(0)
    home.get_by_role("link", name="Show all requests").click()
    expect(row(home, ada_request).locator(".status")).to_have_text("Approved by home institution")

    # 3. The host selects: admits Ada (the only seat) and waitlists Ben.
    host = new_person()
    log_in(host, zone["admissions"])
    nav(host, "Staff console").click()
    host.get_by_role("link", name=re.compile("incoming requests")).click()
    expect(row(host, ada_request)).to_contain_text("Ada Lovelace")
    # The host may read the uploaded document now that home has approved.
    host.goto(f"/enrolment/requests/{public_id}/")
    with host.expect_download() as download:
        host.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == f"request-{public_id}.pdf"
    host.go_back()
    row(host, ada_request).get_by_role("button", name="Admit").click()
    expect(host.locator(".messages")).to_contain_text("The request is now: Registered at both institutions.")
    row(host, zone["ben_request"]).get_by_role("button", name="Waitlist").click()
    host.get_by_role("link", name="Show all requests").click()
    expect(row(host, zone["ben_request"]).locator(".status")).to_have_text("On the waitlist")
    host.goto(f"/enrolment/staff/offerings/{wind.pk}/seats/")
    expect(host.locator("#seats-free")).to_have_text("0")
    expect(host.locator("table.waitlist")).to_contain_text("Ben Waiting")

    # 4. Ada follows the request: the timeline shows every step with its reason and the role that took it.
    nav(ada, "My requests").click()
    expect(row(ada, ada_request).locator(".status")).to_have_text("Registered at both institutions")
    row(ada, ada_request).get_by_role("link").click()
    timeline = ada.locator("table.timeline tbody tr")
    expect(timeline).to_have_count(4)
    expect(timeline.nth(1)).to_contain_text("Approved by home institution")
    expect(timeline.nth(1)).to_contain_text("Home approver")
    expect(timeline.nth(2)).to_contain_text("Host admissions")
    expect(ada.locator("main")).not_to_contain_text("Homestaff")
    expect(ada.locator("main")).not_to_contain_text("Hoststaff")

    # She cancels her other, still pending request ...
    nav(ada, "My requests").click()
    row(ada, zone["solar_request"]).get_by_role("link").click()
    ada.get_by_role("button", name="Cancel request").click()
    expect(ada.locator("#request-status")).to_have_text("Cancelled")

    # ... and withdraws from the wind farm course, which frees its only seat.
    nav(ada, "My requests").click()
    row(ada, ada_request).get_by_role("link").click()
    ada.get_by_label("Comment (optional)").fill("I found an internship instead.")
    ada.get_by_role("button", name="Withdraw from the course").click()
    expect(ada.locator("#request-status")).to_have_text("Withdrawn")
    expect(ada.locator("table.timeline")).to_contain_text("I found an internship instead.")

    # 5. Ben, first on the waitlist, is offered the seat. The notifications queued after each commit are
    # delivered (the worker's job), so he sees it in the notification centre and on his request.
    events_notify(event_ids=list(notification_queue))
    ben = new_person()
    log_in(ben, zone["ben"].user)
    expect(ben.locator("#unread-badge")).to_be_visible()
    nav(ben, re.compile("^Notifications")).click()
    offer = ben.locator("li.unread").first
    expect(offer).to_contain_text("Seat offered: accept before the deadline")
    offer.get_by_role("link").click()
    expect(ben.locator("main")).to_contain_text("A seat is held for you until")
    expect(ben.locator("table.timeline tbody tr").last).to_contain_text("A seat became available")
    nav(ben, "My requests").click()
    expect(row(ben, zone["ben_request"]).locator(".status")).to_have_text("Seat offered: accept before the deadline")
    row(ben, zone["ben_request"]).get_by_role("link").click()
    ben.get_by_role("button", name="Accept the seat").click()
    expect(ben.locator("#request-status")).to_have_text("Registered at both institutions")

    # The host's seat view agrees: one seat, taken by Ben, nobody waiting.
    host.reload()
    expect(host.locator("#seats-taken")).to_have_text("1")
    expect(host.locator("main")).to_contain_text("Nobody is on the waitlist.")

    statuses = dict(EnrolmentRequest.objects.values_list("public_id", "status"))
    assert statuses[ada_request.public_id] == Status.WITHDRAWN
    assert statuses[zone["ben_request"].public_id] == Status.REGISTERED
    assert statuses[zone["solar_request"].public_id] == Status.CANCELLED
    # Every move queued its notification once committed.
    assert sorted(notification_queue) == sorted(RequestEvent.objects.values_list("pk", flat=True))
