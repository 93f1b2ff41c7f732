"""Delivery that loses nothing, in batches: the dispatcher of the outbox (``ooapi.models.OutboxMessage``).

**States of a message.** ``pending`` (waiting for ``next_attempt_at``) → ``delivered``, or → ``dead`` (a
dead letter, shown to staff with its reason and a retry button, which makes it ``pending`` again). A
``home_poll`` message stays ``pending`` between polls. ``enqueued_at`` says when the row was last handed to
delivery (written due now, or retried); it is cleared with each outcome.

**One task per institution, not per message.** ``connection_deliver`` (the task ``deliver_batch``) delivers
the due messages of one connection in *rounds*. A round, in one transaction:

1. claims up to ``batch_size`` due rows, oldest first (``FOR UPDATE SKIP LOCKED``: rows another task is
   delivering are skipped, never waited for);
2. holds back the rows that must wait for an earlier message of their request (one query for the round);
3. calls the institution for the rest, at most ``batch_concurrency`` calls at once (threads sharing one
   httpx client per endpoint; the threads only call, they never touch the database);
4. applies the answers one by one, each in a savepoint, in the order (offering, message) so that every task
   takes enrolment's offering locks in the same order; records every row's outcome in one ``UPDATE``
   (``bulk_update``), and wakes the successors of delivered messages in one more;
5. commits: the answers and the rows' new states commit together, for the whole round or not at all.

Then it tells the circuit breaker once (below) and runs another round while there is work it knows of: a
full round, or messages its own answers wrote (the ``home_state`` after an admission). It starts no call
after ``batch_seconds``; what is left goes to a follow-up task.

**Who queues the task.** ``ooapi.sync.outbox.delivery_enqueue``, for a connection: after the commit that
wrote a row due now (or a staff retry), and from the beat sweep (``outbox_sweep``) for every connection with
due rows (retries after backoff, polls, messages that waited for an open circuit, tasks lost with the
broker). Both coalesce: a mark in the cache says a task for the connection is queued and has not started,
and while it stands nobody queues another. The task removes the mark when it starts, *before* it claims:
a row committed later either is claimed by this task or finds no mark and queues the next one. The mark
expires after ``redispatch_after_seconds``, so a task lost with the broker is queued again by the next sweep.
Inside a delivery, rows it writes for its own connection queue nothing: its next round takes them.

**Failures: what a dead worker leaves.** Nothing of a round is committed before its step 5. If the worker
dies mid-round (SIGKILL, OOM: between the claim and the commit, with calls in flight or answers half
applied), PostgreSQL drops its connection and with it the transaction and the row locks: every row of the
round is ``pending`` again, unchanged, attempts not used, no answer applied. The broker redelivers the task
(``acks_late``, ``reject_on_worker_lost``) or the sweep queues a new one; the calls are repeated with the
same idempotency keys, so the institution creates nothing twice and answers as the first time, and the
round is decided once, by the task that commits it. Two tasks never deliver the same row at once (the row
lock), and a task whose rows are taken finds nothing to do. A call that fails, a time limit, or a bug in
applying one answer is recorded on that row only: the other rows of the round are decided as usual.

**Retries.** Transient errors only (``OOAPIError.transient``: unreachable, timeout, dropped connection, 5xx,
garbage): backoff ``min(backoff_max, backoff_base * 2**(n-1))`` times a random factor in [0.5, 1.0] (jitter,
so a recovering institution is not hit by a synchronized wave), up to ``max_attempts``; then a dead letter.
Anything else (4xx, a redirect, an answer too large, a configuration error) is a dead letter at once:
retrying the same call would not help.

**Order.** Messages of one request and connection go out in the order they were written: a later one
waits (without using attempts) while an earlier one is pending or dead, also when both are in one round,
and is woken when the earlier one is delivered.

**Circuit breaker** per institution: ``ooapi.sync.circuit``. A round asks it once before claiming: closed,
up to ``batch_size`` rows; a trial after the cool-down, one row; open, none (the sweep queues the
connection again when the cool-down has passed). An institution with failures on record is called one at a
time, and a round starts no more calls once its own transient failures would open the circuit, so an
institution going down is not hit by a whole batch. After the commit the round reports once: any answer
resets the failure count (and closes a half-open circuit, waking the messages that waited), and the
transient failures after the last answer are added to it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import logging
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone, translation

from ooapi.errors import EndpointConfigurationError, OOAPIError, OutsideEndpointError
from ooapi.http import Endpoint, OOAPIClient
from ooapi.models import Connection, OutboxMessage
from ooapi.sync import circuit, services
from ooapi.sync.conf import SyncConfig, backoff_delay
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
from ooapi.sync.outbox import delivering, delivery_enqueue, delivery_started
from ooapi.sync.webhooks.dispatcher import endpoints_sweep

logger = logging.getLogger("ooapi.sync")

Status = OutboxMessage.Status
PERSONS_ME = "/persons/me"
ASSOCIATE = "/associations/external/me"
# An association id is used in a URL path: a plain token of reasonable length, nothing else.
ASSOCIATION_ID = re.compile(r"^[A-Za-z0-9._~:@-]{1,100}$")
# The columns a round's outcome writes, in its one UPDATE.
OUTCOME_FIELDS = [
    "response",
    "enqueued_at",
    "last_error",
    "attempts",
    "next_attempt_at",
    "status",
    "delivered_at",
    "dead_at",
]

# Errors raised before anything was sent: they say nothing about the institution's health.
_LOCAL_ERRORS = (EndpointConfigurationError, OutsideEndpointError, NoAssociationError)


def _due(now: dt.datetime) -> Q:
    """Due at ``now``, exactly: the claim decides at the moment it runs (a poll claimed early would call the
    institution before its interval has passed)."""
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def outbox_sweep(*, connection_id: int | None = None, now: dt.datetime | None = None) -> dict:
    """The beat task (and the wake-up after a circuit closes): queue a delivery task for every active
    connection with due messages whose circuit lets a call through (closed, or a trial is due). Coalesced
    with the tasks already queued (``delivery_enqueue``). Also registers admitted requests whose connected
    host reported them (on the beat run). Returns counts: tasks queued, requests registered."""
    conf = SyncConfig.load()
    now = now or timezone.now()
    due = OutboxMessage.objects.filter(_due(now), status=Status.PENDING, connection__is_active=True)
    if connection_id is not None:
        due = due.filter(connection_id=connection_id)
    with_due = set(due.order_by().values_list("connection_id", flat=True).distinct())
    ready = [
        connection.pk
        for connection in Connection.objects.filter(pk__in=with_due)
        if circuit.circuit_admit_possible(connection=connection, conf=conf, now=now)
    ]
    enqueued = delivery_enqueue(ready, conf=conf)
    registered = services.registrations_confirm_reported() if connection_id is None else 0
    webhooks = endpoints_sweep(now=now, conf=conf) if connection_id is None else 0
    return {"enqueued": enqueued, "registered": registered, "webhooks": webhooks}


def connection_wake(*, connection: Connection, now: dt.datetime | None = None) -> int:
    """The circuit closed again: messages that waited for it (or sat in a short backoff) go now, not at the
    end of their wait. Polls keep their rhythm."""
    conf = SyncConfig.load()
    now = now or timezone.now()
    horizon = now + dt.timedelta(seconds=conf.breaker_cooldown_seconds) + circuit.trial_timeout(connection)
    OutboxMessage.objects.filter(
        connection=connection,
        status=Status.PENDING,
        next_attempt_at__gt=now,
        next_attempt_at__lte=horizon,
    ).exclude(kind=services.HOME_POLL).update(next_attempt_at=now)
    return outbox_sweep(connection_id=connection.pk, now=now)["enqueued"]


# Delivering one institution's messages -------------------------------------------------------------------


@dataclass
class Answer:
    """What a call brought back: the part kept on the row, what it does in the portal, and for a poll
    that is still waiting, when to look again."""

    response: dict
    apply: Callable[[], None] | None = None
    poll_again_at: dt.datetime | None = None
    called: bool = True


@dataclass
class Called:
    """One row's call, as the thread that made it saw it: an answer or an error, and when it ended (the
    order in which the round's calls ended, for the breaker)."""

    answer: Answer | None = None
    error: OOAPIError | None = None
    called: bool = False
    ended: int = 0


