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
