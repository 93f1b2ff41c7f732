"""Reads for the webhooks' staff pages, always for one institution whose staff the user is."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.selectors import staff_institutions
from institutions.models import Institution
from ooapi.models import OutboxMessage, WebhookEndpoint
from ooapi.sync.webhooks.outbox import event_of

Status = OutboxMessage.Status


def webhook_institutions(*, user) -> QuerySet[Institution]:
    """The institutions whose webhooks the user manages (staff, any role)."""
    if not getattr(user, "is_authenticated", False):
        return Institution.objects.none()
    return staff_institutions(user=user)


def endpoints_of(*, institution: Institution) -> list[WebhookEndpoint]:
    """The institution's endpoints with their delivery counts per status (one query)."""
    return list(
        WebhookEndpoint.objects.filter(institution=institution)
        .annotate(
            delivered=Count("deliveries", filter=Q(deliveries__status=Status.DELIVERED)),
            pending=Count("deliveries", filter=Q(deliveries__status=Status.PENDING)),
            dead=Count("deliveries", filter=Q(deliveries__status=Status.DEAD)),
        )
        .order_by("pk")
    )


def deliveries_of(*, endpoint: WebhookEndpoint, status: str = "", limit: int = 100) -> list[OutboxMessage]:
    """The endpoint's deliveries, newest first, each with its event type as ``event``."""
    rows = OutboxMessage.objects.filter(endpoint=endpoint).order_by("-created_at", "-pk")
    if status in Status.values:
        rows = rows.filter(status=status)
    found = list(rows[:limit])
    for row in found:
        row.event = event_of(row)
        row.status_code = (row.response or {}).get("status_code") if isinstance(row.response, dict) else None
    return found
