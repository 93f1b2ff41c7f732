"""Invoices' payment status (the host's admissions staff, own institution only, with history), the pages and
API of module-only learners, and their progress stacked toward a larger whole."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from billing.invoices_errors import (
    InvoiceNotFoundError,
    NotInvoiceStaffError,
    PaymentStatusError,
    PaymentStatusUnchangedError,
)
from billing.models_invoices import Invoice, PaymentStatusChange
from billing.modules_selectors import stackable_progress
from billing.services.invoices import InvoiceData, invoice_payment_status_set, module_register
from enrolment.models import EnrolmentRequest, RequestEvent, Status
from enrolment.services import admission
from results.models import Recognition
from results.services.results import ResultInput, result_record

DATA = InvoiceData(name="Pat", address="Stationsplein 1, Utrecht", organisation="Acme BV", vat_number="BE0123456789")


def english(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def registered(modular, learner=None, offering=None):
    learner = learner or modular["professional"]
    invoice = module_register(user=learner.user, offering_id=(offering or modular["offering"]).pk, invoice=DATA)
    return invoice


def test_payment_status_by_own_host_staff_with_history(modular):
    invoice = registered(modular)
    staff = modular["staff"]["admissions"]
    invoice_payment_status_set(user=staff, invoice_id=invoice.public_id, status="paid", note="bank 2027-03-01")
    invoice.refresh_from_db()
    assert invoice.payment_status == "paid"
    history = list(invoice.payment_history.values_list("from_status", "to_status", "actor_id", "note"))
    assert history == [
        ("", "open", modular["professional"].user.pk, ""),
        ("open", "paid", staff.pk, "bank 2027-03-01"),
    ]


@pytest.mark.parametrize(
    ("who", "status", "invoice_id", "error"),
    [
        ("other_admissions", "paid", None, NotInvoiceStaffError),
        ("learner", "paid", None, NotInvoiceStaffError),
        ("admissions", "refunded", None, PaymentStatusError),
        ("admissions", "open", None, PaymentStatusUnchangedError),
        ("admissions", "paid", "not-a-uuid", InvoiceNotFoundError),
        ("admissions", "paid", "7d3f7f0e-0000-4000-8000-000000000001", InvoiceNotFoundError),
    ],
)
def test_payment_status_refusals_write_nothing(modular, who, status, invoice_id, error):
    invoice = registered(modular)
    user = modular["professional"].user if who == "learner" else modular["staff"][who]
    with pytest.raises(error):
        invoice_payment_status_set(user=user, invoice_id=invoice_id or invoice.public_id, status=status)
    invoice.refresh_from_db()
    assert invoice.payment_status == "open" and PaymentStatusChange.objects.count() == 1


def test_staff_page_sets_the_status_and_refuses_another_institutions_invoice(modular):
    invoice = registered(modular)
    other = english(modular["staff"]["other_admissions"])
    assert (
        other.post(f"/billing/modules/staff/invoices/{invoice.public_id}/status/", {"status": "paid"}).status_code
        == 403
    )
    assert other.get("/billing/modules/staff/invoices/").content.decode().count("data-invoice=") == 0
    own = english(modular["staff"]["admissions"])
    page = own.get("/billing/modules/staff/invoices/").content.decode()
    assert f'data-invoice="{invoice.public_id}"' in page and "BE0123456789" in page
    response = own.post(
        f"/billing/modules/staff/invoices/{invoice.public_id}/status/", {"status": "paid", "note": "ok"}
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.payment_status == "paid"
    assert own.post("/billing/modules/staff/invoices/nonsense/status/", {"status": "paid"}).status_code == 404


def test_the_registration_page_shows_a_clear_vat_error_and_writes_nothing(modular):
    client = english(modular["professional"].user)
    before = (EnrolmentRequest.objects.count(), Invoice.objects.count(), RequestEvent.objects.count())
    response = client.post(
        f"/billing/modules/register/{modular['offering'].pk}/",
        {"name": "Pat", "address": "Utrecht", "vat_number": "NL1234"},
    )
    assert response.status_code == 400
    assert "This is not a valid VAT number" in response.content.decode()
    # A module not open to professionals: the eligibility reason, nothing written.
    response = client.post(
        f"/billing/modules/register/{modular['guests_only'].pk}/", {"name": "Pat", "address": "Utrecht"}
    )
    assert response.status_code == 400
    assert "not open to professionals or guests like you" in response.content.decode()
    # Tampered offering ids.
    assert client.get("/billing/modules/register/99999999/").status_code == 404
    assert client.post("/billing/modules/register/99999999/", {"name": "P", "address": "A"}).status_code == 404
    assert (EnrolmentRequest.objects.count(), Invoice.objects.count(), RequestEvent.objects.count()) == before


def test_the_student_enrol_form_and_api_do_not_take_a_learner_around_the_invoice(modular):
    client = english(modular["professional"].user)
    response = client.post("/api/enrolments/", {"offering": modular["offering"].pk}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "module_page_required"
    assert not EnrolmentRequest.objects.exists()


def test_api_registers_lists_and_refuses(modular):
    client = english(modular["professional"].user)
    bad = client.post(
        "/api/modules/registrations/",
        {"offering": modular["offering"].pk, "name": "Pat", "address": "A", "vat_number": "XX123"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "not a valid VAT number" in bad.json()["vat_number"][0]
    hidden = client.post(
        "/api/modules/registrations/",
        {"offering": modular["guests_only"].pk, "name": "Pat", "address": "A"},
        content_type="application/json",
    )
    assert hidden.status_code == 400 and hidden.json()["code"] == "not_eligible"
    tampered = client.post(
        "/api/modules/registrations/",
        {"offering": 99999999, "name": "Pat", "address": "A"},
        content_type="application/json",
    )
    assert tampered.status_code == 404
    assert not Invoice.objects.exists() and not EnrolmentRequest.objects.exists()
    created = client.post(
        "/api/modules/registrations/",
        {"offering": modular["offering"].pk, "name": "Pat", "address": "A", "po_reference": "PO-1"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["amount"], body["po_reference"], body["payment_status"]) == ("450.00", "PO-1", "open")
    assert body["registration_status_label"] == "Forwarded to the host institution"
    listed = client.get("/api/modules/registrations/").json()
    assert [r["module_code"] for r in listed] == ["DATA-PRO"]
    request = client.get(f"/api/enrolments/{body['registration']}/").json()
    assert request["home_institution"] is None and request["route"] == "modular"
    assert all("home" not in e["to_status_label"].lower() for e in request["timeline"])
    # Staff: their institution's invoices; the status set by API, with history.
    staff = english(modular["staff"]["admissions"])
    assert [i["id"] for i in staff.get("/api/modules/host-invoices/").json()] == [body["id"]]
    paid = staff.post(
        f"/api/modules/host-invoices/{body['id']}/payment-status/", {"status": "paid"}, content_type="application/json"
    )
    assert paid.status_code == 200 and [h["to_status"] for h in paid.json()["payment_history"]] == ["open", "paid"]
    other = english(modular["staff"]["other_admissions"])
    assert other.get("/api/modules/host-invoices/").json() == []
    refused = other.post(
        f"/api/modules/host-invoices/{body['id']}/payment-status/", {"status": "open"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert Invoice.objects.get().payment_status == "paid"


def test_progress_and_stacking(modular):
    pro = modular["professional"]
    first = registered(modular).request
    admission.host_admit(request_id=first.pk, actor=modular["staff"]["admissions"])
    # A second module stacking into the same programme, open to professionals too, still under way.
    modular["guests_only"].visible_professionals = True
    modular["guests_only"].save(update_fields=["visible_professionals"])
    registered(modular, offering=modular["guests_only"])
    # The host records a passing result once the module has ended.
    EnrolmentRequest.objects.filter(pk=first.pk).update(status=Status.REGISTERED)
    offering = modular["offering"]
    ended = timezone.localdate() - dt.timedelta(days=1)
    type(offering).objects.filter(pk=offering.pk).update(start_date=ended - dt.timedelta(days=30), end_date=ended)
    result_record(
        user=modular["staff"]["admissions"],
        request_id=first.pk,
        data=ResultInput(scale="1-10", score="7.5", ec=Decimal("5"), assessed_on=ended, examiner="", attempt=1),
    )
    # No home, so no examination board's credit entry: nothing home-side.
    assert not Recognition.objects.filter(request=first).exists()
    (whole,) = stackable_progress(pro)
    assert whole.programme == modular["programme"]
    assert [r.request.offering.module.code for r in whole.completed] == ["DATA-PRO"]
    assert [r.request.offering.module.code for r in whole.in_progress] == ["DATA-ADV"]
    assert (whole.ec_completed, whole.ec_total) == (Decimal("5"), Decimal("10"))
    page = english(pro.user).get("/billing/modules/").content.decode()
    assert "Completed: passed with 7.5, 5.0 EC" in page and "5.0 of 10.0 EC of its modules completed." in page
    api = english(pro.user).get("/api/modules/stackable/").json()
    assert api[0]["ec_completed"] == "5.0" and [m["module_code"] for m in api[0]["completed"]] == ["DATA-PRO"]
    # A completed module is never counted as programme enrolment, and the guest has nothing stacked.
    assert stackable_progress(modular["guest"]) == []


def test_the_catalogue_shows_a_learner_what_they_may_register_for(modular):
    from billing.modules_selectors import modules_open_to
    from enrolment.selectors import offerings_eligible_for

    assert offerings_eligible_for(modular["professional"].user) == {modular["offering"].pk}
    assert offerings_eligible_for(modular["guest"].user) == {modular["guests_only"].pk}
    assert list(modules_open_to(modular["professional"])) == [modular["offering"]]
    registered(modular)
    assert offerings_eligible_for(modular["professional"].user) == frozenset()
    assert list(modules_open_to(modular["professional"])) == []
    # A student still sees what students of partner institutions may take, the course included.
    assert modular["course_offering"].pk in offerings_eligible_for(modular["student"].user)
