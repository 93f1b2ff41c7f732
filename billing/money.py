"""The one rounding rule for money in the portal, written down once.

Amounts are ``Decimal`` from end to end (never ``float``). Intermediate products such as ``annual fee / 60 ×
EC × (1 + surcharge)`` keep their full precision; an amount is rounded to whole cents exactly once, by
``to_cents``, at the moment it becomes a ledger amount (a charge, correction or credit). ROUND_HALF_UP: half a
cent goes up (away from zero for a negative amount), as a person rounding by hand expects: 0.005 → 0.01,
-0.005 → -0.01. See docs/billing.md.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half up to whole cents: the one rounding point of every ledger amount."""
    if not isinstance(amount, Decimal):
        raise TypeError("money is Decimal, never float")
    # A wide precision: the default 28 digits would round a long intermediate before we quantise it.
    with localcontext() as context:
        context.prec = 60
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
