"""Errors of tuition and the ledger: each says what was wrong and what to do instead, in the user's language."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, NotFoundError

SURCHARGE_OVER_CAP = _("A surcharge of %(surcharge)s%% is over the zone's cap of %(cap)s%%.")
SURCHARGE_NEGATIVE = _("A surcharge cannot be negative.")
NO_STATUTORY_FEE = _("No statutory annual fee is set for academic year %(year)s; the tuition cannot be computed yet.")
EC_NOT_WHOLE = _("Contract EC must be a whole number.")
EC_NOT_POSITIVE = _("Contract EC must be more than zero.")
AMOUNT_ZERO = _("An amount of zero changes nothing; nothing was posted.")
CHARGE_NOT_POSITIVE = _("A charge must be a positive amount.")
CREDIT_NOT_POSITIVE = _("Give a credit as a positive amount; it is taken off the balance.")
CORRECTS_OTHER_STUDENT = _("A correction can only correct an entry on the same student's ledger.")


class TuitionError(ApplicationError):
    code = "invalid_tuition"


class LedgerError(ApplicationError):
    code = "invalid_ledger_entry"


class LedgerEntryNotFoundError(NotFoundError):
    code = "ledger_entry_not_found"

    def __init__(self):
        super().__init__(_("No such ledger entry."))
