"""Webhooks, issue #21 "Must show", on a real Celery worker and beat (the outbox's own test processes) and a
real HTTP receiver on a free local port:

- signed deliveries: the receiver checks each signature with its own code, written from docs/webhooks.md;
- a forged or tampered delivery fails that check;
- a receiver that is down: retries with backoff, then a dead letter; a staff replay from the page delivers
  the same event (same id, same body) once the receiver is back.
"""

from __future__ import annotations

import json
import time

from django.test import Client

from enrolment.services.requests import request_submit
from ooapi.models import OutboxMessage, WebhookEndpoint
from tests.ooapi_sync.conftest import sync_processes, wait_until
from tests.webhooks.receiver import Receiver, free_port, verify
from webhooks import services
from webhooks.events import REQUEST_SUBMITTED

Dead, Pending, Delivered = OutboxMessage.Status.DEAD, OutboxMessage.Status.PENDING, OutboxMessage.Status.DELIVERED


def _register(zone, url: str) -> tuple[WebhookEndpoint, str]:
    return services.endpoint_create(
        user=zone.home_staff, institution_id=zone.home.pk, url=url, events=[REQUEST_SUBMITTED]
    )


def test_signed_deliveries_reach_a_real_receiver(committed_zone, sync_config, receiver, tmp_path):
    zone = committed_zone
    endpoint, secret = _register(zone, receiver.url)
    with sync_processes(tmp_path, sync_config) as processes:
        requests = [request_submit(user=s.user, offering_id=zone.offering.pk) for s in zone.students]
        wait_until(lambda: len(receiver.copies()) >= 3, what="three deliveries", processes=processes)
        wait_until(
            lambda: OutboxMessage.objects.filter(endpoint=endpoint, status=Delivered).count() == 3,
            what="three rows delivered",
            processes=processes,
        )
    got = receiver.copies()
    assert len(got) == 3  # each event once
    ids = set()
    for copy in got:
        assert copy.path == "/hooks"
        assert verify(secret=secret, headers=copy.headers, body=copy.body), copy.headers
        assert copy.headers["Content-Type"] == "application/json"
        assert copy.headers["Webhook-Event"] == REQUEST_SUBMITTED
        body = json.loads(copy.body)
        assert body["id"] == copy.headers["Webhook-Id"] and body["type"] == REQUEST_SUBMITTED
        assert body["institution"] == zone.home.code
        ids.add(body["data"]["request"]["public_id"])
    assert ids == {str(r.public_id) for r in requests}
    for message in OutboxMessage.objects.filter(endpoint=endpoint):
        assert message.response == {"status_code": 200} and message.attempts == 0
    # A forged signature (another secret), a tampered body, a replayed old timestamp: the check refuses each.
    copy = got[0]
    assert not verify(secret="whsec_" + "x" * 43, headers=copy.headers, body=copy.body)
    assert not verify(secret=secret, headers=copy.headers, body=copy.body.replace(b'"request.', b'"requesT.'))
    forged = {**copy.headers, "Webhook-Signature": "v1=" + "0" * 64}
    assert not verify(secret=secret, headers=forged, body=copy.body)
    later = int(copy.headers["Webhook-Timestamp"]) + 3600
    assert not verify(secret=secret, headers=copy.headers, body=copy.body, now=later)
    # The control: the untouched copy passes the same check at that moment.
    assert verify(secret=secret, headers=copy.headers, body=copy.body, now=int(copy.headers["Webhook-Timestamp"]))


def test_a_receiver_that_is_down_gets_retries_then_a_dead_letter_then_a_replay(committed_zone, sync_config, tmp_path):
    zone = committed_zone
    port = free_port()  # nothing listens here yet: the receiver is down
    receiver = Receiver(port=port, status=503)
    endpoint, secret = _register(zone, receiver.url)
    with sync_processes(tmp_path, sync_config) as processes:
        started = time.monotonic()
        request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
        message = wait_until(
            lambda: OutboxMessage.objects.filter(endpoint=endpoint, status=Dead).first(),
            what="a dead letter",
            processes=processes,
        )
        took = time.monotonic() - started
        assert message.attempts == sync_config["max_attempts"] == 3
        assert message.last_error.startswith("webhook_unreachable"), message.last_error
        assert message.response == {"status_code": None}
        assert took > 0.2  # backoff between the attempts (0.1 s at least each, with jitter)

        # Up, but failing: 503 is transient too. Staff replay; it retries and dies again, with the code.
        receiver.start()
        try:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(zone.home_staff)
            page = client.get(f"/webhooks/{zone.home.code}/endpoints/{endpoint.pk}/").content.decode()
            assert f'data-delivery="{message.pk}" data-status="dead"' in page
            answer = client.post(f"/webhooks/{zone.home.code}/deliveries/{message.pk}/replay/")
            assert answer.status_code == 302
            wait_until(
                lambda: (
                    OutboxMessage.objects.filter(pk=message.pk, status=Dead, attempts=3).exists()
                    and len(receiver.copies()) >= 3
                ),
                timeout=60,
                what="a dead letter after three 503s",
                processes=processes,
            )
            failed = OutboxMessage.objects.get(pk=message.pk)
            assert failed.response == {"status_code": 503} and failed.last_error.startswith("webhook_http_503")
            assert len(receiver.copies()) == 3

            # The receiver is fixed: a replay delivers the same event, same id and body, newly signed.
            receiver.status = 200
            answer = client.post(f"/webhooks/{zone.home.code}/deliveries/{message.pk}/replay/")
            assert answer.status_code == 302
            wait_until(
                lambda: OutboxMessage.objects.filter(pk=message.pk, status=Delivered).exists(),
                timeout=60,
                what="the replay delivered",
                processes=processes,
            )
        finally:
            receiver.stop()
    copies = receiver.copies()
    assert len(copies) == 4
    assert {c.headers["Webhook-Id"] for c in copies} == {str(message.idempotency_key)}
    assert len({c.body for c in copies}) == 1  # the same bytes every time
    assert all(verify(secret=secret, headers=c.headers, body=c.body) for c in copies)
    delivered = OutboxMessage.objects.get(pk=message.pk)
    assert delivered.response == {"status_code": 200} and delivered.last_error == ""
    page = client.get(f"/webhooks/{zone.home.code}/endpoints/{endpoint.pk}/").content.decode()
    assert f'data-delivery="{message.pk}" data-status="delivered"' in page
