"""Delivery that loses nothing: the dispatcher of the outbox (``ooapi.models.OutboxMessage``).

**States of a message.** ``pending`` (waiting for ``next_attempt_at``; ``enqueued_at`` says a dispatch task
is on the broker) → ``delivered``, or → ``dead`` (a dead letter, shown to staff with its reason and a retry
button, which makes it ``pending`` again). A ``home_poll`` message stays ``pending`` between polls.

**Who dispatches.** A fresh row is enqueued after the commit that wrote it. Everything else (retries after
backoff, polls, messages that waited for an open circuit, and rows whose task was lost with the broker) is
enqueued by the beat sweep (``outbox_sweep``) once due: rows due and never enqueued, or enqueued longer
than ``redispatch_after_seconds`` ago without result.

**One delivery at a time.** ``message_dispatch`` locks the row (``FOR UPDATE SKIP LOCKED``) for the whole
attempt, calls, records the outcome and applies the answer in that same transaction: the answer and the
row's new state commit together. If the worker dies mid-call (SIGKILL, OOM), PostgreSQL drops its
connection and the lock with it; the broker redelivers the task (``acks_late``,
``reject_on_worker_lost``) or the sweep re-enqueues the row, and the call is repeated with the same
idempotency key, so the institution creates nothing twice. A duplicate task finds the row locked, not due
or done, and does nothing.

**Retries.** Transient errors only (``OOAPIError.transient``: unreachable, timeout, dropped connection, 5xx,
garbage): backoff ``min(backoff_max, backoff_base * 2**(n-1))`` times a random factor in [0.5, 1.0] (jitter,
so a recovering institution is not hit by a synchronized wave), up to ``max_attempts``; then a dead letter.
Anything else (4xx, a redirect, an answer too large, a configuration error) is a dead letter at once:
retrying the same call would not help.

**Order.** Messages of one request and connection go out in the order they were written: a later one
waits (without using attempts) while an earlier one is pending or dead, and is woken when it is delivered.

**Circuit breaker** per institution: ``ooapi.sync.circuit``.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from ooapi.errors import EndpointConfigurationError, OOAPIError, OutsideEndpointError
from ooapi.http import Endpoint, OOAPIClient
from ooapi.models import Connection, OutboxMessage
from ooapi.sync import circuit, services
from ooapi.sync.conf import SyncConfig
from ooapi.sync.errors import (
    ANSWER_NOT_APPLIED,
    DISPATCH_FAILED,
    NO_ASSOCIATION,
    UNEXPECTED_ANSWER,
    AnswerNotAppliedError,
    DispatchFailedError,
    NoAssociationError,
    UnexpectedAnswerError,
)
from ooapi.sync.outbox import message_enqueue

logger = logging.getLogger("ooapi.sync")

Status = OutboxMessage.Status
PERSONS_ME = "/persons/me"
ASSOCIATE = "/associations/external/me"
# A task arriving this much before the row's ``next_attempt_at`` still counts as due (clock skew, rounding).
DUE_TOLERANCE = dt.timedelta(milliseconds=500)
# An association id is used in a URL path: a plain token of reasonable length, nothing else.
ASSOCIATION_ID = re.compile(r"^[A-Za-z0-9._~:@-]{1,100}$")

_random = random.SystemRandom()
# Errors raised before anything was sent: they say nothing about the institution's health.
_LOCAL_ERRORS = (EndpointConfigurationError, OutsideEndpointError, NoAssociationError)


def backoff_delay(attempt: int, conf: SyncConfig) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): exponential, capped, with jitter."""
    ceiling = min(conf.backoff_max_seconds, conf.backoff_base_seconds * 2 ** max(attempt - 1, 0))
    return ceiling * _random.uniform(0.5, 1.0)


