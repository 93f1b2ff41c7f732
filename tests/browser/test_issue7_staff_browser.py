"""Issue #7, staff and messages, in a real browser: an approver is told of a new request in the portal and
sees how many wait for them on the staff console; a student who uses the portal in English gets an English
email whose link opens the request. axe checks the staff console, a queue, the request page and the email
preferences."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import StaffRole
from enrolment.models import EnrolmentRequest
from enrolment.services import requests
from enrolment.services.messages import events_notify
from tests.browser.axe import assert_accessible
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


@pytest.fixture
def notifications_at_once(monkeypatch):
    """No Celery worker here (the test Redis queue is shared with tests that start one): the notification
    task runs in the process that queued it, on commit, as the worker would."""

    class AtOnce:
        @staticmethod
        def delay(event_ids):
            events_notify(event_ids=event_ids)

    monkeypatch.setattr("enrolment.tasks.notify_events", AtOnce)


@pytest.fixture
def staff_zone(notifications_at_once, transactional_db, settings, live_server):
    settings.PORTAL_BASE_URL = live_server.url
    home = InstitutionFactory(code="hu", short_name="HU", name_en="Home University of Applied Sciences")
    host = InstitutionFactory(code="tu", short_name="TU", name_en="Host University")
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    offering = OfferingFactory(
        course=CourseFactory(institution=host, code="WIND301", title_en="Wind Farm Design", title_nl="Windparkontwerp"),
        period=period,
        capacity=5,
        enrol_opens_at=now - dt.timedelta(days=1),
        enrol_closes_at=now + dt.timedelta(days=10),
        withdraw_deadline=now + dt.timedelta(days=20),
    )
    ada = StudentProfileFactory(home_institution=home, user__first_name="Ada", user__last_name="Lovelace")
    approver = StaffRoleFactory(
        institution=home, role=StaffRole.Role.HOME_APPROVER, user__first_name="Hanna", user__last_name="Homestaff"
    ).user
    return {"offering": offering, "ada": ada, "approver": approver}


@pytest.fixture
def person(browser, live_server):
    """A fresh browser context (own cookies) per person, its interface in English."""
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, user):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_approver_is_notified_and_sees_a_pending_count(staff_zone, person):
    zone = staff_zone
    request = requests.request_submit(user=zone["ada"].user, offering_id=zone["offering"].pk)

    home = person()
    log_in(home, zone["approver"])
    # In-app: the header counts the unread notification, and the centre names the new work.
    expect(home.locator("#unread-badge")).to_contain_text("1")
    home.get_by_role("link", name=re.compile("Notifications")).first.click()
    notification = home.locator(".notifications .card").first
    expect(notification).to_contain_text("New request to approve: WIND301 Wind Farm Design")

    # The staff console counts what waits for the approver, per queue.
    home.goto("/enrolment/staff/")
    side = home.locator('[data-institution="hu"][data-side="outgoing"]')
    expect(side.locator(".pending")).to_have_text("1 request needs your action")
    assert_accessible(home, "staff console")

    # The queue opens on "needs my action", with the request; the request page shows the programme.
    side.get_by_role("link").click()
    expect(home.locator("#id_show")).to_have_value("mine")
    expect(home.locator(f'tr[data-request="{request.public_id}"]')).to_be_visible()
    assert_accessible(home, "outgoing queue")
    home.locator(f'tr[data-request="{request.public_id}"]').get_by_role("link", name="Ada Lovelace").click()
    expect(home.locator("#student-programme")).to_contain_text("Computer Science")
    expect(home.locator("#precedents")).to_be_visible()
    assert_accessible(home, "request page (staff)")

    home.goto("/notifications/preferences/")
    expect(home.locator("#preference-now")).to_have_text("Now: an email at once for every change.")
    assert_accessible(home, "email preferences")


def test_english_ui_student_receives_an_english_email_with_a_working_link(staff_zone, person, mailoutbox, live_server):
    zone = staff_zone
    ada = zone["ada"]
    assert ada.user.preferred_language == "nl"  # the account's default; Ada uses the portal in English

    student = person()
    log_in(student, ada.user)
    student.goto(f"/catalogue/offerings/{zone['offering'].pk}/")
    student.get_by_role("button", name="Submit enrolment request").click()
    expect(student.locator("#request-status")).to_have_text("Submitted, awaiting home approval")
    request = EnrolmentRequest.objects.get(student=ada)

    mine = [message for message in mail.outbox if message.to == [ada.user.email]]
    assert len(mine) == 1, [m.subject for m in mail.outbox]
    email = mine[0]
    assert email.subject == 'Flexportal: WIND301 is now "Submitted, awaiting home approval"'
    assert email.body.startswith("Dear Ada,")
    assert "Your request for WIND301 Wind Farm Design at TU is now: Submitted, awaiting home approval." in email.body
    link = re.search(r"https?://\S+/enrolment/requests/[0-9a-f-]{36}/", email.body).group(0)
    assert link == f"{live_server.url}/enrolment/requests/{request.public_id}/"  # absolute: works from a mail client

    student.goto(link)
    expect(student).to_have_url(re.compile(rf"/enrolment/requests/{request.public_id}/$"))
    expect(student.locator("#request-status")).to_have_text("Submitted, awaiting home approval")
    expect(student.locator("h1")).to_have_text("Wind Farm Design")
    assert_accessible(student, "request page (student)")
