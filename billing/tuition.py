"""Tuition per EC, computed: the statutory annual fee of the academic year / 60 × EC, plus the institution's
surcharge (capped by the zone). Pure reads and arithmetic; writes are in ``billing.services.tuition``.

The whole amount is rounded once, by ``billing.money.to_cents``, never a per-EC price first (that would let
rounding errors grow with the EC)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from billing.models_tuition import StatutoryFee, TuitionPolicy
from billing.money import to_cents
from billing.tuition_errors import (
    EC_NOT_POSITIVE,
    EC_NOT_WHOLE,
    NO_STATUTORY_FEE,
    SURCHARGE_NEGATIVE,
    SURCHARGE_OVER_CAP,
    TuitionError,
)
from core.i18n import lazy_format

EC_PER_YEAR = Decimal("60")
DEFAULT_SURCHARGE_CAP = Decimal("15")


def surcharge_cap() -> Decimal:
    """The zone's cap on an institution's surcharge, in percent (setting ``BILLING_SURCHARGE_CAP_PERCENT``)."""
    return Decimal(str(getattr(settings, "BILLING_SURCHARGE_CAP_PERCENT", DEFAULT_SURCHARGE_CAP)))


def surcharge_check(percent: Decimal) -> Decimal:
    """``percent`` if the zone allows it; TuitionError otherwise."""
    percent = Decimal(percent)
    if percent < 0:
        raise TuitionError(SURCHARGE_NEGATIVE, code="surcharge_negative")
    cap = surcharge_cap()
    if percent > cap:
        raise TuitionError(
            lazy_format(SURCHARGE_OVER_CAP, surcharge=_plain(percent), cap=_plain(cap)), code="surcharge_over_cap"
        )
    return percent


def whole_ec(ec) -> int:
    """Contracted EC as a whole positive number, or TuitionError saying why not."""
    ec = Decimal(str(ec))
    if ec != ec.to_integral_value():
        raise TuitionError(EC_NOT_WHOLE, code="ec_not_whole")
    if ec <= 0:
        raise TuitionError(EC_NOT_POSITIVE, code="ec_not_positive")
    return int(ec)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def policy_for(institution) -> TuitionPolicy:
    """The institution's policy, or the zone's default (no surcharge, resits charged) when it set none."""
    policy = TuitionPolicy.objects.filter(institution=institution).first()
    return policy or TuitionPolicy(institution=institution)


def annual_fee(academic_year: str) -> Decimal:
    fee = StatutoryFee.objects.filter(academic_year=academic_year).values_list("annual_fee", flat=True).first()
    if fee is None:
        raise TuitionError(lazy_format(NO_STATUTORY_FEE, year=academic_year), code="no_statutory_fee")
    return fee


@dataclass(frozen=True)
class Quote:
    """What ``ec`` EC cost in one academic year at one institution, with its parts for the student to read."""

    academic_year: str
    annual_fee: Decimal
    surcharge_percent: Decimal
    ec: Decimal
    resit_ec: Decimal
    resit_charged: bool

    @property
    def per_ec_exact(self) -> Decimal:
        return self.annual_fee / EC_PER_YEAR * (1 + self.surcharge_percent / 100)

    @property
    def per_ec(self) -> Decimal:
        """The price of one EC, rounded for display only (amounts are never built from it)."""
        return to_cents(self.per_ec_exact)

    @property
    def contract_amount(self) -> Decimal:
        return amount_for(self.annual_fee, self.surcharge_percent, self.ec)

    @property
    def resit_amount(self) -> Decimal:
        if not self.resit_charged or not self.resit_ec:
            return to_cents(Decimal("0"))
        return amount_for(self.annual_fee, self.surcharge_percent, self.resit_ec)

    @property
    def total(self) -> Decimal:
        return self.contract_amount + self.resit_amount


def amount_for(annual: Decimal, surcharge_percent: Decimal, ec: Decimal) -> Decimal:
    """annual / 60 × EC × (1 + surcharge / 100), rounded to cents once (the one rule of ``billing.money``)."""
    return to_cents(annual * Decimal(ec) * (100 + surcharge_percent) / (EC_PER_YEAR * 100))


def tuition_quote(*, institution, academic_year: str, ec, resit_ec=Decimal("0")) -> Quote:
    """The tuition of ``ec`` contracted EC (and ``resit_ec`` EC of resits) in ``academic_year``.
    Raises TuitionError when the year has no statutory fee."""
    policy = policy_for(institution)
    return Quote(
        academic_year=academic_year,
        annual_fee=annual_fee(academic_year),
        surcharge_percent=policy.surcharge_percent,
        ec=Decimal(ec),
        resit_ec=Decimal(resit_ec),
        resit_charged=policy.resit_charged,
    )
