"""The demo shows every feature at once (issue #7, item 7): `seed_demo` makes, through the enrolment services,
a selection awaiting the host, a drawn lottery with a waitlist, seats kept for a partner, a two-step home
approval, recognition precedents, and a connected home whose reference peer decides and registers. Seeding
again changes nothing; the demo's connections follow the peer's port."""

import pytest

from catalogue.models import AdmissionMode, Offering
from demo.scenarios import STUDENTS
from demo.seeder import DEMO_PASSWORD, DemoSeeder, demo_email
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, ReasonCode, RequestEvent, SeatReservation, Status
from ooapi.models import Connection, OutboxMessage
from ooapi.sync import dispatcher
from results.models import RecognitionPrecedent

pytest_plugins = ["tests.ooapi_peer.fixtures"]
pytestmark = pytest.mark.django_db

OFFERINGS = 1050


def _statuses(offering) -> list[str]:
    return sorted(EnrolmentRequest.objects.filter(offering=offering).values_list("status", flat=True))


def _deliver_outbox(rounds: int = 5) -> None:
    """What the worker does after commit (these tests never commit): deliver every due message."""
    for _round in range(rounds):
        pending = list(OutboxMessage.objects.filter(status="pending").values_list("pk", flat=True))
        if not pending:
            return
        for pk in pending:
            dispatcher.message_dispatch(message_id=pk)


@pytest.fixture
def seeded(ooapi_peer, settings):
    settings.OOAPI_DEMO_PEER_URL = ooapi_peer.base_url
    summary = DemoSeeder(offerings=OFFERINGS).run()
    _deliver_outbox()
    return summary


def test_host_admissions_has_real_decisions_to_make(seeded):
    selection = Offering.objects.get(institution__code="uva", admission_mode=AdmissionMode.SELECTION)
    assert _statuses(selection) == [Status.HOME_APPROVED] * 3
    waiting = EnrolmentRequest.objects.filter(offering=selection)
    assert all(request.host_decision_due_at for request in waiting)  # with a deadline

    lottery = Offering.objects.get(institution__code="uva", admission_mode=AdmissionMode.LOTTERY)
    drawn = EnrolmentRequest.objects.filter(offering=lottery)
    assert sorted(r.status for r in drawn) == [Status.REGISTERED] * 2 + [Status.WAITLISTED] * 3
    assert set(RequestEvent.objects.filter(request__in=drawn).values_list("reason", flat=True)) >= {ReasonCode.LOTTERY}
    assert lottery.seats_taken == 2 == lottery.capacity  # counted by enrolment's seats, not made up


def test_reservations_two_steps_and_precedents(seeded):
    reservation = SeatReservation.objects.get(institution__code="hu")
    assert reservation.seats == 2 and reservation.release_at == reservation.offering.enrol_closes_at

    policy = HomeApprovalPolicy.objects.get(institution__code="uu")
    assert policy.steps == ["home_approver", "exam_board"]
    halfway = EnrolmentRequest.objects.get(status=Status.SUBMITTED, home_step=1)
    assert halfway.home_institution.code == "uu"

    # The scenarios' two, for a UvA and an EUR course (the demo's results add two of their own, for VU courses).
    scenarios = RecognitionPrecedent.objects.filter(programme__institution__code="uu").exclude(
        course__institution__code="vu"
    )
    assert scenarios.count() == 2
    covered = RequestEvent.objects.get(reason=ReasonCode.RECOGNITION_PRECEDENT).request
    assert RecognitionPrecedent.objects.filter(course=covered.offering.course).exists()


def test_a_connected_homes_peer_decides_and_the_request_is_registered(seeded, ooapi_peer):
    request = EnrolmentRequest.objects.get(student__user__email=demo_email("student.tud"))

    assert request.status == Status.REGISTERED
    reasons = list(request.events.values_list("reason", flat=True))
    assert ReasonCode.HOME_SYSTEM_DECISION in reasons
    assert request.home_registration_ref
    assert ooapi_peer.control.association_count() == 1


def test_every_demo_student_logs_in_with_the_demo_password(seeded):
    from accounts.models import User

    for student in STUDENTS:
        assert User.objects.get(email=demo_email(student.local)).check_password(DEMO_PASSWORD)


def test_seeding_again_changes_nothing_and_follows_the_peers_port(seeded, settings):
    counts = {
        model: model.objects.count()
        for model in (EnrolmentRequest, RequestEvent, SeatReservation, RecognitionPrecedent, HomeApprovalPolicy)
    }
    seats = dict(Offering.objects.values_list("pk", "seats_taken"))
    settings.OOAPI_DEMO_PEER_URL = "http://127.0.0.1:8101"  # `PORT=8001 make run`

    again = DemoSeeder(offerings=OFFERINGS).run()

    assert again["offerings_created"] == 0
    assert {model: model.objects.count() for model in counts} == counts
    assert dict(Offering.objects.values_list("pk", "seats_taken")) == seats
    assert set(Connection.objects.values_list("base_url", flat=True)) == {"http://127.0.0.1:8101"}


def test_a_connection_an_administrator_configured_is_left_alone(seeded, settings):
    Connection.objects.filter(institution__code="wur").update(
        base_url="https://ooapi.wur.example/v5", auth_method=Connection.AuthMethod.BEARER
    )
    settings.OOAPI_DEMO_PEER_URL = "http://127.0.0.1:8101"
    DemoSeeder(offerings=OFFERINGS).run()
    assert Connection.objects.get(institution__code="wur").base_url == "https://ooapi.wur.example/v5"
