"""Demo settlement: tariffs between the institutions whose students the demo sends elsewhere, so the
statement of who owes whom has figures when the portal opens (coordinator@ sees the zone's, the staff of
Utrecht, Hogeschool Utrecht, the VU and the UvA their own). Set through the settlement service, as a zone
coordinator would. Idempotent: a pair that has a tariff keeps it.

Utrecht's students at the VU (Sanne's courses) pay per EC, at the UvA (the lottery) per course; Hogeschool
Utrecht's at the UvA per EC. A pair without a tariff (e.g. TU Delft's student, where registered) shows on the
statement as "no tariff: nothing owed"."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import User
from billing.models_settlement import Tariff, TariffBasis
from billing.selectors_settlement import current_academic_year, statement_build
from billing.services.settlement import tariff_create
from institutions.models import AcademicYear, Institution

# (payer = home, payee = host): (basis, rate in euros)
TARIFFS = {
    ("uu", "vu"): (TariffBasis.PER_EC, Decimal("41.25")),
    ("uu", "uva"): (TariffBasis.PER_MODULE, Decimal("350.00")),
    ("hu", "uva"): (TariffBasis.PER_EC, Decimal("27.50")),
    ("vu", "uu"): (TariffBasis.PER_EC, Decimal("39.80")),
}


def seed_settlement(*, email, say=print) -> int:
    """Set the demo's tariffs (open-ended from the host's first academic year). Returns how many were set."""
    coordinator = User.objects.filter(email=email("coordinator")).first()
    if coordinator is None:
        return 0
    institutions = Institution.objects.in_bulk({code for pair in TARIFFS for code in pair}, field_name="code")
    created = 0
    for (payer, payee), (basis, rate) in TARIFFS.items():
        if payer not in institutions or payee not in institutions:
            continue
        if Tariff.objects.filter(payer=institutions[payer], payee=institutions[payee]).exists():
            continue
        first_year = AcademicYear.objects.filter(institution=institutions[payee]).order_by("start_date").first()
        if first_year is None:
            continue
        tariff_create(
            user=coordinator,
            payer_id=institutions[payer].pk,
            payee_id=institutions[payee].pk,
            basis=basis,
            rate=rate,
            valid_from=first_year.start_date,
        )
        created += 1
    year = current_academic_year()
    statement = statement_build(year=year)
    say(
        f"Demo settlement {year}: {len(statement.rows)} pairs, {statement.enrolments} billable enrolments, "
        f"EUR {statement.total} owed (coordinator@ sees the zone's statement)."
    )
    return created
