"""A module-only learner (a professional or a guest) registers for modules by the modular route: the same
request, lifecycle, seats and host admission as everyone, but without a home step, never programme-enrolled."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from accounts.errors import LearnerProfileError, LearnerProfileExistsError
from accounts.selectors import programme_enrolled_students
from accounts.services import learner_profile_create
from billing.invoices_errors import VAT_INVALID_MESSAGE, InvoiceDataError, NotAModuleLearnerError
from billing.models_invoices import Invoice, PaymentStatusChange
from billing.services.invoices import InvoiceData, module_register
from core.errors import WrongStateError
from enrolment import lifecycle
from enrolment.errors import NotAllowedError, NotEligibleError, OfferingNotFoundError
from enrolment.models import EnrolmentRequest, ReasonCode, RequestEvent, Status, status_label
from enrolment.permissions import actor_role, visible_requests
from enrolment.selectors import request_timeline
from enrolment.services import admission, approval, messages, requests
from enrolment.services.messages import notification_title
from notifications.models import Notification
from tests.factories import UserFactory

DATA = InvoiceData(
    name="Pat Professional",
    organisation="Acme BV",
    vat_number="NL 8530.16.409 B01",
    po_reference="PO-2027-17",
    address="Stationsplein 1\n3511 ED Utrecht",
)


def register(learner, offering, data=DATA):
    return module_register(user=learner.user, offering_id=offering.pk, invoice=data)


def test_a_registration_skips_home_and_the_host_admits(modular, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = register(modular["professional"], modular["offering"])
    request = invoice.request
    assert request.route == "modular" and request.home_institution_id is None
    # Forwarded to the host by the system, audited as its own verb: no home decision anywhere.
    assert request.status == Status.HOME_APPROVED and request.home_approved_at is not None
    events = list(request.events.order_by("pk"))
    assert [(e.from_status, e.to_status, e.reason, e.actor_role) for e in events] == [
        ("draft", "submitted", ReasonCode.STUDENT_REQUEST, "student"),
        ("submitted", "home_approved", ReasonCode.FORWARDED_TO_HOST, "system"),
    ]
    assert request in visible_requests(modular["staff"]["admissions"])
    assert request not in visible_requests(modular["staff"]["other_admissions"])
    # The host admits with the normal host flow; a portal-managed host registers it at once.
    with django_capture_on_commit_callbacks(execute=True):
        admission.host_admit(request_id=request.pk, actor=modular["staff"]["admissions"])
    request.refresh_from_db()
    assert request.status == Status.REGISTERED
    assert request.home_registered_at is None and request.host_registered_at is not None
    modular["offering"].refresh_from_db()
    assert modular["offering"].seats_taken == 1
    # The invoice: the module-only price and what the learner gave, the VAT number normalised.
    assert invoice.amount == Decimal("450.00") and isinstance(invoice.amount, Decimal)
    assert (invoice.name, invoice.organisation, invoice.vat_number, invoice.po_reference) == (
        "Pat Professional",
        "Acme BV",
        "NL853016409B01",
        "PO-2027-17",
    )
    assert invoice.payment_status == "open" and invoice.payment_history.count() == 1
    # The learner hears of each move (what the worker's task calls), in words without a home step.
    messages.events_notify(event_ids=list(request.events.values_list("pk", flat=True)))
    with translation.override("en"):
        titles = [
            notification_title(n.kind, n.params)
            for n in Notification.objects.filter(user=modular["professional"].user).order_by("pk")
        ]
    assert len(titles) == 4 and not any("home" in t.lower() for t in titles), titles
    assert titles[1].startswith("Forwarded to the host institution: DATA-PRO"), titles


def test_the_learner_never_reads_of_a_home_step(modular):
    request = register(modular["professional"], modular["offering"]).request
    with translation.override("en"):
        for status in Status.values:
            assert "home" not in str(status_label(status, module_only=True)).lower(), status
        assert str(request.get_status_display()) == "Forwarded to the host institution"
        rows = request_timeline(list(request.events.all()), for_staff=False)
        assert all("home" not in f"{r['from']} {r['to']} {r['why']}".lower() for r in rows), rows
        # A student's request still says what it always said.
        assert str(status_label(Status.HOME_APPROVED)) == "Approved by home institution"


@pytest.mark.parametrize(
    "act",
    [
        lambda user, pk: approval.home_approve(user=user, request_id=pk),
        lambda user, pk: approval.home_deny(user=user, request_id=pk, reason=ReasonCode.SELECTION),
        lambda user, pk: requests.request_cancel(user=user, request_id=pk, reason=ReasonCode.SELECTION, as_staff=True),
        lambda user, pk: approval.home_bulk_decide(
            user=user, public_ids=[str(EnrolmentRequest.objects.get(pk=pk).public_id)], verb="approve"
        ),
    ],
    ids=["approve", "deny", "home_cancel_submitted", "bulk_approve"],
)
def test_home_verbs_are_refused_and_write_nothing(modular, act):
    # Caught before forwarding: the request as it stands right after submission, still submitted.
    request = register(modular["professional"], modular["offering"]).request
    EnrolmentRequest.objects.filter(pk=request.pk).update(status=Status.SUBMITTED)
    before = (RequestEvent.objects.count(), EnrolmentRequest.objects.get(pk=request.pk).status)
    home_staff = modular["staff"]["home_staff"]
    for verb in (lifecycle.APPROVE, lifecycle.DENY, lifecycle.HOME_CANCEL):
        assert actor_role(home_staff, EnrolmentRequest.objects.get(pk=request.pk), verb) is None
    try:
        result = act(home_staff, request.pk)
    except NotAllowedError:
        pass
    except WrongStateError:
        # Cancelling as staff: this person is the host's admissions too, and the host cannot cancel a
        # request in this state; as home staff they have no verb at all (asserted above).
        assert act is not None
    else:
        # The bulk decision answers per id: this one refused.
        assert result[str(request.public_id)]["ok"] is False, result
    assert (RequestEvent.objects.count(), EnrolmentRequest.objects.get(pk=request.pk).status) == before


def test_never_counted_as_programme_enrolled(modular, django_capture_on_commit_callbacks):
    professional = modular["professional"]
    request = register(professional, modular["offering"]).request
    admission.host_admit(request_id=request.pk, actor=modular["staff"]["admissions"])
    enrolled = programme_enrolled_students()
    assert modular["student"] in enrolled
    assert professional not in enrolled and modular["guest"] not in enrolled
    assert professional.programme_id is None and professional.is_actively_enrolled is False
    # The database refuses to make a learner without a home a programme student.
    with pytest.raises(IntegrityError), transaction.atomic():
        type(professional).objects.filter(pk=professional.pk).update(is_actively_enrolled=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(professional).objects.filter(pk=professional.pk).update(programme=modular["programme"])
    # And a request without a home on another route.
    with pytest.raises(IntegrityError), transaction.atomic():
        EnrolmentRequest.objects.filter(pk=request.pk).update(route="own_pace")


def test_learner_profile_kinds(modular):
    with pytest.raises(LearnerProfileError):
        learner_profile_create(user=UserFactory(), kind="student")
    with pytest.raises(LearnerProfileExistsError):
        learner_profile_create(user=modular["student"].user, kind="guest")
    assert modular["student"].kind == "student"


def _nothing_written(before):
    assert (EnrolmentRequest.objects.count(), Invoice.objects.count(), RequestEvent.objects.count()) == before


def _counts():
    return EnrolmentRequest.objects.count(), Invoice.objects.count(), RequestEvent.objects.count()


def test_invalid_vat_is_refused_with_a_clear_error(modular):
    before = _counts()
    with pytest.raises(InvoiceDataError) as caught, translation.override("en"):
        register(modular["professional"], modular["offering"], InvoiceData(name="P", address="A", vat_number="NL12"))
    assert caught.value.message == VAT_INVALID_MESSAGE
    with translation.override("en"):  # the field's message was rendered in English, where it was raised
        assert caught.value.extra["fields"] == {"vat_number": str(VAT_INVALID_MESSAGE)}
    _nothing_written(before)


def test_missing_name_and_address(modular):
    before = _counts()
    with pytest.raises(InvoiceDataError) as caught:
        register(modular["professional"], modular["offering"], InvoiceData(name=" ", address=""))
    assert set(caught.value.extra["fields"]) == {"name", "address"}
    _nothing_written(before)


def test_a_module_not_open_to_their_kind(modular):
    before = _counts()
    # Guests only: not for a professional. Open to professionals: not for a guest. A course: never.
    for learner, offering in (
        (modular["professional"], modular["guests_only"]),
        (modular["guest"], modular["offering"]),
        (modular["professional"], modular["course_offering"]),
    ):
        with pytest.raises(NotEligibleError) as caught, translation.override("en"):
            register(learner, offering)
        assert "not open to professionals or guests like you" in str(caught.value), caught.value
    _nothing_written(before)


@pytest.mark.parametrize("tampered", ["abc", "999999", "", None, "1; DROP TABLE"])
def test_tampered_offering_ids(modular, tampered):
    before = _counts()
    with pytest.raises(OfferingNotFoundError):
        register(modular["professional"], type("O", (), {"pk": tampered}))
    _nothing_written(before)


def test_students_and_staff_do_not_register_for_modules_here(modular):
    before = _counts()
    for user in (modular["student"].user, modular["staff"]["admissions"]):
        with pytest.raises(NotAModuleLearnerError):
            module_register(user=user, offering_id=modular["offering"].pk, invoice=DATA)
    _nothing_written(before)


def test_the_second_registration_for_the_same_module_is_refused(modular):
    register(modular["professional"], modular["offering"])
    before = _counts()
    with pytest.raises(Exception) as caught:
        register(modular["professional"], modular["offering"])
    assert caught.value.status_code in (400, 409)
    _nothing_written(before)
    assert PaymentStatusChange.objects.count() == 1
