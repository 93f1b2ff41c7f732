"""Connected institutions: how the portal reaches their OOAPI v5 endpoint, what it imported, and the
outbox of messages that must reach them."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField


class DeliveryTarget(models.Model):
    """What a delivery target keeps of its circuit breaker and status (``ooapi.sync.circuit``): an institution's
    OOAPI connection and a webhook endpoint alike."""

    class Circuit(models.TextChoices):
        CLOSED = "closed", _("Closed (calls go through)")
        OPEN = "open", _("Open (peer is down; calls paused)")
        HALF_OPEN = "half_open", _("Half-open (one trial call)")

    circuit = models.CharField(max_length=10, choices=Circuit.choices, default=Circuit.CLOSED, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    circuit_opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Connection(DeliveryTarget):
    """The OOAPI v5 endpoint of one connected institution, with its credentials (encrypted at rest)."""

    class AuthMethod(models.TextChoices):
        NONE = "none", _("None")
        BEARER = "bearer", _("Bearer token")
        CLIENT_CREDENTIALS = "client_credentials", _("OAuth2 client credentials")

    institution = models.OneToOneField(
        "institutions.Institution", on_delete=models.CASCADE, related_name="ooapi_connection"
    )
    base_url = models.URLField(_("OOAPI base URL"), help_text=_("e.g. https://ooapi.example.nl/v5"))
    auth_method = models.CharField(
        _("authentication"), max_length=20, choices=AuthMethod.choices, default=AuthMethod.CLIENT_CREDENTIALS
    )
    token_url = models.URLField(_("token URL"), blank=True)
    client_id = models.CharField(_("client id"), max_length=200, blank=True)
    client_secret = EncryptedTextField(_("client secret"), blank=True)
    bearer_token = EncryptedTextField(_("bearer token"), blank=True)
    consumer_key = models.CharField(_("consumer key"), max_length=50, blank=True, default="eduxchange")
    connect_timeout = models.FloatField(_("connect timeout (s)"), default=3.0)
    read_timeout = models.FloatField(_("read timeout (s)"), default=10.0)
    poll_interval_seconds = models.PositiveIntegerField(_("poll interval (s)"), default=60)
    import_interval_minutes = models.PositiveIntegerField(_("catalogue import interval (min)"), default=360)
    max_response_bytes = models.PositiveIntegerField(_("largest response accepted (bytes)"), default=20 * 1024 * 1024)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("OOAPI connection")
        verbose_name_plural = _("OOAPI connections")

    def __str__(self) -> str:
        return f"{self.institution} → {self.base_url}"


class ImportRun(models.Model):
    """One catalogue import from a connected institution, with what it did and why it skipped things."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="imports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages_done = models.PositiveIntegerField(default=0)
    items_seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    archived = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True, help_text=_("What was skipped, item by item, and why."))
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")

    def __str__(self) -> str:
        return f"{self.connection.institution} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class OutboxMessage(models.Model):
    """A call that must reach a connected institution, written in the same transaction as the change
    that needs it. The dispatcher delivers it at least once; ``idempotency_key`` makes that exactly-once
    at the peer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("Dead letter")

    # The target: an institution's OOAPI connection, or one of its webhook endpoints (exactly one).
    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, null=True, blank=True, related_name="outbox")
    endpoint = models.ForeignKey(
        "WebhookEndpoint", on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    request = models.ForeignKey(
        "enrolment.EnrolmentRequest", on_delete=models.CASCADE, null=True, blank=True, related_name="outbox_messages"
    )
    kind = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    # When the row was last handed to delivery (written due now, or retried by staff); cleared with each
    # outcome. Delivery tasks are per connection and coalesced (``ooapi.sync.dispatcher``).
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(connection__isnull=False, endpoint__isnull=True)
                | models.Q(connection__isnull=True, endpoint__isnull=False),
                name="outbox_one_target",
            )
        ]

    def __str__(self) -> str:
        target = self.connection.institution if self.connection_id else self.endpoint
        return f"{self.kind} → {target} ({self.status})"

    def requeue(self) -> None:
        """Pending again and due now, with a fresh count of attempts and the same idempotency key: staff retrying
        a dead letter (``ooapi.sync.services``) or replaying a webhook delivery (``webhooks.services``). The
        caller holds the row's lock and queues the delivery task after commit."""
        now = timezone.now()
        self.status = self.Status.PENDING
        self.attempts = 0
        self.next_attempt_at = now
        self.enqueued_at = now
        self.dead_at = None
        self.delivered_at = None
        self.save(update_fields=["status", "attempts", "next_attempt_at", "enqueued_at", "dead_at", "delivered_at"])


class WebhookEndpoint(DeliveryTarget):
    """An institution's HTTP(S) endpoint for webhooks: the events it chose, and the secret that signs each
    delivery (encrypted at rest, like a connection's credentials; shown to staff once). Deliveries are outbox
    messages (``OutboxMessage.endpoint``), delivered by ``ooapi.sync.webhooks.dispatcher`` with the outbox's
    retries, dead letters and circuit breaker (kept on this row, as ``Connection`` keeps its own)."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("endpoint URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = EncryptedTextField(_("signing secret"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    connect_timeout = models.FloatField(default=3.0)
    read_timeout = models.FloatField(default=10.0)

    class Meta:
        ordering = ["institution", "pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return f"{self.institution} → {self.url}"


class ProviderClient(models.Model):
    """An OAuth2 client (client credentials) of the portal's own OOAPI v5 provider, acting for one
    institution. It sees public catalogue data of every institution, everything of its own, and
    associations and persons only where its institution is involved (``ooapi.provider.selectors``)."""

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="ooapi_client"
    )
    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="ooapi_clients")
    scopes = models.CharField(
        _("scopes"),
        max_length=200,
        default="ooapi.read",
        help_text=_("Space-separated scopes this client may ask for."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["institution", "pk"]
        verbose_name = _("OOAPI provider client")
        verbose_name_plural = _("OOAPI provider clients")

    def __str__(self) -> str:
        return f"{self.institution} · {self.application.name}"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class AssociationResult(models.Model):
    """What one institution's system reported about an association (an enrolment request) through
    ``PATCH /ooapi/v5/associations/{id}``: its own state of the enrolment (``remoteState``) and, from
    the host, the result. One row per request and reporting institution."""

    class RemoteState(models.TextChoices):
        PENDING = "pending", _("Pending")
        ASSOCIATED = "associated", _("Associated")
        QUEUED = "queued", _("Queued")
        DENIED = "denied", _("Denied")
        CANCELED = "canceled", _("Canceled")

    request = models.ForeignKey("enrolment.EnrolmentRequest", on_delete=models.CASCADE, related_name="ooapi_results")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+")
    remote_state = models.CharField(_("remote state"), max_length=10, choices=RemoteState.choices, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    updated_by = models.ForeignKey(ProviderClient, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reported association state and result")
        verbose_name_plural = _("reported association states and results")
        constraints = [
            models.UniqueConstraint(fields=["request", "institution"], name="one_association_report_per_institution")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} · {self.institution_id}: {self.remote_state or '-'}"
