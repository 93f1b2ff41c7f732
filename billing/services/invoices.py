"""Module registrations with their invoice, and the payment status the host's staff keep.

A module-only learner's registration is an enrolment request of route modular without a home step
(``enrolment.services.requests.request_submit`` forwards it to the host through ``enrolment.flow``); this
service adds the invoice in the same transaction, so a registration never lacks its invoice and a refused
one leaves neither.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction

from accounts.models import StudentProfile
from billing.invoices_errors import (
    FIELD_TOO_LONG_MESSAGE,
    INVOICE_DATA_MESSAGE,
    INVOICE_FIELD_REQUIRED_MESSAGE,
    PAYMENT_STATUS_INVALID_MESSAGE,
    VAT_INVALID_MESSAGE,
    InvoiceDataError,
    InvoiceNotFoundError,
    NotAModuleLearnerError,
    NotInvoiceStaffError,
    PaymentStatusError,
    PaymentStatusUnchangedError,
)
from billing.invoices_vat import vat_is_valid, vat_normalise
from billing.models_invoices import Invoice, PaymentStatus, PaymentStatusChange
from core.i18n import lazy_format
from enrolment.permissions import HOST_ROLES, has_role
from enrolment.services.requests import request_submit
from institutions.routes import Route

LIMITS = {"name": 200, "organisation": 200, "vat_number": 16, "po_reference": 60, "address": 500}


@dataclass(frozen=True)
class InvoiceData:
    name: str
    address: str
    organisation: str = ""
    vat_number: str = ""
    po_reference: str = ""


def invoice_data_clean(data: InvoiceData) -> InvoiceData:
    """Trimmed and checked: a name and an address are required, lengths bounded, a VAT number (when given)
    has its country's format. Raises InvoiceDataError (400) with ``extra["fields"]``: every field's message."""
    values = {field: (getattr(data, field) or "").strip() for field in LIMITS}
    values["vat_number"] = vat_normalise(values["vat_number"])
    errors = {}
    for field in ("name", "address"):
        if not values[field]:
            errors[field] = INVOICE_FIELD_REQUIRED_MESSAGE
    for field, limit in LIMITS.items():
        if len(values[field]) > limit:
            errors[field] = lazy_format(FIELD_TOO_LONG_MESSAGE, limit=limit)
    if values["vat_number"] and not vat_is_valid(values["vat_number"]):
        errors["vat_number"] = VAT_INVALID_MESSAGE
    if errors:
        message = errors["vat_number"] if list(errors) == ["vat_number"] else INVOICE_DATA_MESSAGE
        raise InvoiceDataError(message, extra={"fields": {k: str(v) for k, v in errors.items()}})
    return InvoiceData(**values)


def module_register(*, user, offering_id, invoice: InvoiceData) -> Invoice:
    """A professional or guest registers for a module, with the data for its invoice.

    The invoice data is checked first (InvoiceDataError, 400); then, in one transaction, the enrolment
    request (route modular, no home step: its own checks, locks and errors, e.g. NotEligibleError for a
    module not open to the learner's kind, OfferingNotFoundError for an unknown id) and the invoice at the
    offering's module-only price, with its first history row. Raises NotAModuleLearnerError (403) for
    anyone who is not a module-only learner. All or nothing.
    """
    invoice = invoice_data_clean(invoice)
    profile = StudentProfile.objects.filter(user_id=user.pk).first() if user.is_authenticated else None
    if profile is None or not profile.is_module_only:
        raise NotAModuleLearnerError()
    with transaction.atomic():
        request = request_submit(user=user, offering_id=offering_id, route=Route.MODULAR, module_registration=True)
        row = Invoice.objects.create(
            request=request,
            learner=profile,
            host_institution_id=request.host_institution_id,
            # The eligibility rules refused an offering without a price, under the same locks.
            amount=request.offering.price_module_only,
            name=invoice.name,
            organisation=invoice.organisation,
            vat_number=invoice.vat_number,
            po_reference=invoice.po_reference,
            address=invoice.address,
        )
        PaymentStatusChange.objects.create(invoice=row, from_status="", to_status=PaymentStatus.OPEN, actor=user)
    return row


def invoice_payment_status_set(*, user, invoice_id, status: str, note: str = "") -> Invoice:
    """The host's admissions staff set the payment status of one of their institution's invoices (there is
    no payment provider), with a note; each change is kept in the history.

    Locks the invoice row. Raises InvoiceNotFoundError (404) for an unknown or malformed id,
    NotInvoiceStaffError (403) for anyone but admissions staff of the invoice's host (checked before the
    state), PaymentStatusError (400) for an unknown status, PaymentStatusUnchangedError (409) when it has
    that status already. Nothing is written on any error.
    """
    if status not in PaymentStatus.values:
        raise PaymentStatusError(PAYMENT_STATUS_INVALID_MESSAGE)
    note = (note or "").strip()[:500]
    with transaction.atomic():
        try:
            invoice = Invoice.objects.select_for_update().get(public_id=uuid.UUID(str(invoice_id)))
        except (Invoice.DoesNotExist, ValueError, TypeError, AttributeError):
            raise InvoiceNotFoundError() from None
        if not has_role(user, invoice.host_institution_id, *HOST_ROLES):
            raise NotInvoiceStaffError()
        if invoice.payment_status == status:
            raise PaymentStatusUnchangedError()
        PaymentStatusChange.objects.create(
            invoice=invoice, from_status=invoice.payment_status, to_status=status, actor=user, note=note
        )
        invoice.payment_status = status
        invoice.save(update_fields=["payment_status", "updated_at"])
    return invoice