@dataclass
class Round:
    """What one round did, for the task's log and for the breaker."""

    counts: Counter = field(default_factory=Counter)
    again: bool = False  # there is more the task knows of: run another round
    stop: bool = False  # the connection is paused or its circuit is open: no more rounds
    called: bool = False
    answered: bool = False
    refused: str = ""  # the last refusal's reason (4xx, redirect, too large)
    failures_after_answer: int = 0
    failure: str = ""


NOT_STARTED = Called()


def connection_deliver(*, connection_id: int) -> dict:
    """Deliver the due messages of one connection, in rounds (the Celery task's one service). Safe to run
    twice, concurrently or late: see the module docstring. Returns counts, for the task log."""
    conf = SyncConfig.load()
    delivery_started(connection_id)  # before the first claim: later rows queue a task of their own
    deadline = time.monotonic() + conf.batch_seconds
    totals: Counter = Counter()
    with delivering(connection_id) as wrote:
        while True:
            wrote.clear()
            result = _round(connection_id, conf, deadline=deadline)
            totals.update(result.counts)
            totals["rounds"] += 1
            if result.stop or not (result.again or wrote):
                break
            if time.monotonic() >= deadline:
                # The budget is spent with work left: a task of its own takes it (others may run first).
                totals["follow_up"] += delivery_enqueue([connection_id], conf=conf, force=True)
                break
    return dict(totals)


