"""Settlement between institutions: the tariff a student's home institution pays the host per
cross-enrolment. What is owed is not stored: it is computed from the registered requests and these tariffs
by ``billing.selectors_settlement`` (see docs/billing.md, "Settlement")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import SummaryMark

__all__ = ["SettlementCell", "SettlementMark", "Tariff", "TariffBasis"]


class TariffBasis(models.TextChoices):
    PER_EC = "per_ec", _("Per EC")
    PER_MODULE = "per_module", _("Per course or module")


class Tariff(models.Model):
    """What ``payer`` (the student's home) pays ``payee`` (the host) for one cross-enrolment whose run starts
    between ``valid_from`` and ``valid_until`` (inclusive; no end date: open-ended). Without a tariff for a
    pair and date, nothing is owed. A tariff given for an academic year keeps its name in
    ``academic_year`` and the host's dates of that year in the date range.

    Periods of one pair never overlap: ``billing.services.settlement.tariff_create`` checks that under a lock
    on both institutions."""

    payer = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("paying institution")
    )
    payee = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("paid institution")
    )
    basis = models.CharField(_("basis"), max_length=10, choices=TariffBasis.choices)
    rate = models.DecimalField(_("rate (EUR)"), max_digits=10, decimal_places=2)
    academic_year = models.CharField(_("academic year"), max_length=20, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["payer__short_name", "payee__short_name", "valid_from"]
        verbose_name = _("settlement tariff")
        verbose_name_plural = _("settlement tariffs")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0), name="tariff_rate_not_negative"),
            models.CheckConstraint(condition=~Q(payer=F("payee")), name="tariff_between_two_institutions"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="tariff_validity_ordered",
            ),
        ]
        indexes = [models.Index(fields=["payer", "payee", "valid_from"], name="tariff_pair_idx")]

    def __str__(self) -> str:
        return f"{self.payer_id} → {self.payee_id}: {self.rate} {self.basis}"


class SettlementCell(models.Model):
    """What ``billing.selectors_settlement.pair_totals`` gives, kept per ordered pair and host period, for the
    dashboards: billable enrolments, EC, those without a tariff and the exact (unrounded) gross amount.

    Written only by ``billing.services.settlement_cells.settlement_cells_refresh``, which recomputes every
    cell from ``billable_requests`` (the one rule) whenever the requests' audit trail, the tariffs or the
    catalogue changed. The statements themselves are always computed live."""

    home = models.ForeignKey(
        "institutions.Institution", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    host = models.ForeignKey(
        "institutions.Institution", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    period = models.ForeignKey(
        "institutions.AcademicPeriod", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    billable = models.IntegerField()
    ec_total = models.DecimalField(max_digits=10, decimal_places=1)
    without_tariff = models.IntegerField()
    gross_exact = models.DecimalField(max_digits=20, decimal_places=4)

    def __str__(self) -> str:
        return f"{self.home_id} → {self.host_id} in period {self.period_id}: {self.gross_exact}"


class SettlementMark(SummaryMark):
    """What the kept cells were computed from (audit trail, tariffs, catalogue), and when (one row)."""
