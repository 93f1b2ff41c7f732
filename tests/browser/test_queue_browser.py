"""Queued admission in a real browser (issue #20): a student enrols in a popular offering, reads "in the
queue", and sees the outcome on the same page, without reloading, once a real Celery worker has decided the
queue (the page follows the status with htmx). The worker is started only after the student has read "in
the queue", so that state is really seen; the broker is a redis-server of the test's own."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalogue.models import AdmissionMode
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, Status
from enrolment.services import queue
from tests.browser.axe import assert_accessible
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    StudentProfileFactory,
)
from tests.ooapi_sync.test_faults import PrivateRedis, broker
from tests.workers import celery_worker

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


@pytest.fixture
def popular(transactional_db, settings):
    settings.ENROLMENT_QUEUED_ADMISSION = True
    home = InstitutionFactory(code="hu", short_name="HU", name_en="Home University of Applied Sciences")
    host = InstitutionFactory(code="tu", short_name="TU", name_en="Host University")
    HomeApprovalPolicy.objects.create(institution=home, mode=HomeApprovalPolicy.Mode.AUTOMATIC)
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    offering = OfferingFactory(
        course=CourseFactory(institution=host, code="AI101", title_en="Applied AI", title_nl="Toegepaste AI"),
        period=period,
        capacity=1,
        admission_mode=AdmissionMode.FIRST_COME,
        enrol_opens_at=now - dt.timedelta(minutes=5),
        enrol_closes_at=now + dt.timedelta(days=10),
        withdraw_deadline=now + dt.timedelta(days=20),
    )
    ada = StudentProfileFactory(home_institution=home, user__first_name="Ada", user__last_name="Lovelace")
    ben = StudentProfileFactory(home_institution=home, user__first_name="Ben", user__last_name="Early")
    return {"offering": offering, "ada": ada, "ben": ben}


def test_a_student_sees_in_the_queue_then_the_outcome_without_reloading(popular, browser, live_server, tmp_path):
    offering = popular["offering"]
    private = PrivateRedis(tmp_path)
    private.start()
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    try:
        with broker(private.url):
            # Ben was a moment quicker: his request is ahead in the queue for the one seat.
            ben_request = queue.request_enqueue(user=popular["ben"].user, offering_id=offering.pk)
            page = context.new_page()
            page.goto("/accounts/login/")
            page.locator("#id_login").fill(popular["ada"].user.email)
            page.locator("#id_password").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            expect(page.get_by_role("button", name="Log out")).to_be_visible()
            page.goto(f"/catalogue/offerings/{offering.pk}/")
            page.get_by_role("button", name="Submit enrolment request").click()

            expect(page).to_have_url(re.compile(r"/enrolment/requests/[0-9a-f-]{36}/$"))
            expect(page.locator("#request-status")).to_have_text("In the queue: the decision follows within seconds")
            expect(page.locator("#queue-waiting")).to_be_visible()
            expect(page.locator("#request-status-region")).to_have_attribute("aria-live", "polite")
            public_id = re.search(r"/enrolment/requests/([0-9a-f-]{36})/", page.url).group(1)
            assert EnrolmentRequest.objects.get(public_id=public_id).is_queued
            assert_accessible(page, "a request in the queue")
            page.evaluate("window.stillTheSamePage = true")  # a reload would drop it

            with celery_worker(tmp_path / "worker.log", extra_env={"CELERY_BROKER_URL": private.url}):
                expect(page.locator("#request-status")).to_have_text("On the waitlist", timeout=30_000)
            expect(page.locator("#queue-decided")).to_contain_text("The queue has decided your request.")
            assert page.evaluate("window.stillTheSamePage") is True
            assert page.locator("#request-status-region").get_attribute("hx-get") is None  # no more polling
            assert_accessible(page, "a request the queue decided")
    finally:
        context.close()
        private.stop()
    ben_request.refresh_from_db()
    assert ben_request.status == Status.REGISTERED  # first come, first served
    ada_request = EnrolmentRequest.objects.get(public_id=public_id)
    assert (ada_request.status, ada_request.arrival) == (Status.WAITLISTED, 2)
