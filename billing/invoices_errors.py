"""Errors of module registrations and invoices; messages are translatable constants the tests assert."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError

VAT_INVALID_MESSAGE = _(
    "This is not a valid VAT number. Write the country code and the number, e.g. NL123456789B01 "
    "(Dutch numbers: NL, nine digits, B, two digits)."
)
INVOICE_FIELD_REQUIRED_MESSAGE = _("This field is required.")
FIELD_TOO_LONG_MESSAGE = _("At most %(limit)s characters.")
INVOICE_DATA_MESSAGE = _("The invoice data is not complete or not valid: see the fields marked.")
NOT_A_MODULE_LEARNER_MESSAGE = _(
    "Only professionals and guests register for modules here; students enrol through their home institution."
)
INVOICE_NOT_FOUND_MESSAGE = _("No such invoice, or not one you may see.")
NOT_INVOICE_STAFF_MESSAGE = _("Only the host institution's admissions staff keep the payment status of its invoices.")
PAYMENT_STATUS_INVALID_MESSAGE = _("Choose a valid payment status.")
PAYMENT_STATUS_UNCHANGED_MESSAGE = _("The invoice already has this payment status.")


class InvoiceDataError(ApplicationError):
    """Invoice data that cannot be accepted; ``extra["fields"]`` maps each field to its message."""

    code = "invoice_data_invalid"


class NotAModuleLearnerError(PermissionDeniedError):
    code = "not_a_module_learner"

    def __init__(self):
        super().__init__(NOT_A_MODULE_LEARNER_MESSAGE)


class InvoiceNotFoundError(NotFoundError):
    code = "invoice_not_found"

    def __init__(self):
        super().__init__(INVOICE_NOT_FOUND_MESSAGE)


class NotInvoiceStaffError(PermissionDeniedError):
    code = "not_invoice_staff"

    def __init__(self):
        super().__init__(NOT_INVOICE_STAFF_MESSAGE)


class PaymentStatusError(ApplicationError):
    code = "payment_status_invalid"


class PaymentStatusUnchangedError(ConflictError):
    code = "payment_status_unchanged"

    def __init__(self):
        super().__init__(PAYMENT_STATUS_UNCHANGED_MESSAGE)