def message_dispatch(*, message_id: int) -> str:
    """Deliver what is due of the message's connection (the message among it): the task of the per-message
    design, kept so that tasks queued before an upgrade still do their work."""
    connection_id = OutboxMessage.objects.filter(pk=message_id).values_list("connection_id", flat=True).first()
    if connection_id is None:
        return "done"
    counts = connection_deliver(connection_id=connection_id)
    return ", ".join(f"{key} {value}" for key, value in sorted(counts.items()))


def _round(connection_id: int, conf: SyncConfig, *, deadline: float) -> Round:
    result = Round()
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None or not connection.is_active:
        # Paused by an administrator: the rows wait, without using attempts; the sweep skips the connection.
        result.counts["paused"] += 1
        result.stop = True
        return result
    now = timezone.now()
    admission = circuit.circuit_admit(connection=connection, conf=conf, now=now, fresh=False)
    if not admission.allowed:
        result.counts["circuit_open"] += 1
        result.stop = True
        return result
    limit = 1 if admission.trial else conf.batch_size
    try:
        with transaction.atomic():
            rows = list(
                OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("request")
                .filter(_due(timezone.now()), connection_id=connection_id, status=Status.PENDING)
                .order_by("next_attempt_at", "pk")[:limit]
            )
            for row in rows:
                row.connection = connection
            result.counts["claimed"] += len(rows)
            result.again = len(rows) == limit and not admission.trial
            if rows:
                ready, blocked, successors = _order(rows, connection_id)
                _hold_back(blocked, conf)
                result.counts["blocked"] += len(blocked)
                calls = _call_all(connection, ready, conf, deadline=deadline)
                _decide(connection, ready, calls, conf, result, successors=successors)
    finally:
        if admission.trial and not result.called:
            circuit.circuit_trial_abandon(connection=connection)
    _tell_circuit(connection, result, conf, trial=admission.trial)
    return result


def _order(rows: list[OutboxMessage], connection_id: int) -> tuple[list, list, set[int]]:
    """Split the round into rows to call and rows that wait for an earlier message of their request; and
    the requests whose later messages wait (to wake them when the earlier one is delivered). One query."""
    ordered = {row.request_id for row in rows if row.kind in services.ORDERED_KINDS and row.request_id is not None}
    if not ordered:
        return rows, [], set()
    earliest = {
        request_id: (first, count)
        for request_id, first, count in OutboxMessage.objects.filter(
            connection_id=connection_id,
            request_id__in=ordered,
            kind__in=services.ORDERED_KINDS,
            status__in=(Status.PENDING, Status.DEAD),
        )
        .order_by()
        .values("request_id")
        .annotate(first=Min("pk"), count=Count("pk"))
        .values_list("request_id", "first", "count")
    }
    ready, blocked = [], []
    for row in rows:
        first = earliest.get(row.request_id, (row.pk, 1))[0] if row.kind in services.ORDERED_KINDS else row.pk
        (blocked if first < row.pk else ready).append(row)
    return ready, blocked, {request_id for request_id, (_first, count) in earliest.items() if count > 1}


def _hold_back(blocked: list[OutboxMessage], conf: SyncConfig) -> None:
    """Rows waiting for an earlier message: looked at again after ``blocked_recheck_seconds`` at the latest
    (normally woken as soon as the earlier one is delivered). No attempt used."""
    if blocked:
        later = timezone.now() + dt.timedelta(seconds=conf.blocked_recheck_seconds)
        OutboxMessage.objects.filter(pk__in=[row.pk for row in blocked]).update(next_attempt_at=later, enqueued_at=None)


# Calling: threads that only talk HTTP ---------------------------------------------------------------------

_pool: ThreadPoolExecutor | None = None
_pool_key: tuple[int, int] | None = None
_pool_lock = threading.Lock()


