"""The NL Design System in a real browser (#7, item 9): its stylesheets are served by the portal itself, every
restyled page passes axe-core, and a staff member decides in one form whose missing reason is shown next to the
reason field."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts.models import StaffRole
from catalogue.models import AdmissionMode
from enrolment.errors import REASON_REQUIRED_MESSAGE
from enrolment.models import EnrolmentRequest, Status
from enrolment.services import approval, requests
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

PASSWORD = "correct horse battery staple"  # noqa: S105 (the factories' test password)
NLDS_STYLESHEET = "/static/vendor/utrecht/component-library.css"
with translation.override("en"):
    REASON_REQUIRED = str(REASON_REQUIRED_MESSAGE)  # the pages here are in English


@pytest.fixture
def design_zone(transactional_db, monkeypatch):
    # No Celery worker here: the notifications a move queues are not needed by these pages.
    class NoWorker:
        @staticmethod
        def delay(event_ids):
            return None

    monkeypatch.setattr("enrolment.tasks.notify_events", NoWorker)
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
        course=CourseFactory(institution=host, code="WIND301", title_en="Wind Farm Design"),
        period=period,
        capacity=5,
        admission_mode=AdmissionMode.SELECTION,
        **window,
    )
    solar = OfferingFactory(
        course=CourseFactory(institution=host, code="SUN101", title_en="Solar Power"), period=period, **window
    )
    ada = StudentProfileFactory(home_institution=home, user__first_name="Ada", user__last_name="Lovelace")
    ben = StudentProfileFactory(home_institution=home, user__first_name="Ben", user__last_name="Approved")
    approver = StaffRoleFactory(institution=home, role=StaffRole.Role.HOME_APPROVER).user
    admissions = StaffRoleFactory(institution=host, role=StaffRole.Role.HOST_ADMISSIONS).user
    ada_request = requests.request_submit(user=ada.user, offering_id=wind.pk, motivation="Wind is my minor")
    ben_request = requests.request_submit(user=ben.user, offering_id=wind.pk)
    approval.home_approve(user=approver, request_id=ben_request.pk)
    return {
        "home": home,
        "host": host,
        "wind": wind,
        "solar": solar,
        "ada": ada,
        "approver": approver,
        "admissions": admissions,
        "ada_request": ada_request,
        "ben_request": ben_request,
    }


@pytest.fixture
def person(browser, live_server):
    """A fresh browser context (own cookies) per person, in English."""
    contexts = []

    def open_page(user=None):
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            page.goto("/accounts/login/")
            page.locator("#id_login").fill(user.email)
            page.locator("#id_password").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            expect(page.get_by_role("button", name="Log out")).to_be_visible()
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_the_decision_form_shows_a_missing_reason_next_to_its_field_and_approves(person, design_zone):
    zone = design_zone
    request = zone["ada_request"]
    home = person(zone["approver"])
    home.goto(f"/enrolment/requests/{request.public_id}/")
    form = home.locator("#decision-form")
    # One form: the decisions as radio buttons, one reason, one comment, one button.
    choices = form.get_by_role("group", name="Your decision").get_by_role("radio")
    expect(choices).to_have_count(3)
    expect(form.get_by_role("radio", name="Approve")).to_be_visible()
    expect(form.get_by_role("radio", name="Deny")).to_be_visible()
    expect(form.get_by_role("radio", name="Cancel for the student")).to_be_visible()
    expect(form.locator("select")).to_have_count(1)
    expect(form.get_by_role("button")).to_have_count(1)
    assert_accessible(home, "staff decision form")

    # Deny without a reason: the error stands next to the reason field, which says it is invalid.
    form.get_by_role("radio", name="Deny").check()
    form.get_by_label("Comment (optional)").fill("Not this year")
    form.get_by_role("button", name="Confirm the decision").click()
    reason = home.locator('#decision-form [data-field="reason"]')
    error = reason.locator(".utrecht-form-field-error-message")
    expect(error).to_have_text(REASON_REQUIRED)
    select = home.get_by_label("Reason", exact=True)
    expect(select).to_have_attribute("aria-invalid", "true")
    expect(select).to_have_accessible_description(re.compile(re.escape(REASON_REQUIRED)))
    # In the field's own box, between its description and the select; the choice and comment are kept.
    order = reason.evaluate(
        "(field) => [...field.querySelectorAll('label, .utrecht-form-field-description, "
        ".utrecht-form-field-error-message, select')].map(e => e.tagName + '.' + e.className.split(' ')[0])"
    )
    assert [item.split(".")[0] for item in order] == ["LABEL", "DIV", "DIV", "SELECT"], order
    assert "error-message" in order[2]
    box = error.bounding_box()
    select_box = select.bounding_box()
    assert 0 <= select_box["y"] - (box["y"] + box["height"]) < 40  # right above the select it belongs to
    expect(home.get_by_role("radio", name="Deny")).to_be_checked()
    expect(home.get_by_label("Comment (optional)")).to_have_value("Not this year")
    assert EnrolmentRequest.objects.get(pk=request.pk).status == Status.SUBMITTED
    assert_accessible(home, "staff decision form with an error")

    # Approving through the same form works.
    home.get_by_role("radio", name="Approve").check()
    home.get_by_role("button", name="Confirm the decision").click()
    expect(home.locator(".messages")).to_contain_text("The request is now: Approved by home institution.")
    expect(home.locator("#request-status")).to_have_text("Approved by home institution")
    assert EnrolmentRequest.objects.get(pk=request.pk).status == Status.HOME_APPROVED


def test_host_admissions_admit_through_the_one_form(person, design_zone):
    zone = design_zone
    host = person(zone["admissions"])
    host.goto(f"/enrolment/requests/{zone['ben_request'].public_id}/")
    form = host.locator("#decision-form")
    expect(form.get_by_role("radio")).to_have_count(4)  # admit, waitlist, reject, cancel for the student
    form.get_by_role("radio", name="Admit").check()
    form.get_by_role("button", name="Confirm the decision").click()
    expect(host.locator(".messages")).to_contain_text("The request is now:")
    assert EnrolmentRequest.objects.get(pk=zone["ben_request"].pk).status in (Status.ADMITTED, Status.REGISTERED)


def _assert_nl_design_system(page, live_server_url: str) -> None:
    """The page wears the NL Design System's theme, from stylesheets the portal serves itself."""
    assert page.evaluate("() => document.documentElement.classList.contains('voorbeeld-theme')")
    sheets = page.evaluate("() => [...document.styleSheets].map(s => s.href).filter(Boolean)")
    assert any(href.endswith(NLDS_STYLESHEET) for href in sheets), sheets
    assert all(href.startswith(live_server_url) for href in sheets), sheets
    # The theme's tokens reach the components: a button takes its colour from them.
    token = page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--utrecht-button-primary-action-background-color')"
    )
    assert token.strip(), "the design tokens are not loaded"