def outbox_sweep(*, connection_id: int | None = None, now: dt.datetime | None = None) -> dict:
    """The beat task (and the wake-up after a circuit closes): enqueue due messages that have no live task.

    Institutions with a closed circuit: every due row, oldest first, up to ``sweep_batch``. With an open
    circuit: one row once the cool-down has passed (the trial); none while a trial runs. Rows being
    dispatched are locked and skipped. Also registers admitted requests whose connected host reported them
    (on the beat run). Returns counts."""
    conf = SyncConfig.load()
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=conf.redispatch_after_seconds)
    due = OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now, connection__is_active=True)
    due = due.filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
    if connection_id is not None:
        due = due.filter(connection_id=connection_id)
    with transaction.atomic():
        locked = due.select_for_update(skip_locked=True, of=("self",)).order_by("next_attempt_at", "pk")
        ids = list(
            locked.filter(connection__circuit=Connection.Circuit.CLOSED).values_list("pk", flat=True)[
                : conf.sweep_batch
            ]
        )
        trials = Connection.objects.filter(is_active=True).exclude(circuit=Connection.Circuit.CLOSED)
        if connection_id is not None:
            trials = trials.filter(pk=connection_id)
        for connection in trials:
            if circuit.circuit_admit_possible(connection=connection, conf=conf, now=now):
                first = locked.filter(connection=connection).values_list("pk", flat=True).first()
                if first is not None:
                    ids.append(first)
        if ids:
            OutboxMessage.objects.filter(pk__in=ids).update(enqueued_at=now)
    message_enqueue(ids, conf=conf)
    registered = services.registrations_confirm_reported() if connection_id is None else 0
    return {"enqueued": len(ids), "registered": registered}


def connection_wake(*, connection: Connection, now: dt.datetime | None = None) -> int:
    """The circuit closed again: messages that waited for it (or sat in a short backoff) go now, not at the
    end of their wait. Polls keep their rhythm."""
    conf = SyncConfig.load()
    now = now or timezone.now()
    horizon = now + dt.timedelta(seconds=conf.breaker_cooldown_seconds) + circuit.trial_timeout(connection)
    OutboxMessage.objects.filter(
        connection=connection,
        status=Status.PENDING,
        enqueued_at__isnull=True,
        next_attempt_at__gt=now,
        next_attempt_at__lte=horizon,
    ).exclude(kind=services.HOME_POLL).update(next_attempt_at=now)
    return outbox_sweep(connection_id=connection.pk, now=now)["enqueued"]


# Dispatching one message --------------------------------------------------------------------------------


@dataclass
class Answer:
    """What a call brought back: the part kept on the row, what it does in the portal, and for a poll
    that is still waiting, when to look again."""

    response: dict
    apply: Callable[[], None] | None = None
    poll_again_at: dt.datetime | None = None
    called: bool = True


@dataclass
class Report:
    outcome: str  # delivered | polled | skipped | retry | dead
    called: bool = False
    peer: str = ""  # ok | transient | refused | "" (no call)
    reason: str = ""


def message_dispatch(*, message_id: int) -> str:
    """Deliver one outbox message (the Celery task's one service). Safe to run twice, concurrently or late:
    see the module docstring. Returns what happened, for the task log."""
    conf = SyncConfig.load()
    now = timezone.now()
    peek = OutboxMessage.objects.select_related("connection").filter(pk=message_id).first()
    if peek is None or peek.status != Status.PENDING:
        return "done"
    if _not_due(peek, now):
        return "not_due"
    connection = peek.connection
    if not connection.is_active:
        # Paused by an administrator: wait, without using attempts; the sweep skips inactive connections.
        _wait(message_id, until=now + dt.timedelta(seconds=conf.breaker_cooldown_seconds))
        return "paused"
    admission = circuit.circuit_admit(connection=connection, conf=conf, now=now, fresh=False)
    if not admission.allowed:
        _wait(message_id, until=admission.retry_at)
        return "circuit_open"
    report: Report | None = None
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("connection", "request")
                .filter(pk=message_id, status=Status.PENDING)
                .first()
            )
            if message is None:
                return "busy"  # another worker is delivering it right now
            now = timezone.now()
            if _not_due(message, now):
                return "not_due"
            if _blocked(message):
                message.next_attempt_at = now + dt.timedelta(seconds=conf.blocked_recheck_seconds)
                message.enqueued_at = None
                message.save(update_fields=["next_attempt_at", "enqueued_at"])
                return "blocked"
            report = _attempt(message, conf)
    finally:
        if admission.trial and (report is None or not report.called):
            circuit.circuit_trial_abandon(connection=connection)
    _tell_circuit(connection, report, conf, trial=admission.trial)
    return report.outcome


