"""Money in billing: ``Decimal`` only, and one rounding rule, written once."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def quantize_cents(amount: Decimal) -> Decimal:
    """Round ``amount`` to whole cents, a half cent away from zero (ROUND_HALF_UP): 0.005 → 0.01,
    0.0049 → 0.00, -0.005 → -0.01. The one rounding rule of billing: every amount a person sees, every
    stored amount and every exported amount has gone through here."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
