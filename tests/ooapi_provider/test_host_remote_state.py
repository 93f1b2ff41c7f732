"""A connected host's own system denies or cancels an enrolment by ``PATCH /associations/{id}`` with
``remoteState`` (issue #7, item 5): the request becomes host-denied or cancelled through enrolment's
lifecycle, its seat goes to the next student on the waitlist, and the student is told why. Only the host's
own connection credentials may do so, only while the request is open at the host, and a refused patch
records nothing."""

import pytest

from catalogue.models import Offering
from enrolment.errors import NotAllowedError
from enrolment.models import EnrolmentRequest, ReasonCode, RequestEvent, Status
from enrolment.services import messages
from enrolment.services.registration import host_decision_from_institution
from institutions.models import Institution
from notifications.models import Notification
from ooapi.models import AssociationResult
from tests.factories import StudentProfileFactory
from tests.ooapi_provider.conftest import request_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def full(zone):
    """Alpha is connected; its Algorithms run has one seat, held by Beta's student (``status``), and
    Gamma's student waits for it."""
    alpha = zone["alpha"]
    alpha.integration = Institution.Integration.CONNECTED
    alpha.save(update_fields=["integration"])
    offering = zone["offerings"]["algorithms"]
    Offering.objects.filter(pk=offering.pk).update(capacity=1, seats_taken=1)
    EnrolmentRequest.objects.filter(pk=zone["requests"]["beta_at_alpha"].pk).delete()
    waiting = zone["requests"]["gamma_at_alpha"]
    EnrolmentRequest.objects.filter(pk=waiting.pk).update(queue_key=1)

    def holding(status=Status.ADMITTED):
        return request_in(status, student=StudentProfileFactory(home_institution=zone["beta"]), offering=offering)

    return {"holding": holding, "waiting": waiting, "offering": offering}


def _patch(api, request, body, token):
    return api.patch(f"/associations/{request.public_id}", body, token)


@pytest.mark.parametrize(
    ("remote_state", "status", "reason"),
    [
        ("denied", Status.HOST_DENIED, ReasonCode.HOST_SYSTEM_DENIED),
        ("canceled", Status.CANCELLED, ReasonCode.HOST_SYSTEM_CANCELLED),
    ],
)
@pytest.mark.parametrize("held_in", [Status.ADMITTED, Status.REGISTERED])
def test_the_hosts_denial_or_cancel_ends_the_request_and_the_seat_goes_to_the_waitlist(
    api, zone, full, make_token, remote_state, status, reason, held_in
):
    holding = full["holding"](held_in)

    response = _patch(api, holding, {"remoteState": remote_state}, make_token(zone["alpha"]))

    assert response.status_code == 200, response.content
    assert response.json()["state"] == remote_state  # the portal's own state now says the same
    holding.refresh_from_db()
    assert holding.status == status
    event = holding.events.get()
    assert (event.from_status, event.to_status, event.reason, event.actor_role) == (
        held_in,
        status,
        reason,
        "host_system",
    )
    full["waiting"].refresh_from_db()
    assert full["waiting"].status == Status.SEAT_OFFERED  # the freed seat went to the next in line
    assert Offering.objects.get(pk=full["offering"].pk).seats_taken == 1
    report = AssociationResult.objects.get(request=holding, institution=zone["alpha"])
    assert report.remote_state == remote_state


def test_the_student_is_told_why(api, zone, full, make_token, settings):
    holding = full["holding"]()
    _patch(api, holding, {"remoteState": "denied"}, make_token(zone["alpha"]))

    event = RequestEvent.objects.get(request=holding)
    assert messages.events_notify(event_ids=[event.pk]) == 1
    notification = Notification.objects.get(user=holding.student.user)
    assert notification.link == f"/enrolment/requests/{holding.public_id}/"
    assert str(event.get_reason_display()) == "The host institution's own system refused the enrolment"