def _not_due(message: OutboxMessage, now: dt.datetime) -> bool:
    return message.next_attempt_at is not None and message.next_attempt_at > now + DUE_TOLERANCE


def _wait(message_id: int, *, until: dt.datetime | None) -> None:
    """Leave the message for the sweep to pick up at ``until`` (no attempt used)."""
    OutboxMessage.objects.filter(pk=message_id, status=Status.PENDING).update(
        next_attempt_at=until or timezone.now(), enqueued_at=None
    )


def _blocked(message: OutboxMessage) -> bool:
    if message.kind not in services.ORDERED_KINDS or message.request_id is None:
        return False
    return OutboxMessage.objects.filter(
        request_id=message.request_id,
        connection_id=message.connection_id,
        kind__in=services.ORDERED_KINDS,
        status__in=(Status.PENDING, Status.DEAD),
        pk__lt=message.pk,
    ).exists()


def _attempt(message: OutboxMessage, conf: SyncConfig) -> Report:
    """One attempt, inside the transaction holding the row: call, record, apply."""
    handler = HANDLERS[message.kind]
    try:
        # Reasons are stored in one language (English), whatever language the worker runs in.
        with translation.override("en"), _client(message.connection) as client:
            answer = handler(client, message)
    except OOAPIError as error:
        return _failed(message, error, conf, called=not isinstance(error, _LOCAL_ERRORS))
    except Exception as error:  # a time limit or a bug must not kill the worker or lose the message
        logger.exception("ooapi sync: message %s (%s) failed unexpectedly", message.pk, message.kind)
        return _failed(message, DispatchFailedError(DISPATCH_FAILED % {"reason": _short(error)}), conf)
    return _succeeded(message, answer, conf)


def _succeeded(message: OutboxMessage, answer: Answer, conf: SyncConfig) -> Report:
    now = timezone.now()
    previous = (message.status, message.delivered_at, message.attempts, message.last_error)
    message.response = answer.response
    message.enqueued_at = None
    message.last_error = ""
    if answer.poll_again_at is not None:
        message.attempts = 0
        message.next_attempt_at = answer.poll_again_at
        outcome = "polled"
    else:
        message.status = Status.DELIVERED
        message.delivered_at = now
        outcome = "delivered" if answer.called else "skipped"
    message.save(
        update_fields=["response", "enqueued_at", "last_error", "attempts", "next_attempt_at", "status", "delivered_at"]
    )
    if answer.apply is not None:
        try:
            with transaction.atomic():
                answer.apply()
        except Exception as error:
            # The institution has it; the portal could not take the answer in (a deadlock, a bug). Retry the
            # whole message: the call repeats under the same idempotency key, then the answer is applied.
            logger.exception("ooapi sync: the answer to message %s could not be applied", message.pk)
            message.status, message.delivered_at, message.attempts, message.last_error = previous
            report = _failed(
                message, AnswerNotAppliedError(ANSWER_NOT_APPLIED % {"reason": _short(error)}), conf, called=True
            )
            report.peer = "ok"
            return report
    if message.status == Status.DELIVERED:
        _wake_successor(message)
    return Report(outcome=outcome, called=answer.called, peer="ok" if answer.called else "")


