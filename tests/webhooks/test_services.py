"""Endpoints and events without a worker: bad input writes nothing, authorisation on its three axes (role,
institution, state), and which institution an event reaches, in the transaction of the change."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from core.errors import ConflictError
from enrolment.services.approval import home_approve
from enrolment.services.requests import request_submit, request_withdraw
from ooapi.models import OutboxMessage, WebhookEndpoint
from ooapi.sync.services import outbox_message_retry
from ooapi.sync.webhooks.dispatcher import endpoint_deliver
from ooapi.sync.webhooks.outbox import body_bytes
from webhooks import errors, services
from webhooks.events import CREDENTIAL_ISSUED, REQUEST_CANCELLED, REQUEST_DECIDED, REQUEST_SUBMITTED, RESULT_RECORDED

ALL = [REQUEST_SUBMITTED, REQUEST_DECIDED, REQUEST_CANCELLED, RESULT_RECORDED, CREDENTIAL_ISSUED]


def _endpoint(zone, institution, user, events=ALL, url="https://hooks.example.nl/in"):
    endpoint, secret = services.endpoint_create(user=user, institution_id=institution.pk, url=url, events=events)
    return endpoint, secret


def test_staff_registers_an_endpoint_and_gets_its_secret_once(zone):
    endpoint, secret = _endpoint(zone, zone.home, zone.home_staff)
    assert secret.startswith("whsec_") and len(secret) > 40
    endpoint.refresh_from_db()
    assert endpoint.secret == secret  # stored (encrypted at rest) so the portal can sign
    assert endpoint.events == ALL
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(zone.home_staff)
    page = client.get(f"/webhooks/{zone.home.code}/endpoints/{endpoint.pk}/").content.decode()
    assert "hooks.example.nl" in page and secret not in page  # never shown again


@pytest.mark.parametrize(
    ("url", "events", "code"),
    [
        ("not a url", [REQUEST_SUBMITTED], "webhook_bad_url"),
        ("ftp://hooks.example.nl/in", [REQUEST_SUBMITTED], "webhook_bad_url"),
        ("https://user:pw@hooks.example.nl/in", [REQUEST_SUBMITTED], "webhook_bad_url"),
        ("https://hooks.example.nl/in", [], "webhook_no_events"),
        ("https://hooks.example.nl/in", ["request.submitted", "request.exploded"], "webhook_unknown_event"),
    ],
)
def test_bad_input_is_refused_clearly_and_writes_nothing(zone, url, events, code):
    with pytest.raises(errors.WebhookError) as refused:
        services.endpoint_create(user=zone.home_staff, institution_id=zone.home.pk, url=url, events=events)
    assert refused.value.code == code
    assert not WebhookEndpoint.objects.exists()
    with translation.override("en"):
        assert str(refused.value.message)


def test_the_page_shows_the_error_and_writes_nothing(zone):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(zone.home_staff)
    answer = client.post(
        f"/webhooks/{zone.home.code}/", {"url": "https://hooks.example.nl/in", "events": ["request.exploded"]}
    )
    assert answer.status_code == 400
    assert "Unknown event: request.exploded." in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()
    answer = client.post(f"/webhooks/{zone.home.code}/", {"url": "javascript:alert(1)", "events": [REQUEST_SUBMITTED]})
    assert answer.status_code == 400 and "Enter the full address" in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_role_axis_only_staff_manage_webhooks(zone):
    student = zone.students[0].user
    with pytest.raises(errors.NotStaffError):
        services.endpoint_create(
            user=student, institution_id=zone.home.pk, url="https://a.example.nl/", events=[REQUEST_SUBMITTED]
        )
    endpoint, _ = _endpoint(zone, zone.home, zone.home_staff)
    for act in (
        lambda: services.endpoint_secret_rotate(user=student, endpoint_id=endpoint.pk),
        lambda: services.endpoint_active_set(user=student, endpoint_id=endpoint.pk, active=False),
        lambda: services.endpoint_delete(user=student, endpoint_id=endpoint.pk),
    ):
        with pytest.raises(errors.NotStaffError):
            act()
    endpoint.refresh_from_db()
    assert endpoint.is_active and WebhookEndpoint.objects.count() == 1


def test_institution_axis_other_institutions_endpoint_is_refused(zone):
    endpoint, secret = _endpoint(zone, zone.home, zone.home_staff)
    with pytest.raises(errors.NotStaffError):
        services.endpoint_create(
            user=zone.other_staff, institution_id=zone.home.pk, url="https://a.example.nl/", events=[REQUEST_SUBMITTED]
        )
    with pytest.raises(errors.NotStaffError):
        services.endpoint_secret_rotate(user=zone.other_staff, endpoint_id=endpoint.pk)
    with pytest.raises(errors.NotStaffError):
        services.endpoint_delete(user=zone.other_staff, endpoint_id=endpoint.pk)
    # Through the other institution's own pages: not found there, nothing changes.
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(zone.other_staff)
    assert client.get(f"/webhooks/{zone.home.code}/").status_code == 403
    assert client.post(f"/webhooks/{zone.other.code}/endpoints/{endpoint.pk}/delete/").status_code == 404
    assert client.post(f"/webhooks/{zone.other.code}/endpoints/{endpoint.pk}/rotate/").status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.secret == secret and WebhookEndpoint.objects.count() == 1
    # The host's staff are staff of another institution too.
    assert not services.may_manage(zone.host_staff, zone.home.pk)


def test_state_axis_only_delivered_or_dead_deliveries_are_replayed(zone):
    _endpoint(zone, zone.home, zone.home_staff)
    request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
    message = OutboxMessage.objects.get(endpoint__isnull=False)
    assert message.status == OutboxMessage.Status.PENDING
    with pytest.raises(errors.NotReplayableError):
        services.delivery_replay(user=zone.home_staff, message_id=message.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.DEAD, attempts=3)
    with pytest.raises(errors.NotStaffError):
        services.delivery_replay(user=zone.other_staff, message_id=message.pk)
    replayed = services.delivery_replay(user=zone.home_staff, message_id=message.pk)
    assert replayed.status == OutboxMessage.Status.PENDING and replayed.attempts == 0
    assert replayed.idempotency_key == message.idempotency_key  # same event id


def test_events_reach_only_the_institutions_they_concern(zone):
    home_endpoint, _ = _endpoint(zone, zone.home, zone.home_staff)
    host_endpoint, _ = _endpoint(zone, zone.host, zone.host_staff)
    other_endpoint, _ = _endpoint(zone, zone.other, zone.other_staff)
    only_results, _ = _endpoint(zone, zone.home, zone.home_staff, events=[RESULT_RECORDED])
    request = request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
    kinds = lambda endpoint: list(  # noqa: E731
        OutboxMessage.objects.filter(endpoint=endpoint).order_by("pk").values_list("kind", flat=True)
    )
    # Submitted: the home only (the host has the request once the home approved it).
    assert kinds(home_endpoint) == ["webhook:request.submitted"]
    assert kinds(host_endpoint) == [] and kinds(other_endpoint) == [] and kinds(only_results) == []
    home_approve(user=zone.home_staff, request_id=request.pk)  # first come, first served: admitted at once
    assert kinds(home_endpoint)[1:] == ["webhook:request.decided"] * 2  # home approved, admitted
    assert kinds(host_endpoint) == ["webhook:request.decided"] * 2
    decisions = [m.payload["body"]["data"]["to_status"] for m in OutboxMessage.objects.filter(endpoint=host_endpoint)]
    assert sorted(decisions) == ["admitted", "home_approved"]
    request_withdraw(user=zone.students[0].user, request_id=request.pk)
    assert kinds(home_endpoint)[-1] == kinds(host_endpoint)[-1] == "webhook:request.cancelled"
    assert kinds(other_endpoint) == [] and kinds(only_results) == []
    # The payload is minimal: ids, states and times, no name or email.
    message = OutboxMessage.objects.filter(endpoint=host_endpoint).last()
    body = message.payload["body"]
    assert body["id"] == str(message.idempotency_key) and body["type"] == REQUEST_CANCELLED
    assert body["institution"] == zone.host.code
    assert body["data"]["request"]["public_id"] == str(request.public_id)
    assert body["data"]["to_status"] == "withdrawn"
    student = zone.students[0].user
    text = body_bytes(message.payload).decode()
    assert student.email not in text and (not student.last_name or student.last_name not in text)


def test_a_disabled_endpoint_gets_nothing_and_a_rolled_back_change_writes_nothing(zone):
    endpoint, _ = _endpoint(zone, zone.home, zone.home_staff)
    with pytest.raises(RuntimeError), transaction.atomic():
        request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
        assert OutboxMessage.objects.filter(endpoint=endpoint).count() == 1  # written in the change's transaction
        raise RuntimeError("roll back")
    assert not OutboxMessage.objects.filter(endpoint=endpoint).exists()
    services.endpoint_active_set(user=zone.home_staff, endpoint_id=endpoint.pk, active=False)
    request_submit(user=zone.students[1].user, offering_id=zone.offering.pk)
    assert not OutboxMessage.objects.filter(endpoint=endpoint).exists()


def test_exactly_one_target_is_enforced_by_the_database(zone):
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(kind="webhook:request.submitted", payload={})


def test_the_connection_retry_refuses_a_webhook_delivery_and_the_admin_lists_endpoints(zone, admin_client):
    endpoint, secret = _endpoint(zone, zone.home, zone.home_staff)
    request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
    message = OutboxMessage.objects.get(endpoint=endpoint)
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.DEAD)
    with pytest.raises(ConflictError):
        outbox_message_retry(user=zone.home_staff, message_id=message.pk)
    page = admin_client.get("/admin/ooapi/webhookendpoint/")
    assert page.status_code == 200 and "hooks.example.nl" in page.content.decode()
    detail = admin_client.get(f"/admin/ooapi/webhookendpoint/{endpoint.pk}/change/")
    assert detail.status_code == 200 and secret not in detail.content.decode()


def test_an_endpoint_on_a_private_address_is_not_called_unless_allowed(zone, receiver, settings):
    """Production refuses loopback, private and link-local targets (an endpoint URL must not reach the
    portal's own network): a dead letter at once, and the receiver on 127.0.0.1 gets nothing. The control:
    with the setting on (tests, development) the same delivery reaches it."""
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    endpoint, _ = _endpoint(zone, zone.home, zone.home_staff, url=receiver.url)
    request_submit(user=zone.students[0].user, offering_id=zone.offering.pk)
    endpoint_deliver(endpoint_id=endpoint.pk)
    message = OutboxMessage.objects.get(endpoint=endpoint)
    assert message.status == OutboxMessage.Status.DEAD
    assert message.last_error.startswith("webhook_forbidden_address: 127.0.0.1")
    assert receiver.copies() == []
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    services.delivery_replay(user=zone.home_staff, message_id=message.pk)
    endpoint_deliver(endpoint_id=endpoint.pk)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED and len(receiver.copies()) == 1


def test_the_home_page_links_staff_to_their_own_institutions_webhooks_only(zone):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(zone.home_staff)
    page = client.get("/").content.decode()
    assert f'href="/webhooks/{zone.home.code}/"' in page
    assert f'href="/webhooks/{zone.host.code}/"' not in page
    client.force_login(zone.students[0].user)
    assert "/webhooks/" not in client.get("/").content.decode()
