"""What privacy keeps itself: a record of every erasure (which the law asks to be able to show)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ErasureRecord(models.Model):
    """That an account was erased, when, and how many rows of each kind were deleted or pseudonymised. It
    points at the pseudonymised account and holds nothing that identifies the person."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasure")
    pseudonym = models.CharField(_("pseudonym"), max_length=32, unique=True)
    erased_at = models.DateTimeField(_("erased at"), auto_now_add=True)
    deleted = models.JSONField(_("rows deleted, per kind"), default=dict)
    pseudonymised = models.JSONField(_("rows pseudonymised, per kind"), default=dict)

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")

    def __str__(self) -> str:
        return f"{self.pseudonym} ({self.erased_at:%Y-%m-%d})"


class ConsentAnswer(models.Model):
    """A person's answer to the consent screen, for one version of its words (``privacy.consent``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_answers")
    version = models.CharField(_("version of the text"), max_length=32)
    agreed = models.BooleanField(_("agreed"))
    answered_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent answer")
        verbose_name_plural = _("consent answers")
        indexes = [models.Index(fields=["user", "version"], name="consent_user_version_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.version} {'agreed' if self.agreed else 'declined'}"
