"""What billing keeps about people (``core.privacy``)."""

from django.utils.translation import gettext_lazy as _

from core.privacy import PSEUDONYMISE, personal_data

personal_data(
    "billing.LedgerEntry",
    about=("student__user", "posted_by"),
    erasure=PSEUDONYMISE,
    why=_("Your ledger: tuition charged, corrections and credits. Institutions must keep their accounts."),
)
personal_data(
    "billing.Tariff",
    about=("created_by",),
    erasure=PSEUDONYMISE,
    why=_("Settlement tariffs you set between two institutions."),
)
personal_data(
    "billing.Invoice",
    about=("learner__user",),
    erasure=PSEUDONYMISE,
    why=_(
        "Invoices for the modules you registered for, with the invoice data you gave. Tax law makes the host "
        "keep an invoice as it was issued for seven years, so erasure leaves them as they are."
    ),
)
personal_data(
    "billing.PaymentStatusChange",
    about=("invoice__learner__user", "actor"),
    erasure=PSEUDONYMISE,
    why=_("The history of your invoices' payment status."),
)
