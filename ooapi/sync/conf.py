"""Tunables of the enrolment sync, read from ``settings.OOAPI_SYNC`` (a dict; every key optional).

The defaults suit production; the tests make them small so that a dead letter takes seconds, not hours.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields

from django.conf import settings


@dataclass(frozen=True)
class SyncConfig:
    #: Celery queue of the dispatch tasks. None: Celery's default queue for tasks queued after a commit in a
    #: web request, and the queue of the task at hand for those a sync task queues (a sweep, an answer that
    #: leads to the next message), so the sync runs wherever its tasks are consumed. A queue of its own
    #: (e.g. "ooapi_sync", with ``celery worker -Q celery,ooapi_sync``) keeps a slow institution from ever
    #: delaying e-mail.
    queue: str | None = None
    #: Failed attempts (transient errors only) before a message becomes a dead letter.
    max_attempts: int = 12
    #: Backoff before retry n: min(backoff_max, backoff_base * 2 ** (n - 1)), times a random 0.5-1.0.
    backoff_base_seconds: float = 5.0
    backoff_max_seconds: float = 1800.0
    #: Consecutive transient failures of one institution that open its circuit.
    breaker_threshold: int = 5
    #: How long an open circuit stays open before one trial call is let through.
    breaker_cooldown_seconds: float = 60.0
    #: A delivery task queued for an institution that has not started this long after is queued again by
    #: the sweep (a lost broker message: Redis restarted without persistence, a purge). It is also how long
    #: the "a task is queued" mark lives that coalesces the enqueues of one institution.
    redispatch_after_seconds: float = 60.0
    #: A message waiting for an earlier one of the same request is looked at again after this long at the
    #: latest (it is normally woken as soon as the earlier one is delivered).
    blocked_recheck_seconds: float = 60.0
    #: Due messages of one institution that one delivery task claims at a time (one round of a batch). A
    #: round holds its rows locked from the claim until its outcomes commit.
    batch_size: int = 32
    #: HTTP calls of one batch in flight at once (threads sharing one httpx client per endpoint). Per
    #: worker process; the calls an institution receives at once are at most this times the number of
    #: worker processes delivering to it.
    batch_concurrency: int = 8
    #: A delivery task starts no new call after this many seconds; it runs rounds until nothing of its
    #: institution is due or this budget is spent (then it queues a follow-up task). Keep it, plus two
    #: calls' worst case (``connect + 3 * read`` each), below the task's soft time limit (240 s).
    batch_seconds: float = 20.0

    @classmethod
    def load(cls) -> SyncConfig:
        values = getattr(settings, "OOAPI_SYNC", None) or {}
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"Unknown OOAPI_SYNC settings: {', '.join(unknown)}")
        return cls(**values)


_random = random.SystemRandom()


def backoff_delay(attempt: int, conf: SyncConfig) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): exponential, capped, with jitter (the
    connections' messages and the webhooks' alike)."""
    ceiling = min(conf.backoff_max_seconds, conf.backoff_base_seconds * 2 ** max(attempt - 1, 0))
    return ceiling * _random.uniform(0.5, 1.0)
