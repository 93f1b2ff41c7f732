"""Tuition per EC and the student's ledger (issue #16, own pace). The zone's statutory fee per academic year,
each institution's tuition policy (surcharge, whether a resit is charged again), and one ledger of signed
amounts per student. Amounts are ``Decimal`` cents (``billing.money``)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["StatutoryFee", "TuitionPolicy", "LedgerEntry"]


class StatutoryFee(models.Model):
    """The statutory annual tuition fee (wettelijk collegegeld) of one academic year, e.g. "2026-2027"."""

    academic_year = models.CharField(_("academic year"), max_length=20, unique=True, help_text=_("e.g. 2026-2027"))
    annual_fee = models.DecimalField(
        _("statutory annual fee (EUR)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["academic_year"]
        verbose_name = _("statutory annual fee")
        verbose_name_plural = _("statutory annual fees")
        constraints = [models.CheckConstraint(condition=Q(annual_fee__gte=0), name="statutory_fee_not_negative")]

    def __str__(self) -> str:
        return f"{self.academic_year}: € {self.annual_fee}"


class TuitionPolicy(models.Model):
    """An institution's own tuition terms for own-pace students: its surcharge on the statutory fee (capped by
    the zone, ``BILLING_SURCHARGE_CAP_PERCENT``) and whether a resit or second attempt is charged again."""

    institution = models.OneToOneField(
        "institutions.Institution", on_delete=models.CASCADE, related_name="tuition_policy"
    )
    surcharge_percent = models.DecimalField(
        _("surcharge (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("On top of the statutory fee per EC; the zone caps it."),
    )
    resit_charged = models.BooleanField(
        _("resits are charged again"), default=True, help_text=_("A resit or second attempt costs its EC again.")
    )

    class Meta:
        verbose_name = _("tuition policy")
        verbose_name_plural = _("tuition policies")
        constraints = [
            models.CheckConstraint(condition=Q(surcharge_percent__gte=0), name="tuition_surcharge_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.institution}: +{self.surcharge_percent}%"


class LedgerEntry(models.Model):
    """One signed amount on a student's account. Never edited or deleted: a mistake is put right by a
    correction that names the entry it corrects. The balance is the sum of the amounts."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Charge")
        CORRECTION = "correction", _("Correction")
        CREDIT = "credit", _("Credit")

    student = models.ForeignKey("accounts.StudentProfile", on_delete=models.PROTECT, related_name="ledger_entries")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=10, decimal_places=2)
    description = models.CharField(_("description"), max_length=300)
    # What posted it, e.g. "contract:12" or "resit:34": a charge is posted once per reference.
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        ordering = ["student", "pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="charge") | Q(amount__gt=0), name="ledger_charge_positive"),
            models.CheckConstraint(condition=~Q(kind="credit") | Q(amount__lt=0), name="ledger_credit_negative"),
            models.CheckConstraint(
                condition=~Q(kind="correction") | (Q(corrects__isnull=False) & ~Q(amount=0)),
                name="ledger_correction_names_entry",
            ),
            models.UniqueConstraint(
                fields=["student", "reference"],
                condition=Q(kind="charge") & ~Q(reference=""),
                name="ledger_charge_once_per_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