def _executor(size: int) -> ThreadPoolExecutor:
    """The call threads of this worker process: ``size`` of them, so that no more calls than that are in
    flight (a prefork child runs one task at a time). Made after the fork; made again when the size changes."""
    global _pool, _pool_key
    with _pool_lock:
        if _pool is None or _pool_key != (os.getpid(), size):
            if _pool is not None and _pool_key[0] == os.getpid():
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="ooapi-sync-call")
            _pool_key = (os.getpid(), size)
        return _pool


def _call_all(connection: Connection, rows: list[OutboxMessage], conf: SyncConfig, *, deadline: float) -> dict:
    """Call the institution for every row, at most ``batch_concurrency`` (1 while it has failures on record)
    at once. No call starts after ``deadline`` or once this round's transient failures would open the
    circuit; those rows are left as they were. Returns ``Called`` by row id."""
    if not rows:
        return {}
    concurrency = 1 if connection.consecutive_failures else max(1, conf.batch_concurrency)
    failures_allowed = max(1, conf.breaker_threshold - connection.consecutive_failures)
    stop = threading.Event()
    ended = itertools.count(1)
    failures = itertools.count(1)
    pooled = _client(connection)
    try:
        client = pooled.__enter__()
    except OOAPIError as error:  # the endpoint is misconfigured: nothing can be sent, nothing was
        return {row.pk: Called(error=error) for row in rows}
    with contextlib.closing(pooled):

        def call(row: OutboxMessage) -> Called:
            if stop.is_set() or time.monotonic() > deadline:
                return NOT_STARTED
            outcome = _call(client, row)
            outcome.ended = next(ended)
            if outcome.error is not None and outcome.called and outcome.error.transient:
                pooled.failed = True
                if next(failures) >= failures_allowed:
                    stop.set()
            return outcome

        if concurrency == 1 or len(rows) == 1:
            return {row.pk: call(row) for row in rows}
        pool = _executor(concurrency)  # its size bounds the calls in flight
        futures = {row.pk: pool.submit(call, row) for row in rows}
        return {pk: future.result() for pk, future in futures.items()}


def _call(client: OOAPIClient, message: OutboxMessage) -> Called:
    handler = HANDLERS[message.kind]
    try:
        # Reasons are stored in one language (English), whatever language the worker runs in.
        with translation.override("en"):
            answer = handler(client, message)
    except OOAPIError as error:
        return Called(error=error, called=not isinstance(error, _LOCAL_ERRORS))
    except Exception as error:  # a time limit or a bug must not kill the worker or lose the message
        logger.exception("ooapi sync: message %s (%s) failed unexpectedly", message.pk, message.kind)
        return Called(error=DispatchFailedError(DISPATCH_FAILED % {"reason": _short(error)}), called=True)
    return Called(answer=answer, called=answer.called)


# Deciding: in the round's transaction ---------------------------------------------------------------------


def _decide(
    connection: Connection,
    rows: list[OutboxMessage],
    calls: dict[int, Called],
    conf: SyncConfig,
    result: Round,
    *,
    successors: set[int],
) -> None:
    """Apply the answers (each in a savepoint), then write every row's outcome in one UPDATE and wake the
    successors of delivered messages in one more."""
    decided: list[OutboxMessage] = []
    delivered_requests: set[int] = set()
    last_answer = 0
    transient: list[tuple[int, str]] = []

    def offering_order(row: OutboxMessage) -> tuple[int, int]:
        return (row.request.offering_id if row.request_id else 0, row.pk)

    for row in sorted(rows, key=offering_order):
        called = calls.get(row.pk, NOT_STARTED)
        if called is NOT_STARTED:
            result.counts["deferred"] += 1  # still due: the next round or a follow-up task takes it
            result.again = True
            continue
        result.called |= called.called
        if called.error is not None:
            outcome, reason = _failed(row, called.error, conf)
            if called.called:
                if called.error.transient:
                    transient.append((called.ended, reason))
                else:
                    last_answer = max(last_answer, called.ended)
                    result.answered, result.refused = True, reason
        else:
            outcome = _succeeded(row, called.answer, conf)
            if called.called:
                last_answer = max(last_answer, called.ended)
                result.answered = True
        result.counts[outcome] += 1
        decided.append(row)
        if row.status == Status.DELIVERED and row.request_id in successors and row.kind in services.ORDERED_KINDS:
            delivered_requests.add(row.request_id)
    if decided:
        OutboxMessage.objects.bulk_update(decided, OUTCOME_FIELDS)
    if delivered_requests:
        _wake_successors(connection, delivered_requests, exclude=[row.pk for row in rows])
        result.again = True
    later = [reason for ended, reason in sorted(transient) if ended > last_answer]
    result.failures_after_answer = len(later)
    result.failure = later[-1] if later else ""


