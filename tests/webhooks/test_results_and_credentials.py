"""``result.recorded`` and ``credential.issued``: written in the transaction of the result or credential, to
the institutions they concern only (the host and the home for a result; the awarding institution for a
credential), with ids, states and times and no grade."""

from __future__ import annotations

import pytest

from credentials.models import IssuedCredential
from ooapi.models import OutboxMessage
from tests.credentials.test_stacked import passed, stack, stacked_of, whole
from tests.credentials.world import recognised_pass, zone
from webhooks import services
from webhooks.events import CREDENTIAL_ISSUED, EVENTS, RESULT_RECORDED

__all__ = ["stack", "zone"]  # the fixtures, imported for pytest

pytestmark = pytest.mark.django_db


def _events(endpoint) -> list[str]:
    return list(OutboxMessage.objects.filter(endpoint=endpoint).order_by("pk").values_list("kind", flat=True))


def test_results_and_credentials_reach_the_institutions_they_concern(zone, django_capture_on_commit_callbacks):
    every = list(EVENTS)
    host, _ = services.endpoint_create(
        user=zone.host_admissions, institution_id=zone.host.pk, url="https://host.example.nl/h", events=every
    )
    home, _ = services.endpoint_create(
        user=zone.home_board, institution_id=zone.home.pk, url="https://home.example.nl/h", events=every
    )
    other, _ = services.endpoint_create(
        user=zone.other_board, institution_id=zone.other.pk, url="https://other.example.nl/h", events=every
    )
    result = recognised_pass(zone, django_capture_on_commit_callbacks)
    credential = IssuedCredential.objects.get(result=result)
    assert "webhook:" + RESULT_RECORDED in _events(host) and "webhook:" + RESULT_RECORDED in _events(home)
    assert "webhook:" + CREDENTIAL_ISSUED in _events(host)  # the host awards this microcredential
    assert "webhook:" + CREDENTIAL_ISSUED not in _events(home)
    assert _events(other) == []
    recorded = OutboxMessage.objects.get(endpoint=home, kind="webhook:" + RESULT_RECORDED)
    data = recorded.payload["body"]["data"]
    assert data["result"]["id"] == result.pk and data["request"]["public_id"] == str(result.request.public_id)
    assert set(data["result"]) == {"id", "corrects", "attempt", "source", "recorded_at"}  # no grade, no EC
    issued = OutboxMessage.objects.get(endpoint=host, kind="webhook:" + CREDENTIAL_ISSUED)
    assert issued.payload["body"]["data"]["credential"]["public_id"] == str(credential.public_id)
    assert issued.request_id == result.request_id  # erasure and retention reach it through the request


def test_a_stacked_credential_is_announced_with_its_components_and_no_request(
    stack, django_capture_on_commit_callbacks
):
    """A credential for a larger whole rests on the module credentials it was issued for, not on one result:
    its event names them and has no request (the control: each module credential's event has one)."""
    endpoint, _ = services.endpoint_create(
        user=stack.admissions, institution_id=stack.host.pk, url="https://host.example.nl/h", events=list(EVENTS)
    )
    whole(stack)
    modules = [passed(stack, index, django_capture_on_commit_callbacks) for index in range(3)]
    (stacked,) = stacked_of(stack.learner)
    bodies = [
        message.payload["body"]["data"]
        for message in OutboxMessage.objects.filter(endpoint=endpoint, kind="webhook:" + CREDENTIAL_ISSUED)
    ]
    by_id = {body["credential"]["public_id"]: body for body in bodies}
    assert set(by_id) == {str(c.public_id) for c in [*modules, stacked]}
    announced = by_id[str(stacked.public_id)]
    assert announced["request"] is None and announced["credential"]["result_id"] is None
    assert announced["credential"]["components"] == [str(c.public_id) for c in modules]
    for module in modules:
        assert by_id[str(module.public_id)]["request"]["id"] == module.result.request_id
        assert by_id[str(module.public_id)]["credential"]["components"] == []
