from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first answer to a client's ``Idempotency-Key``, replayed for a retry with the same key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return self.key


class SummaryMark(models.Model):
    """What a summary kept whole (``core.summaries.KeptSummary``) was last computed from, and when: one row."""

    signature = models.CharField(max_length=200)
    refreshed_at = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} as of {self.refreshed_at:%Y-%m-%d %H:%M:%S}"
