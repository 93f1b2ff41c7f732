"""Settlement between institutions: the tariff a student's home institution pays the host per
cross-enrolment. What is owed is not stored: it is computed from the registered requests and these tariffs
by ``billing.selectors_settlement`` (see docs/billing.md, "Settlement")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

__all__ = ["Tariff", "TariffBasis"]


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