def _failed(message: OutboxMessage, error: OOAPIError, conf: SyncConfig, *, called: bool = False) -> Report:
    now = timezone.now()
    with translation.override("en"):
        reason = f"{error.code}: {_short(error.message, 1900)}"
    message.attempts += 1
    message.last_error = reason
    message.enqueued_at = None
    fields = ["attempts", "last_error", "enqueued_at"]
    peer = ("transient" if error.transient else "refused") if called else ""
    if error.transient and message.attempts < conf.max_attempts:
        message.next_attempt_at = now + dt.timedelta(seconds=backoff_delay(message.attempts, conf))
        message.save(update_fields=[*fields, "next_attempt_at", "status", "delivered_at"])
        logger.info(
            "ooapi sync: message %s attempt %s failed, retry at %s: %s",
            message.pk,
            message.attempts,
            message.next_attempt_at.isoformat(),
            reason,
        )
        return Report(outcome="retry", called=called, peer=peer, reason=reason)
    message.status = Status.DEAD
    message.dead_at = now
    message.delivered_at = None
    message.save(update_fields=[*fields, "status", "dead_at", "delivered_at"])
    logger.warning(
        "ooapi sync: message %s is a dead letter after %s attempts: %s", message.pk, message.attempts, reason
    )
    return Report(outcome="dead", called=called, peer=peer, reason=reason)


def _wake_successor(message: OutboxMessage) -> None:
    """The next message of the same request waits for this one: send it now (after commit)."""
    if message.kind not in services.ORDERED_KINDS or message.request_id is None:
        return
    successor = (
        OutboxMessage.objects.filter(
            request_id=message.request_id,
            connection_id=message.connection_id,
            kind__in=services.ORDERED_KINDS,
            status=Status.PENDING,
            pk__gt=message.pk,
        )
        .order_by("pk")
        .values_list("pk", "enqueued_at")
        .first()
    )
    if successor is None or successor[1] is not None:
        return  # none, or already on its way
    now = timezone.now()
    OutboxMessage.objects.filter(pk=successor[0], enqueued_at__isnull=True).update(next_attempt_at=now, enqueued_at=now)
    transaction.on_commit(lambda: message_enqueue([successor[0]]), robust=True)


def _tell_circuit(connection: Connection, report: Report | None, conf: SyncConfig, *, trial: bool) -> None:
    if report is None or not report.called:
        return
    reopened = False
    if report.peer == "ok":
        reopened = circuit.circuit_success(connection=connection)
    elif report.peer == "refused":
        reopened = circuit.circuit_answered_with_error(connection=connection, reason=report.reason)
    elif report.peer == "transient":
        state = circuit.circuit_failure(connection=connection, reason=report.reason, conf=conf, trial=trial)
        if state == Connection.Circuit.OPEN:
            logger.warning("ooapi sync: circuit of %s is open: %s", connection.institution_id, report.reason)
    if reopened:
        logger.info("ooapi sync: circuit of %s closed again", connection.institution_id)
        connection_wake(connection=connection)


def _short(value, limit: int = 300) -> str:
    text = str(value) or type(value).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Clients ------------------------------------------------------------------------------------------------

# One client (and its keep-alive pool) per endpoint configuration and worker process: a prefork child
# delivers thousands of messages to the same few institutions.
_clients: dict[Endpoint, OOAPIClient] = {}


class _client:  # noqa: N801 - used as a context manager like a function
    def __init__(self, connection: Connection):
        self.endpoint = Endpoint.from_connection(connection)

    def __enter__(self) -> OOAPIClient:
        client = _clients.get(self.endpoint)
        if client is None:
            if len(_clients) > 64:
                for stale in _clients.values():
                    stale.close()
                _clients.clear()
            client = _clients[self.endpoint] = OOAPIClient(self.endpoint)
        return client

    def __exit__(self, exc_type, exc, tb) -> None:
        # After a failure the pooled connection may be half-dead: the next attempt starts on a fresh pool.
        if exc is not None and (not isinstance(exc, OOAPIError) or exc.transient):
            self._discard()

    def _discard(self) -> None:
        client = _clients.pop(self.endpoint, None)
        if client is not None:
            client.close()


# Handlers: one per kind ---------------------------------------------------------------------------------


