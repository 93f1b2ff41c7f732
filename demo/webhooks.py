"""Demo webhooks: Utrecht University (approver.uu@ sees it) has one endpoint registered, for every event,
with a few deliveries to show on its page: three delivered and one dead letter (its receiver answered 503
until the outbox gave up), which staff can replay. Registered through the service, as staff would; the
deliveries are real outbox rows of real demo requests, their outcomes set as a worker would have left them.
Idempotent: an institution that has the demo endpoint keeps it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from enrolment.models import EnrolmentRequest
from institutions.models import Institution
from ooapi.models import OutboxMessage, WebhookEndpoint
from ooapi.sync.webhooks.outbox import webhook_event_write
from webhooks.events import EVENTS, REQUEST_SUBMITTED, institution_codes, request_data
from webhooks.services import endpoint_create

DEMO_URL = "https://hooks.uu.example.nl/flexportal"


def seed_webhooks(*, email, say=print) -> int:
    """Register the demo endpoint and its deliveries. Returns how many deliveries were written."""
    staff = User.objects.filter(email=email("approver.uu")).first()
    institution = Institution.objects.filter(code="uu").first()
    if staff is None or institution is None:
        return 0
    if WebhookEndpoint.objects.filter(institution=institution, url=DEMO_URL).exists():
        return 0
    endpoint, _secret = endpoint_create(
        user=staff,
        institution_id=institution.pk,
        url=DEMO_URL,
        events=list(EVENTS),
        description="Student information system (demo: nothing listens at this address)",
    )
    requests = list(EnrolmentRequest.objects.filter(home_institution=institution).exclude(submitted_at=None)[:4])
    now = timezone.now()
    written = 0
    with transaction.atomic():
        for index, request in enumerate(requests):
            codes = institution_codes(request.home_institution_id, request.host_institution_id)
            data = {"request": request_data(request, codes=codes), "from_status": "draft", "to_status": "submitted"}
            for message in webhook_event_write(
                institution_ids=[institution.pk], event=REQUEST_SUBMITTED, data=data, request=request
            ):
                if message.endpoint_id != endpoint.pk:
                    continue
                at = now - dt.timedelta(hours=len(requests) - index)
                if index < len(requests) - 1:
                    OutboxMessage.objects.filter(pk=message.pk).update(
                        status=OutboxMessage.Status.DELIVERED,
                        delivered_at=at,
                        response={"status_code": 200},
                        enqueued_at=None,
                    )
                else:
                    OutboxMessage.objects.filter(pk=message.pk).update(
                        status=OutboxMessage.Status.DEAD,
                        dead_at=at,
                        attempts=12,
                        response={"status_code": 503},
                        last_error="webhook_http_503: the endpoint answered HTTP 503. Service Unavailable",
                        enqueued_at=None,
                    )
                written += 1
    say(f"Demo webhooks: one endpoint for {institution.short_name}, {written} deliveries (one dead letter).")
    return written