def _succeeded(message: OutboxMessage, answer: Answer, conf: SyncConfig) -> str:
    now = timezone.now()
    if answer.apply is not None:
        try:
            with transaction.atomic():
                answer.apply()
        except Exception as error:
            # The institution has it; the portal could not take the answer in (a deadlock, a bug). Retry the
            # whole message: the call repeats under the same idempotency key, then the answer is applied.
            logger.exception("ooapi sync: the answer to message %s could not be applied", message.pk)
            outcome, _reason = _failed(
                message, AnswerNotAppliedError(ANSWER_NOT_APPLIED % {"reason": _short(error)}), conf
            )
            return outcome
    message.response = answer.response
    message.enqueued_at = None
    message.last_error = ""
    if answer.poll_again_at is not None:
        message.attempts = 0
        message.next_attempt_at = answer.poll_again_at
        return "polled"
    message.status = Status.DELIVERED
    message.delivered_at = now
    return "delivered" if answer.called else "skipped"


def _failed(message: OutboxMessage, error: OOAPIError, conf: SyncConfig) -> tuple[str, str]:
    now = timezone.now()
    with translation.override("en"):
        reason = f"{error.code}: {_short(error.message, 1900)}"
    message.attempts += 1
    message.last_error = reason
    message.enqueued_at = None
    if error.transient and message.attempts < conf.max_attempts:
        message.next_attempt_at = now + dt.timedelta(seconds=backoff_delay(message.attempts, conf))
        logger.info(
            "ooapi sync: message %s attempt %s failed, retry at %s: %s",
            message.pk,
            message.attempts,
            message.next_attempt_at.isoformat(),
            reason,
        )
        return "retry", reason
    message.status = Status.DEAD
    message.dead_at = now
    message.delivered_at = None
    logger.warning(
        "ooapi sync: message %s is a dead letter after %s attempts: %s", message.pk, message.attempts, reason
    )
    return "dead", reason


def _wake_successors(connection: Connection, request_ids: set[int], *, exclude: list[int]) -> None:
    """The later messages of these requests waited for the ones just delivered: due now (this task's next
    round takes them; the order check holds back all but the next of each request)."""
    OutboxMessage.objects.filter(
        connection_id=connection.pk,
        request_id__in=request_ids,
        kind__in=services.ORDERED_KINDS,
        status=Status.PENDING,
        next_attempt_at__gt=timezone.now(),
    ).exclude(pk__in=exclude).update(next_attempt_at=timezone.now())


def _tell_circuit(connection: Connection, result: Round, conf: SyncConfig, *, trial: bool) -> None:
    if not result.called:
        return
    reopened = False
    if result.answered:
        if result.refused:
            reopened = circuit.circuit_answered_with_error(connection=connection, reason=result.refused)
        else:
            reopened = circuit.circuit_success(connection=connection)
    if result.failures_after_answer:
        state = circuit.circuit_failure(
            connection=connection,
            reason=result.failure,
            conf=conf,
            trial=trial and not result.answered,
            failures=result.failures_after_answer,
        )
        if state == Connection.Circuit.OPEN:
            logger.warning("ooapi sync: circuit of %s is open: %s", connection.institution_id, result.failure)
            result.stop = True
    if reopened:
        logger.info("ooapi sync: circuit of %s closed again", connection.institution_id)
        connection_wake(connection=connection)
        result.again = True


def _short(value, limit: int = 300) -> str:
    text = str(value) or type(value).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Clients ------------------------------------------------------------------------------------------------

# One client (and its keep-alive pool) per endpoint configuration and worker process: a prefork child
# delivers thousands of messages to the same few institutions.
_clients: dict[Endpoint, OOAPIClient] = {}


class _client:  # noqa: N801 - used like a function
    """The cached client of a connection's endpoint, for one round; ``close()`` after the round drops it
    when a call failed transiently (its pooled connections may be half-dead: the next round starts on a
    fresh pool). Not dropped mid-round: other threads of the round still use it."""

    def __init__(self, connection: Connection):
        self.endpoint = Endpoint.from_connection(connection)
        self.failed = False

    def __enter__(self) -> OOAPIClient:
        client = _clients.get(self.endpoint)
        if client is None:
            if len(_clients) > 64:
                for stale in _clients.values():
                    stale.close()
                _clients.clear()
            client = _clients[self.endpoint] = OOAPIClient(self.endpoint)
        return client

    def close(self) -> None:
        if self.failed:
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