def _person_me(client: OOAPIClient, message: OutboxMessage) -> str:
    """Identify the student at home (eduXchange: ``GET /persons/me``). The person is whoever the token
    stands for; the answer must be an OOAPI person."""
    person = client.get(PERSONS_ME, idempotency_key=message.idempotency_key).data
    person_id = person.get("personId") if isinstance(person, dict) else None
    if not isinstance(person_id, str) or not person_id:
        raise UnexpectedAnswerError(
            UNEXPECTED_ANSWER % {"what": f"GET {PERSONS_ME}", "missing": "a personId"}, url=PERSONS_ME
        )
    return person_id[:100]


def _association_answer(answer, *, what: str) -> tuple[str, str]:
    association_id = answer.get("associationId") if isinstance(answer, dict) else None
    state = answer.get("state") if isinstance(answer, dict) else None
    if not isinstance(association_id, str) or not ASSOCIATION_ID.match(association_id):
        raise UnexpectedAnswerError(UNEXPECTED_ANSWER % {"what": what, "missing": "a usable associationId"})
    if state not in services.STATES:
        raise UnexpectedAnswerError(UNEXPECTED_ANSWER % {"what": what, "missing": "a valid state"})
    return association_id, state


def _associate(client: OOAPIClient, message: OutboxMessage, body: dict) -> Answer:
    person_id = _person_me(client, message)
    answer = client.post(ASSOCIATE, json=body, idempotency_key=message.idempotency_key).data
    association_id, state = _association_answer(answer, what=f"POST {ASSOCIATE}")
    return Answer(
        response={"personId": person_id, "associationId": association_id, "state": state},
        apply=lambda: services.home_association_recorded(message=message, association_id=association_id, state=state),
    )


def _association_path(association_id: str) -> str:
    return f"/associations/{quote(association_id, safe='')}"


def handle_home_associate(client: OOAPIClient, message: OutboxMessage) -> Answer:
    return _associate(client, message, message.payload["body"])


def handle_home_poll(client: OOAPIClient, message: OutboxMessage) -> Answer:
    if not services.home_poll_needed(message=message):
        return Answer(response={"skipped": "the request no longer awaits this association"}, called=False)
    association_id = message.payload["associationId"]
    answer = client.get(_association_path(association_id), idempotency_key=message.idempotency_key).data
    state = answer.get("state") if isinstance(answer, dict) else None
    if state not in services.STATES:
        raise UnexpectedAnswerError(UNEXPECTED_ANSWER % {"what": "GET /associations/{id}", "missing": "a valid state"})
    response = {"associationId": association_id, "state": state, "polledAt": timezone.now().isoformat()}
    if state in services.WAITING_STATES:
        seconds = max(message.connection.poll_interval_seconds, 1)
        return Answer(response=response, poll_again_at=timezone.now() + dt.timedelta(seconds=seconds))
    return Answer(response=response, apply=lambda: services.home_association_polled(message=message, state=state))


def handle_home_state(client: OOAPIClient, message: OutboxMessage) -> Answer:
    remote_state = message.payload["remoteState"]
    association_id = message.request.home_registration_ref
    if not association_id:
        if remote_state == services.CANCELED or "body" not in message.payload:
            return Answer(response={"skipped": "the home institution has no association to update"}, called=False)
        # The home never got the association (it became connected after the request was submitted).
        return _associate(client, message, message.payload["body"])
    client.patch(
        _association_path(association_id), json={"remoteState": remote_state}, idempotency_key=message.idempotency_key
    )
    return Answer(
        response={"associationId": association_id, "remoteState": remote_state},
        apply=lambda: services.home_state_delivered(message=message),
    )


def handle_home_result(client: OOAPIClient, message: OutboxMessage) -> Answer:
    association_id = message.request.home_registration_ref
    if not association_id:
        raise NoAssociationError(NO_ASSOCIATION)
    client.patch(
        _association_path(association_id), json=message.payload["patch"], idempotency_key=message.idempotency_key
    )
    return Answer(response={"associationId": association_id, "result": "sent"})


HANDLERS: dict[str, Callable[[OOAPIClient, OutboxMessage], Answer]] = {
    services.HOME_ASSOCIATE: handle_home_associate,
    services.HOME_POLL: handle_home_poll,
    services.HOME_STATE: handle_home_state,
    services.HOME_RESULT: handle_home_result,
}