def test_a_repeated_denial_changes_nothing_more(api, zone, full, make_token):
    holding = full["holding"]()
    token = make_token(zone["alpha"])
    assert _patch(api, holding, {"remoteState": "denied"}, token).status_code == 200
    assert _patch(api, holding, {"remoteState": "denied"}, token).status_code == 200

    assert RequestEvent.objects.filter(request=holding).count() == 1
    assert EnrolmentRequest.objects.get(pk=full["waiting"].pk).status == Status.SEAT_OFFERED


def test_the_home_institutions_remote_state_is_recorded_but_moves_nothing(api, zone, full, make_token):
    """Only the host's system decides on the host's seat: the home's own ``remoteState`` is its record."""
    holding = full["holding"]()

    response = _patch(api, holding, {"remoteState": "denied"}, make_token(zone["beta"]))

    assert response.status_code == 200
    assert EnrolmentRequest.objects.get(pk=holding.pk).status == Status.ADMITTED
    assert AssociationResult.objects.get(request=holding, institution=zone["beta"]).remote_state == "denied"


def test_an_outsider_cannot_see_the_association(api, zone, full, make_token):
    holding = full["holding"]()
    assert _patch(api, holding, {"remoteState": "denied"}, make_token(zone["gamma"])).status_code == 404
    assert EnrolmentRequest.objects.get(pk=holding.pk).status == Status.ADMITTED


def test_a_portal_managed_hosts_report_is_recorded_and_moves_nothing(api, zone, full, make_token):
    """A portal-managed host decides in the portal; what its system reports is its record, as before."""
    holding = full["holding"]()
    Institution.objects.filter(pk=zone["alpha"].pk).update(integration=Institution.Integration.PORTAL_MANAGED)

    response = _patch(api, holding, {"remoteState": "canceled"}, make_token(zone["alpha"]))

    assert response.status_code == 200
    assert EnrolmentRequest.objects.get(pk=holding.pk).status == Status.ADMITTED
    assert AssociationResult.objects.get(request=holding, institution=zone["alpha"]).remote_state == "canceled"


def test_only_the_hosts_own_connection_may_end_the_request(zone, full):
    """The command itself refuses anyone but the connected host, before it looks at the state."""
    holding = full["holding"]()
    for institution in (zone["beta"], zone["gamma"]):
        with pytest.raises(NotAllowedError):
            host_decision_from_institution(request_id=holding.pk, institution_id=institution.pk, denied=True)
    Institution.objects.filter(pk=zone["alpha"].pk).update(integration=Institution.Integration.PORTAL_MANAGED)
    with pytest.raises(NotAllowedError):
        host_decision_from_institution(request_id=holding.pk, institution_id=zone["alpha"].pk, denied=True)
    assert EnrolmentRequest.objects.get(pk=holding.pk).status == Status.ADMITTED
    assert not RequestEvent.objects.filter(request=holding).exists()


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.WITHDRAWN, Status.EXPIRED, Status.HOST_DENIED])
def test_a_request_no_longer_open_at_the_host_cannot_be_cancelled_by_its_system(api, zone, full, make_token, status):
    ended = full["holding"](status)

    response = _patch(api, ended, {"remoteState": "canceled"}, make_token(zone["alpha"]))

    assert response.status_code == 409
    assert response.json()["detail"].startswith(f"This enrolment is {ended.get_status_display().lower()};")
    assert EnrolmentRequest.objects.get(pk=ended.pk).status == status
    assert not AssociationResult.objects.filter(request=ended).exists()
    assert not RequestEvent.objects.filter(request=ended).exists()


@pytest.mark.parametrize("status", [Status.HOME_APPROVED, Status.WAITLISTED, Status.SEAT_OFFERED])
def test_the_host_may_deny_before_admission_too(api, zone, full, make_token, status):
    request = full["holding"](status)

    assert _patch(api, request, {"remoteState": "denied"}, make_token(zone["alpha"])).status_code == 200
    assert EnrolmentRequest.objects.get(pk=request.pk).status == Status.HOST_DENIED
