"""Issue #7, items 5 and 7, in a real browser:

- host admissions (the demo's ``admissions.uva``) admits a student in the demo's selection offering, where
  three home-approved requests wait for the host's decision;
- a connected host's own system denies an admitted student by ``PATCH /ooapi/v5/associations/{id}``
  (``remoteState: denied``): the seat goes to the next student on the waitlist, and the first student sees
  why, on the request page and in the notification centre. Before that, the request page says it waits for
  the host's system.

axe-core finds no serious or critical violations on the pages touched.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import StaffRole
from catalogue.models import AdmissionMode, Offering
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, Status
from enrolment.services import requests
from enrolment.services.messages import events_notify
from institutions.models import Institution
from ooapi.provider.scopes import ASSOCIATIONS_READ, ASSOCIATIONS_WRITE, READ
from tests.browser.axe import assert_accessible
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    StaffRoleFactory,
    StudentProfileFactory,
)
from tests.ooapi_provider.conftest import provider_client, token_for

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


@pytest.fixture
def quiet_queues(monkeypatch):
    """No worker runs here, and the test broker is shared: record the notification tasks (the test does the
    worker's job when it wants to) and leave outbox messages in their table."""
    queued: list[int] = []

    class Recorder:
        @staticmethod
        def delay(event_ids):
            queued.extend(event_ids)

    monkeypatch.setattr("enrolment.tasks.notify_events", Recorder)
    monkeypatch.setattr("ooapi.sync.outbox.delivery_enqueue", lambda *args, **kwargs: 0)
    return queued


@pytest.fixture
def new_person(browser, live_server):
    contexts = []

    def open_context():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_context
    for context in contexts:
        context.close()


def log_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def decide(page, verb: str) -> None:
    """Take a staff decision on the request page: one decision form with a choice where the page has it
    (the NL Design System pages), else the action's own button."""
    decision = page.locator("#decision-form")
    if decision.count():
        decision.locator(f'input[name="verb"][value="{verb}"]').check()
        decision.locator("button[type=submit]").click()
    else:
        page.locator(f'form[data-verb="{verb}"]').get_by_role("button").click()


def test_host_admissions_admits_a_student_in_the_demos_selection_offering(quiet_queues, transactional_db, new_person):
    from demo.seeder import DEMO_PASSWORD, DemoSeeder, demo_email

    DemoSeeder().run()
    selection = Offering.objects.get(institution__code="uva", admission_mode=AdmissionMode.SELECTION)
    waiting = list(EnrolmentRequest.objects.filter(offering=selection).order_by("pk"))
    assert [r.status for r in waiting] == [Status.HOME_APPROVED] * 3
    chosen = waiting[0]

    host = new_person()
    log_in(host, demo_email("admissions.uva"), DEMO_PASSWORD)
    host.goto(f"/enrolment/requests/{chosen.public_id}/")
    expect(host.locator("#request-status")).to_have_text("Approved by home institution")
    assert_accessible(host, "a request in the demo's selection offering, for host admissions")
    decide(host, "admit")

    expect(host.locator("#request-status")).to_have_text(re.compile("Admitted by host institution|Registered"))
    chosen.refresh_from_db()
    assert chosen.status in (Status.ADMITTED, Status.REGISTERED)
    event = chosen.events.filter(to_status=Status.ADMITTED).get()
    assert event.actor.email == demo_email("admissions.uva") and event.actor_role == "host_admissions"
    # The other two still wait for the host; one seat of two is taken.
    assert [r.status for r in EnrolmentRequest.objects.filter(offering=selection).exclude(pk=chosen.pk)] == [
        Status.HOME_APPROVED
    ] * 2
    assert Offering.objects.get(pk=selection.pk).seats_taken == 1


@pytest.fixture
def connected_host(quiet_queues, transactional_db):
    """A portal-managed home that approves automatically; a connected host (its system reports over OOAPI)
    with a one-seat course. Ada is admitted (her host has not confirmed her yet); Ben waits for the seat."""
    home = InstitutionFactory(code="hu", short_name="HU", name_en="Home University of Applied Sciences")
    host = InstitutionFactory(
        code="tud", short_name="TU Delft", name_en="Delft University of Technology", integration="ooapi"
    )
    assert host.integration == Institution.Integration.CONNECTED
    HomeApprovalPolicy.objects.create(institution=home, mode=HomeApprovalPolicy.Mode.AUTOMATIC)
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    course = CourseFactory(institution=host, code="WB1001", title_en="Wind Energy", title_nl="Windenergie")
    offering = OfferingFactory(
        course=course,
        period=period,
        capacity=1,
        enrol_opens_at=now - dt.timedelta(days=1),
        enrol_closes_at=now + dt.timedelta(days=10),
        withdraw_deadline=now + dt.timedelta(days=20),
    )
    admissions = StaffRoleFactory(institution=host, role=StaffRole.Role.HOST_ADMISSIONS).user
    admissions.set_password(PASSWORD)
    admissions.save()
    people = {}
    for name in ("Ada", "Ben"):
        student = StudentProfileFactory(home_institution=home, user__first_name=name, user__last_name="Student")
        student.user.set_password(PASSWORD)
        student.user.save()
        people[name] = (student, requests.request_submit(user=student.user, offering_id=offering.pk))
    client = provider_client(host, (READ, ASSOCIATIONS_READ, ASSOCIATIONS_WRITE))
    return {
        "host": host,
        "offering": offering,
        "people": people,
        "admissions": admissions,
        "token": token_for(client),
    }


def _patch(base_url: str, request: EnrolmentRequest, body: dict, token: str) -> tuple[int, dict]:
    call = urllib.request.Request(  # noqa: S310 (the live test server)
        f"{base_url}/ooapi/v5/associations/{request.public_id}",
        data=json.dumps(body).encode(),
        method="PATCH",
        headers={"Content-Type": "application/merge-patch+json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(call, timeout=30) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def test_a_connected_hosts_denial_frees_the_seat_and_the_student_sees_why(
    connected_host, quiet_queues, new_person, live_server
):
    (ada, ada_request), (ben, ben_request) = connected_host["people"]["Ada"], connected_host["people"]["Ben"]
    ada_request.refresh_from_db()
    ben_request.refresh_from_db()
    assert (ada_request.status, ben_request.status) == (Status.ADMITTED, Status.WAITLISTED)

    ada_page = new_person()
    log_in(ada_page, ada.user.email, PASSWORD)
    ada_page.goto(f"/enrolment/requests/{ada_request.public_id}/")
    expect(ada_page.locator("#waiting-on-system")).to_contain_text("Waiting for TU Delft's system since")
    expect(ada_page.locator("#waiting-on-system")).to_contain_text("it has not confirmed the enrolment yet.")

    # The host's staff see it in their queue too.
    staff = new_person()
    log_in(staff, connected_host["admissions"].email, PASSWORD)
    staff.goto(f"/enrolment/staff/{connected_host['host'].code}/incoming/?show=all")
    expect(staff.locator(f'tr[data-request="{ada_request.public_id}"] .waiting-on-system')).to_contain_text(
        "Waiting for TU Delft's system since"
    )
    assert_accessible(staff, "the connected host's incoming queue")

    status, answer = _patch(live_server.url, ada_request, {"remoteState": "denied"}, connected_host["token"])
    assert (status, answer["state"]) == (200, "denied")

    # Ada sees the decision and its reason, in the timeline and in the notification centre.
    ada_page.reload()
    expect(ada_page.locator("#request-status")).to_have_text("Denied by host institution")
    expect(ada_page.locator("#waiting-on-system")).to_have_count(0)
    expect(ada_page.locator("table.timeline")).to_contain_text(
        "The host institution's own system refused the enrolment"
    )
    assert_accessible(ada_page, "a request the connected host's system denied")
    events_notify(event_ids=quiet_queues)
    ada_page.goto("/notifications/")
    expect(ada_page.locator("main")).to_contain_text("Denied by host institution")

    # Ben had the waitlist's first place: the freed seat is offered to him.
    ben_page = new_person()
    log_in(ben_page, ben.user.email, PASSWORD)
    ben_page.goto(f"/enrolment/requests/{ben_request.public_id}/")
    expect(ben_page.locator("#request-status")).to_have_text("Seat offered: accept before the deadline")
    assert Offering.objects.get(pk=connected_host["offering"].pk).seats_taken == 1
