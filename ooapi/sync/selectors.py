"""Reads for the connection status page: one query per figure, whatever the number of messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from accounts.selectors import staff_institutions
from ooapi.models import Connection, OutboxMessage
from ooapi.sync.services import KIND_LABELS

Status = OutboxMessage.Status


@dataclass
class ConnectionStatus:
    connection: Connection
    pending: int = 0
    dead: int = 0
    delivered_24h: int = 0
    oldest_pending_at: dt.datetime | None = None
    dead_letters: list[OutboxMessage] = field(default_factory=list)
    waiting: list[OutboxMessage] = field(default_factory=list)


def connections_visible(*, user) -> QuerySet[Connection]:
    """Superusers see every connection; institution staff those of the institutions they hold a role at."""
    connections = Connection.objects.select_related("institution").order_by("institution__short_name")
    if user.is_superuser:
        return connections
    return connections.filter(institution__in=staff_institutions(user=user).values("pk"))


def connection_statuses(*, connections: list[Connection]) -> list[ConnectionStatus]:
    """Queue depth per connection: pending and dead counts, deliveries in the last 24 hours."""
    ids = [c.pk for c in connections]
    counts = {
        (row["connection_id"], row["status"]): row
        for row in OutboxMessage.objects.filter(connection_id__in=ids, status__in=(Status.PENDING, Status.DEAD))
        .values("connection_id", "status")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
    }
    since = timezone.now() - dt.timedelta(hours=24)
    delivered = dict(
        OutboxMessage.objects.filter(connection_id__in=ids, status=Status.DELIVERED, delivered_at__gte=since)
        .values("connection_id")
        .annotate(n=Count("pk"))
        .values_list("connection_id", "n")
    )
    statuses = []
    for connection in connections:
        pending = counts.get((connection.pk, Status.PENDING), {})
        dead = counts.get((connection.pk, Status.DEAD), {})
        statuses.append(
            ConnectionStatus(
                connection=connection,
                pending=pending.get("n", 0),
                dead=dead.get("n", 0),
                delivered_24h=delivered.get(connection.pk, 0),
                oldest_pending_at=pending.get("oldest"),
            )
        )
    return statuses


def _labelled(messages) -> list[OutboxMessage]:
    messages = list(messages)
    for message in messages:
        message.kind_label = KIND_LABELS.get(message.kind, message.kind)
    return messages


def connection_status(*, connection: Connection, limit: int = 100) -> ConnectionStatus:
    """One connection with its dead letters (newest first) and the oldest messages still pending."""
    status = connection_statuses(connections=[connection])[0]
    base = OutboxMessage.objects.filter(connection=connection).select_related("request")
    status.dead_letters = _labelled(base.filter(status=Status.DEAD).order_by("-dead_at", "-pk")[:limit])
    status.waiting = _labelled(base.filter(status=Status.PENDING).order_by("created_at", "pk")[:20])
    return status
