"""Results of courses taken at a host institution, with their corrections.

A result is never edited: a correction is a new row that names the one it replaces (``corrects``) and why.
The latest row of a request is its result; the older ones stay as its history.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from results.scales import SCALE_CHOICES


class Result(models.Model):
    class Source(models.TextChoices):
        PORTAL = "portal", _("Recorded in the portal")
        CSV = "csv", _("Imported from a CSV file")
        SYSTEM = "system", _("Reported by the host's own system")

    request = models.ForeignKey("enrolment.EnrolmentRequest", on_delete=models.PROTECT, related_name="results")
    scale = models.CharField(_("grade scale"), max_length=16, choices=SCALE_CHOICES)
    score = models.CharField(_("score"), max_length=8)
    passed = models.BooleanField(_("passed"))
    ec = models.DecimalField(_("EC earned"), max_digits=4, decimal_places=1)
    assessed_on = models.DateField(_("date"))
    examiner = models.CharField(_("examiner"), max_length=200, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.PORTAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by", verbose_name=_("corrects")
    )
    reason = models.TextField(_("reason for the correction"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["request", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ec__gte=0), name="result_ec_not_negative"),
            models.CheckConstraint(condition=models.Q(attempt__gte=1), name="result_attempt_from_one"),
            models.CheckConstraint(
                condition=models.Q(corrects__isnull=True) | ~models.Q(reason=""), name="result_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} ({self.scale})"

    @property
    def is_current(self) -> bool:
        return not hasattr(self, "corrected_by")
