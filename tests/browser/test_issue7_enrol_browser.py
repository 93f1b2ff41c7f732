"""The enrol form of issue #7 in a real browser: a full offering warns before submit (with the place), the
route choices are limited and a forged route is refused, withdrawing asks for confirmation (and works by
keyboard), a timetable clash with another enrolment is shown and blocked where the home policy says so, and
alternatives are found by searching titles. axe-core: 0 serious or critical violations on the enrol form,
the offering page, the request page and the confirmation."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts.models import StaffRole
from enrolment.errors import NotEligibleError
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, Status
from enrolment.services import approval, requests
from institutions.routes import Route
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
MONDAY_9_11 = [{"weekday": 0, "start": "09:00", "end": "11:00"}]
MONDAY_10_12 = [{"weekday": 0, "start": "10:00", "end": "12:00"}]


@pytest.fixture(autouse=True)
def _no_queue(monkeypatch):
    # No Celery worker here, and the test Redis queue is shared: notifications are not this file's subject.
    class Nothing:
        @staticmethod
        def delay(event_ids):
            return None

    monkeypatch.setattr("enrolment.tasks.notify_events", Nothing)


@pytest.fixture
def enrol_zone(transactional_db):
    home = InstitutionFactory(
        code="hu7", short_name="HU", name_en="Home University", piloted_routes=[Route.MY_DIPLOMA, Route.MODULAR]
    )
    host = InstitutionFactory(code="tu7", short_name="TU", name_en="Host University")
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    window = {
        "enrol_opens_at": now - dt.timedelta(days=1),
        "enrol_closes_at": now + dt.timedelta(days=10),
        "withdraw_deadline": now + dt.timedelta(days=20),
    }
    routes = [Route.OFF_THE_BEATEN_PATH, Route.MY_DIPLOMA, Route.MODULAR]

    def offering(code, title, **fields):
        course = CourseFactory(institution=host, code=code, title_en=title, title_nl=title, suitable_routes=routes)
        return OfferingFactory(course=course, period=period, **{"capacity": 10, **window, **fields})

    full = offering("FULL101", "Tidal Energy", capacity=1)
    wind = offering("WIND301", "Wind Farm Design", timeslots=MONDAY_9_11)
    solar = offering("SUN101", "Solar Power", timeslots=MONDAY_10_12)
    ada = StudentProfileFactory(home_institution=home, user__first_name="Ada", user__last_name="Lovelace")
    others = [StudentProfileFactory(home_institution=home) for _ in range(3)]
    approver = StaffRoleFactory(institution=home, role=StaffRole.Role.HOME_APPROVER).user
    # The full course: one seat, taken; two more students asked before Ada and wait for it.
    taken = requests.request_submit(user=others[0].user, offering_id=full.pk, route=Route.MODULAR)
    approval.home_approve(user=approver, request_id=taken.pk)
    for student in others[1:]:
        requests.request_submit(user=student.user, offering_id=full.pk, route=Route.MODULAR)
    full.refresh_from_db()
    assert full.seats_left == 0
    return {"home": home, "full": full, "wind": wind, "solar": solar, "ada": ada, "approver": approver}


@pytest.fixture
def student_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page, user):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_full_offering_warns_before_submit_with_the_place(enrol_zone, student_page):
    page, full = student_page, enrol_zone["full"]
    log_in(page, enrol_zone["ada"].user)
    page.goto(f"/enrolment/offerings/{full.pk}/enrol/")
    warning = page.locator("#waitlist-warning")
    expect(warning).to_contain_text("This course is full: you will be placed on the waiting list, at about place 3.")
    # Before the button, so it is read before submitting.
    assert page.locator("#enrol-form").bounding_box()["y"] > warning.bounding_box()["y"]
    assert_accessible(page, "enrol form of a full offering")
    page.get_by_role("button", name="Submit and join the waiting list").click()
    expect(page.locator("#request-status")).to_be_visible()
    assert EnrolmentRequest.objects.filter(offering=full, student=enrol_zone["ada"]).exists()


def test_the_route_choices_are_limited_and_a_forged_route_is_refused(enrol_zone, student_page):
    page, wind = student_page, enrol_zone["wind"]
    log_in(page, enrol_zone["ada"].user)
    page.goto(f"/catalogue/offerings/{wind.pk}/")
    radios = page.locator("#enrol-form input[name=route]")
    expect(radios).to_have_count(2)  # suitable: three; piloted by her home: two of them
    assert sorted(radios.evaluate_all("rs => rs.map(r => r.value)")) == ["modular", "my_diploma"]
    expect(page.get_by_role("radio", name=re.compile("Off the beaten path"))).to_have_count(0)
    assert_accessible(page, "offering page with the enrol form")

    # A forged form: the first choice's value changed to a route her home institution does not pilot.
    page.get_by_role("radio", name="MijnDiploma").check()
    page.locator("#enrol-form input[name=route]:checked").evaluate("r => { r.value = 'off_the_beaten_path'; }")
    page.get_by_role("button", name="Submit enrolment request").click()
    expect(page.locator("#enrol-error")).to_contain_text("You cannot take this offering by the route you chose")
    expect(page.locator("#enrol-error")).to_contain_text("MijnDiploma")
    assert not EnrolmentRequest.objects.filter(student=enrol_zone["ada"]).exists()
    # And over plain HTTP, without the page: a 400, not a server error, and nothing written.
    token = page.locator("#enrol-form input[name=csrfmiddlewaretoken]").input_value()
    answer = page.request.post(
        f"/enrolment/offerings/{wind.pk}/enrol/",
        form={"csrfmiddlewaretoken": token, "route": "own_pace"},
        headers={"Referer": page.url, "Accept-Language": "en"},
    )
    assert answer.status == 400 and "You cannot take this offering by the route you chose" in answer.text()
    assert not EnrolmentRequest.objects.filter(student=enrol_zone["ada"]).exists()


def test_withdrawing_asks_for_confirmation(enrol_zone, student_page):
    page, wind = student_page, enrol_zone["wind"]
    request = requests.request_submit(user=enrol_zone["ada"].user, offering_id=wind.pk, route=Route.MY_DIPLOMA)
    approval.home_approve(user=enrol_zone["approver"], request_id=request.pk)
    request.refresh_from_db()
    assert request.status == Status.REGISTERED
    log_in(page, enrol_zone["ada"].user)
    page.goto(f"/enrolment/requests/{request.public_id}/")
    assert_accessible(page, "request page")
    page.get_by_role("button", name="Withdraw from the course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw from the course: are you sure?")
    request.refresh_from_db()
    assert request.status == Status.REGISTERED  # nothing happened yet
    assert_accessible(page, "withdrawal confirmation")
    page.get_by_role("link", name="No, keep my request").click()
    expect(page.locator("#request-status")).to_have_text("Registered at both institutions")

    # Again, by keyboard this time: the button is reachable and pressed with Enter.
    page.get_by_role("button", name="Withdraw from the course").click()
    yes = page.get_by_role("button", name="Yes: Withdraw from the course")
    for _ in range(40):
        if yes.evaluate("b => b === document.activeElement"):
            break
        page.keyboard.press("Tab")
    assert yes.evaluate("b => b === document.activeElement"), "the confirmation is not reachable by keyboard"
    page.keyboard.press("Enter")
    expect(page.locator("#request-status")).to_have_text("Withdrawn")
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN


def test_a_timetable_clash_is_shown_and_blocked_where_the_policy_says_so(enrol_zone, student_page):
    page, wind, solar = student_page, enrol_zone["wind"], enrol_zone["solar"]
    held = requests.request_submit(user=enrol_zone["ada"].user, offering_id=wind.pk, route=Route.MY_DIPLOMA)
    approval.home_approve(user=enrol_zone["approver"], request_id=held.pk)
    log_in(page, enrol_zone["ada"].user)
    page.goto(f"/catalogue/offerings/{solar.pk}/")
    expect(page.locator("#timetable")).to_contain_text("Monday 10:00–12:00")
    overlap = page.locator('#enrol [data-check="overlap"]')
    expect(overlap).to_have_count(1)  # one verdict for the rule
    expect(overlap).to_contain_text("Warning")
    expect(overlap).to_contain_text("This clashes with the timetable of WIND301 Wind Farm Design")
    expect(page.locator("#enrol-form")).to_be_visible()  # a warning: she may still enrol

    HomeApprovalPolicy.objects.update_or_create(
        institution=enrol_zone["home"], defaults={"timetable_clash": HomeApprovalPolicy.Clash.BLOCK}
    )
    page.reload()
    expect(overlap).to_contain_text("Not met")
    expect(overlap).to_contain_text("your home institution does not allow that")
    expect(page.locator("#enrol-form")).to_have_count(0)
    assert_accessible(page, "offering page with a blocked clash")
    # The server refuses too, whatever the page shows.
    with translation.override("en"), pytest.raises(NotEligibleError) as refused:
        requests.request_submit(user=enrol_zone["ada"].user, offering_id=solar.pk, route=Route.MY_DIPLOMA)
    with translation.override("en"):
        assert "clashes with the timetable" in str(refused.value.message)
    assert not EnrolmentRequest.objects.filter(offering=solar).exists()


def test_alternatives_are_chosen_by_searching_titles(enrol_zone, student_page):
    page, wind, solar = student_page, enrol_zone["wind"], enrol_zone["solar"]
    log_in(page, enrol_zone["ada"].user)
    page.goto(f"/enrolment/offerings/{wind.pk}/enrol/")
    page.get_by_label("Search for a first alternative").fill("solar")
    choice = page.get_by_role("radio", name=re.compile("SUN101 Solar Power"))
    expect(choice).to_be_visible()  # the htmx search answered
    choice.focus()
    page.keyboard.press("Space")
    expect(choice).to_be_checked()
    assert_accessible(page, "enrol form with found alternatives")
    page.get_by_role("button", name="Submit enrolment request").click()
    expect(page.locator("#request-status")).to_be_visible()
    draft = EnrolmentRequest.objects.get(offering=solar, student=enrol_zone["ada"])
    assert draft.rank == 2 and draft.status == Status.DRAFT
