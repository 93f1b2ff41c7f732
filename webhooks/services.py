"""Every write of the webhooks: endpoints (register, enable or disable, delete, rotate the secret) and
replaying a delivery. Each checks, at object level, that the user is staff (any role) of the endpoint's
institution, and the object's state; bad input raises ``WebhookError`` before anything is written.

Acting for an institution takes an explicit staff role there (``accounts.selectors.staff_institutions``):
superusers see endpoints in the admin (and may switch one off), not here.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from accounts.selectors import staff_institutions
from core.i18n import lazy_format
from institutions.models import Institution
from ooapi.models import OutboxMessage, WebhookEndpoint
from ooapi.sync.webhooks import signing
from ooapi.sync.webhooks.outbox import endpoint_enqueue, endpoints_changed
from webhooks import errors
from webhooks.events import EVENTS

logger = logging.getLogger("webhooks")

MAX_ENDPOINTS = 10
_url = URLValidator(schemes=["http", "https"])


def may_manage(user, institution_id: int) -> bool:
    """Staff (any role) of the institution."""
    if not getattr(user, "is_authenticated", False):
        return False
    return staff_institutions(user=user).filter(pk=institution_id).exists()


def _require(user, institution_id: int) -> None:
    if not may_manage(user, institution_id):
        raise errors.NotStaffError()


def _clean_url(url) -> str:
    url = str(url or "").strip()
    try:
        _url(url)
    except ValidationError:
        raise errors.WebhookError(errors.BAD_URL_MESSAGE, code="webhook_bad_url") from None
    if len(url) > 500:
        raise errors.WebhookError(errors.BAD_URL_MESSAGE, code="webhook_bad_url")
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise errors.WebhookError(errors.URL_CREDENTIALS_MESSAGE, code="webhook_bad_url")
    return url


def _clean_events(events) -> list[str]:
    chosen = [str(event).strip() for event in (events or []) if str(event).strip()]
    if not chosen:
        raise errors.WebhookError(errors.NO_EVENTS_MESSAGE, code="webhook_no_events")
    unknown = sorted(set(chosen) - set(EVENTS))
    if unknown:
        raise errors.WebhookError(
            lazy_format(errors.UNKNOWN_EVENT_MESSAGE, events=", ".join(unknown)), code="webhook_unknown_event"
        )
    return [event for event in EVENTS if event in chosen]  # in the catalogue's order, once each


def endpoint_create(
    *, user, institution_id: int, url: str, events, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret, which is shown to the user this once."""
    _require(user, institution_id)
    url = _clean_url(url)
    chosen = _clean_events(events)
    description = str(description or "").strip()
    if len(description) > 200:
        raise errors.WebhookError(errors.TOO_LONG_MESSAGE, code="webhook_bad_description")
    with transaction.atomic():
        institution = Institution.objects.select_for_update().get(pk=institution_id)
        if WebhookEndpoint.objects.filter(institution=institution).count() >= MAX_ENDPOINTS:
            raise errors.WebhookError(lazy_format(errors.TOO_MANY_MESSAGE, max=MAX_ENDPOINTS), code="webhook_too_many")
        secret = signing.secret_new()
        endpoint = WebhookEndpoint.objects.create(
            institution=institution, url=url, events=chosen, description=description, secret=secret
        )
        endpoints_changed()
    logger.info("webhook endpoint %s registered by user %s", endpoint.pk, user.pk)
    return endpoint, secret


def _locked_endpoint(user, endpoint_id: int, institution_id: int | None = None) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None or (institution_id is not None and endpoint.institution_id != institution_id):
        raise errors.WebhookNotFoundError()
    _require(user, endpoint.institution_id)
    return endpoint


def endpoint_active_set(*, user, endpoint_id: int, active: bool, institution_id: int | None = None) -> WebhookEndpoint:
    """Enable or disable an endpoint. A disabled one gets no new events; what is pending waits for it
    (without using attempts), and goes out when it is enabled again."""
    with transaction.atomic():
        endpoint = _locked_endpoint(user, endpoint_id, institution_id)
        endpoint.is_active = bool(active)
        endpoint.save(update_fields=["is_active"])
        endpoints_changed()
        if endpoint.is_active:
            endpoint_pk = endpoint.pk
            transaction.on_commit(lambda: endpoint_enqueue([endpoint_pk]), robust=True)
    return endpoint


def endpoint_delete(*, user, endpoint_id: int, institution_id: int | None = None) -> None:
    """Delete an endpoint with its deliveries (pending ones are not sent)."""
    with transaction.atomic():
        endpoint = _locked_endpoint(user, endpoint_id, institution_id)
        endpoint.delete()
        endpoints_changed()
    logger.info("webhook endpoint %s deleted by user %s", endpoint_id, user.pk)


def endpoint_secret_rotate(*, user, endpoint_id: int, institution_id: int | None = None) -> tuple[WebhookEndpoint, str]:
    """A new secret, at once: every later attempt (also of older events) is signed with it. Returns it to be
    shown this once."""
    with transaction.atomic():
        endpoint = _locked_endpoint(user, endpoint_id, institution_id)
        secret = signing.secret_new()
        endpoint.secret = secret
        endpoint.secret_rotated_at = timezone.now()
        endpoint.save(update_fields=["secret", "secret_rotated_at"])
    logger.info("webhook endpoint %s secret rotated by user %s", endpoint.pk, user.pk)
    return endpoint, secret


def delivery_replay(*, user, message_id: int, institution_id: int | None = None) -> OutboxMessage:
    """Send a delivered or dead delivery again: a new attempt of the same event (same ``Webhook-Id`` and
    body) with a fresh count of attempts. Pending ones are on their way already: a conflict."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .filter(pk=message_id, endpoint__isnull=False)
            .first()
        )
        if message is None or (institution_id is not None and message.endpoint.institution_id != institution_id):
            raise errors.WebhookNotFoundError()
        _require(user, message.endpoint.institution_id)
        if message.status not in (OutboxMessage.Status.DELIVERED, OutboxMessage.Status.DEAD):
            raise errors.NotReplayableError()
        message.requeue()
        endpoint_id = message.endpoint_id
        transaction.on_commit(lambda: endpoint_enqueue([endpoint_id]), robust=True)
    logger.info("webhook delivery %s replayed by user %s", message.pk, user.pk)
    return message
