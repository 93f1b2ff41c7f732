"""The circuit breaker per connected institution, kept on its ``Connection`` row (and per webhook
endpoint, on its ``WebhookEndpoint`` row, which has the same fields: every function takes either).

- **closed**: calls go through. Every transient failure (the institution was unreachable, slow, answered
  5xx or garbage) adds one to ``consecutive_failures``; any answer resets it. At
  ``breaker_threshold`` the circuit opens.
- **open**: no calls. Messages that come due wait until ``circuit_opened_at + breaker_cooldown_seconds``
  without using up an attempt, so an institution that is down is not hammered and its messages do not
  die of it.
- **half_open**: after the cool-down the first dispatcher to flip the row (a conditional UPDATE, so
  exactly one wins) makes one trial call. Success closes the circuit and wakes the waiting messages; a
  transient failure opens it again for another cool-down. A trial whose worker died is taken over after
  ``trial_timeout``.

Every write is one conditional UPDATE in autocommit, outside the message's transaction: the row is never
held locked across a call, and a closed circuit with no failures costs no write at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ooapi.models import Connection
from ooapi.sync.conf import SyncConfig

Circuit = Connection.Circuit
# Trial calls are bounded by the client's total deadline; this margin covers the database work around it.
TRIAL_MARGIN_SECONDS = 10.0
# ``last_success_at`` is written at most this often per institution (it is shown in minutes, not ms).
SUCCESS_STAMP_EVERY = dt.timedelta(seconds=1)


def _rows(target) -> models.QuerySet:
    """The table of the breaker's row: a ``Connection``, or a ``WebhookEndpoint`` (same circuit fields)."""
    return type(target)._default_manager.all()


@dataclass(frozen=True)
class Admission:
    allowed: bool
    trial: bool = False
    retry_at: dt.datetime | None = None


def trial_timeout(connection: Connection) -> dt.timedelta:
    total = connection.connect_timeout + 3 * connection.read_timeout
    return dt.timedelta(seconds=total + TRIAL_MARGIN_SECONDS)


def circuit_admit(
    *, connection: Connection, conf: SyncConfig, now: dt.datetime | None = None, fresh: bool = True
) -> Admission:
    """May a call to ``connection`` go out now? May flip open → half_open (then this caller holds the one
    trial and must report its outcome, or ``circuit_trial_abandon`` it). ``fresh=False`` trusts the
    instance's circuit fields when it says closed (the dispatcher has just read it): no query then."""
    now = now or timezone.now()
    if not fresh and connection.circuit == Circuit.CLOSED:
        return Admission(allowed=True)
    state = _rows(connection).values("circuit", "circuit_opened_at").get(pk=connection.pk)
    circuit, opened_at = state["circuit"], state["circuit_opened_at"] or now
    if circuit == Circuit.CLOSED:
        return Admission(allowed=True)
    if circuit == Circuit.OPEN:
        ready_at = opened_at + dt.timedelta(seconds=conf.breaker_cooldown_seconds)
    else:  # half-open: someone holds the trial; take it over only if that worker seems gone
        ready_at = opened_at + trial_timeout(connection)
    if now < ready_at:
        return Admission(allowed=False, retry_at=ready_at)
    won = _rows(connection).filter(pk=connection.pk, circuit=circuit, circuit_opened_at=state["circuit_opened_at"])
    if won.update(circuit=Circuit.HALF_OPEN, circuit_opened_at=now):
        return Admission(allowed=True, trial=True)
    # Another dispatcher took the trial a moment ago: wait for its outcome.
    return Admission(allowed=False, retry_at=now + trial_timeout(connection))


def circuit_admit_possible(*, connection: Connection, conf: SyncConfig, now: dt.datetime | None = None) -> bool:
    """Read-only: would ``circuit_admit`` let a call through now (closed, or a trial is due)?"""
    now = now or timezone.now()
    if connection.circuit == Circuit.CLOSED:
        return True
    opened_at = connection.circuit_opened_at or now
    if connection.circuit == Circuit.OPEN:
        return now >= opened_at + dt.timedelta(seconds=conf.breaker_cooldown_seconds)
    return now >= opened_at + trial_timeout(connection)


def circuit_trial_abandon(*, connection: Connection) -> None:
    """The trial slot was taken but no call was made (the message was gone or not due): give it back, so
    the next dispatcher may try at once."""
    _rows(connection).filter(pk=connection.pk, circuit=Circuit.HALF_OPEN).update(
        circuit=Circuit.OPEN, circuit_opened_at=timezone.now() - dt.timedelta(days=1)
    )


def circuit_success(*, connection: Connection, now: dt.datetime | None = None) -> bool:
    """The institution answered as expected. Closes the circuit; True when it was not closed before (the
    caller then wakes the messages that waited). ``connection`` as read before the call: when it was closed
    with no failures and a recent success stamp, this writes nothing; otherwise one conditional UPDATE."""
    now = now or timezone.now()
    if connection.circuit != Circuit.CLOSED:
        reopened = _rows(connection).filter(pk=connection.pk).exclude(circuit=Circuit.CLOSED)
        if reopened.update(circuit=Circuit.CLOSED, consecutive_failures=0, circuit_opened_at=None, last_success_at=now):
            return True
    # The common case: already closed. Write only when something changes, so that busy workers do not all
    # queue up on this one row; not at all when the row, as read before the call, needs nothing.
    recent = connection.last_success_at is not None and now - connection.last_success_at < SUCCESS_STAMP_EVERY
    if connection.consecutive_failures == 0 and recent:
        return False
    _rows(connection).filter(pk=connection.pk).filter(
        Q(consecutive_failures__gt=0)
        | Q(last_success_at__isnull=True)
        | Q(last_success_at__lt=now - SUCCESS_STAMP_EVERY)
    ).update(consecutive_failures=0, last_success_at=now)
    return False


def circuit_answered_with_error(*, connection: Connection, reason: str, now: dt.datetime | None = None) -> bool:
    """The institution answered, but refused the call (4xx, a redirect, too large): it is up, so the
    circuit closes, but the error is shown. True when the circuit was not closed before."""
    now = now or timezone.now()
    changed = _rows(connection).filter(pk=connection.pk).exclude(circuit=Circuit.CLOSED)
    was_open = bool(changed.update(circuit=Circuit.CLOSED, consecutive_failures=0, circuit_opened_at=None))
    _rows(connection).filter(pk=connection.pk).update(
        consecutive_failures=0, last_error=reason[:2000], last_error_at=now
    )
    return was_open


def circuit_failure(
    *,
    connection: Connection,
    reason: str,
    conf: SyncConfig,
    trial: bool,
    failures: int = 1,
    now: dt.datetime | None = None,
) -> str:
    """``failures`` transient failures (a batch reports its own at once; ``reason`` is the last): count
    them, and open the circuit at the threshold (or again, after a failed trial). Returns the circuit state
    afterwards."""
    now = now or timezone.now()
    _rows(connection).filter(pk=connection.pk).update(
        consecutive_failures=F("consecutive_failures") + failures, last_error=reason[:2000], last_error_at=now
    )
    if trial:
        _rows(connection).filter(pk=connection.pk).update(circuit=Circuit.OPEN, circuit_opened_at=now)
        return Circuit.OPEN
    opened = (
        _rows(connection)
        .filter(pk=connection.pk, circuit=Circuit.CLOSED, consecutive_failures__gte=conf.breaker_threshold)
        .update(circuit=Circuit.OPEN, circuit_opened_at=now)
    )
    if opened:
        return Circuit.OPEN
    return _rows(connection).values_list("circuit", flat=True).get(pk=connection.pk)
