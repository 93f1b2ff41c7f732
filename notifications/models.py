from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message in a user's notification centre (and, by preference, by email).

    ``source`` says what it is about, in the sender's own terms (e.g. ``enrolment.event:42``): a person gets
    one notification per source, so a redelivered task notifies nobody twice. ``kind`` and ``params`` are
    what its title is written from when it is shown, in the language of the page (``notifications.kinds``);
    ``link`` is a path in the portal.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    source = models.CharField(max_length=80)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Waiting for the recipient's daily digest (their preference when it was made); cleared when sent.
    digest_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["user", "source"], name="notification_once_per_source")]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notifications_unread_idx"),
            models.Index(fields=["user"], condition=models.Q(digest_pending=True), name="notifications_digest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class EmailDelivery(models.TextChoices):
    """When a person's notifications also go out by email."""

    IMMEDIATELY = "immediately", _("Email me at once")
    DAILY = "daily", _("Email me once a day, in one digest")
    OFF = "off", _("No email: only the notification centre")


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_delivery = models.CharField(
        _("email"), max_length=12, choices=EmailDelivery.choices, default=EmailDelivery.IMMEDIATELY
    )
    email_on_every_change = models.BooleanField(
        _("email at every change"), default=True, help_text=_("Off: email only for decisions that need you to act.")
    )

    class Meta:
        verbose_name = _("notification preference")

    def __str__(self) -> str:
        return f"{self.user_id}: email {self.email_delivery}"
