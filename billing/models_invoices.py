"""Module-only learners' invoices: one per module registration, with the invoice data the learner gave when
registering and a payment status that the host's staff keep (there is no payment provider), with history."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["Invoice", "PaymentStatus", "PaymentStatusChange"]


class PaymentStatus(models.TextChoices):
    OPEN = "open", _("Awaiting payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled (not to be paid)")


class Invoice(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.OneToOneField(
        "enrolment.EnrolmentRequest", on_delete=models.PROTECT, related_name="invoice", verbose_name=_("registration")
    )
    learner = models.ForeignKey("accounts.StudentProfile", on_delete=models.PROTECT, related_name="invoices")
    # The host sends the invoice and keeps its payment status; kept here so its staff's list needs no join.
    host_institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount (EUR)"), max_digits=10, decimal_places=2)
    name = models.CharField(_("name on the invoice"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=16, blank=True)
    po_reference = models.CharField(_("purchase order reference"), max_length=60, blank=True)
    address = models.TextField(_("invoice address"), max_length=500)
    payment_status = models.CharField(
        _("payment status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.OPEN, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="invoice_amount_not_negative"),
            models.CheckConstraint(condition=~Q(name=""), name="invoice_has_a_name"),
        ]
        indexes = [models.Index(fields=["host_institution", "payment_status"], name="invoice_host_status_idx")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.amount} {self.payment_status}"


class PaymentStatusChange(models.Model):
    """The history of an invoice's payment status: who set what, when, and why."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="payment_history")
    from_status = models.CharField(max_length=10, choices=PaymentStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=PaymentStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("payment status change")
        verbose_name_plural = _("payment status changes")

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.from_status} → {self.to_status}"