def test_restyled_pages_wear_the_nl_design_system_and_are_accessible(person, design_zone, live_server):
    zone = design_zone
    wind, ada_request = zone["wind"], zone["ada_request"]
    requests_seen, blocked = [], []
    pages = [
        (None, "home", "/"),
        (None, "catalogue", "/catalogue/"),
        (None, "offering", f"/catalogue/offerings/{wind.pk}/"),
        (None, "log in", "/accounts/login/"),
        (zone["ada"].user, "enrol form", f"/enrolment/offerings/{zone['solar'].pk}/enrol/"),
        (zone["ada"].user, "my requests", "/enrolment/requests/"),
        (zone["ada"].user, "request (student)", f"/enrolment/requests/{ada_request.public_id}/"),
        (zone["ada"].user, "notifications", "/notifications/"),
        (zone["ada"].user, "notification preferences", "/notifications/preferences/"),
        (zone["ada"].user, "my account", "/accounts/profile/"),
        (zone["approver"], "staff console", "/enrolment/staff/"),
        (zone["approver"], "outgoing queue", f"/enrolment/staff/{zone['home'].code}/outgoing/"),
        (zone["admissions"], "incoming queue", f"/enrolment/staff/{zone['host'].code}/incoming/"),
        (zone["admissions"], "seats", f"/enrolment/staff/offerings/{wind.pk}/seats/"),
        (zone["admissions"], "request (host)", f"/enrolment/requests/{zone['ben_request'].public_id}/"),
    ]
    opened = {}
    for user, label, path in pages:
        key = user.pk if user else None
        if key not in opened:
            opened[key] = person(user)
            opened[key].on("request", lambda r: requests_seen.append(r.url))
            opened[key].on(
                "console",
                lambda m: (
                    blocked.append(m.text) if "Content Security Policy" in m.text or "Refused to" in m.text else None
                ),
            )
        page = opened[key]
        response = page.goto(path)
        assert response.status == 200, (label, response.status)
        _assert_nl_design_system(page, live_server.url)
        assert_accessible(page, label)
    # Nothing was fetched from anywhere else (no CDN), and the Content-Security-Policy blocked nothing.
    assert [url for url in requests_seen if not url.startswith((live_server.url, "data:"))] == []
    assert blocked == []
    # The enrol form's fields follow the shared field template: label, description, then the input.
    page = opened[zone["ada"].user.pk]
    page.goto(f"/enrolment/offerings/{zone['solar'].pk}/enrol/")
    motivation = page.locator('[data-field="motivation"]')
    expect(motivation.locator(".utrecht-form-label")).to_have_text("Motivation (optional)")  # this home asks for none
    expect(motivation.locator("textarea.utrecht-textarea")).to_have_attribute(
        "aria-describedby", "id_motivation_helptext"
    )
