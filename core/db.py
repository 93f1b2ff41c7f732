"""Database helpers the apps' services share."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import ParamSpec, TypeVar

from django.db import DatabaseError, connection, transaction
from psycopg import errors as pg_errors

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

#: What PostgreSQL aborts a transaction with to resolve a conflict it could not wait out. Nothing of the
#: transaction was kept, so the same work may simply be done again.
RETRYABLE = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure)


def is_retryable(error: BaseException) -> bool:
    """``error`` (Django's wrapper, or psycopg's own) is a deadlock or serialization failure."""
    return isinstance(error, RETRYABLE) or isinstance(error.__cause__, RETRYABLE)


def retry_on_deadlock(func: Callable[P, R] | None = None, *, attempts: int = 3):
    """Run a service that opens its own transaction again when PostgreSQL aborted that transaction to break
    a deadlock (or a serialization failure), up to ``attempts`` times with a short random pause.

    Safe because the abort rolled back everything the call wrote, and Django dropped its on_commit
    callbacks with it; the service reads its rows again under their locks. Called inside a caller's
    transaction, nothing is retried: that transaction is aborted as well, and only its owner can begin it
    again. ``__wrapped__`` is the service without retries (the deadlock test's control calls it).
    """

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def retrying(*args: P.args, **kwargs: P.kwargs) -> R:
            if connection.in_atomic_block:
                return service(*args, **kwargs)
            for attempt in range(1, attempts + 1):
                try:
                    return service(*args, **kwargs)
                except DatabaseError as error:
                    if attempt == attempts or not is_retryable(error):
                        raise
                    logger.warning("%s: %s; running it again (attempt %d)", service.__qualname__, error, attempt + 1)
                    time.sleep(random.uniform(0.005, 0.05) * attempt)  # noqa: S311 (jitter, not security)
            raise AssertionError("unreachable")

        return retrying

    return decorate(func) if func is not None else decorate


def on_commit_once(func: Callable[[], object]) -> None:
    """``transaction.on_commit(func)``, unless ``func`` already waits for the current transaction's commit.

    For work that covers everything a transaction changed, asked for by each of many changes in it (a
    signal per deleted row): it then runs once after the commit, not once per row. In autocommit it runs
    at once, as ``on_commit`` does. A callback dropped with a rolled-back savepoint no longer counts, so
    asking again after that registers it again.
    """
    from django.db import transaction

    waiting = connection.run_on_commit if connection.in_atomic_block else ()
    if any(registered is func for _savepoints, registered, _robust in waiting):
        return
    transaction.on_commit(func)


def postgresql_only(sql: Sequence[str], reverse_sql: Sequence[str]):
    """A migration operation that runs ``sql`` in order on PostgreSQL, and ``reverse_sql`` when migrating back;
    elsewhere (the SQLite demo default) it does nothing. For the catalogue's PostgreSQL-only indexes and
    triggers, which SQLite has no equivalent of."""
    from django.db import migrations

    def run(statements: Sequence[str]):
        def apply(apps, schema_editor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                for statement in statements:
                    schema_editor.execute(statement)

        return apply

    return migrations.RunPython(run(list(sql)), run(list(reverse_sql)), elidable=False)


def on_commit_collected(key: str, items: Iterable, flush: Callable[[list], None], *, using: str | None = None) -> None:
    """Add ``items`` to the current transaction's collection under ``key``; when the transaction commits,
    ``flush`` is called once with everything collected in it (in the order added).

    Several moves made in one transaction thus give one side effect (one notification task, one email per
    person) instead of one each. A rolled-back transaction (or savepoint) drops its ``on_commit`` callback
    and with it the collection; the next item starts a new one. Outside a transaction ``flush`` runs at once.
    """
    connection = transaction.get_connection(using)
    collections = connection.__dict__.setdefault("_on_commit_collections", {})
    collection = collections.get(key)
    if collection is None or not any(func is collection[1] for _sids, func, *_rest in connection.run_on_commit):
        pending: list = []

        def run() -> None:
            if collections.get(key, (None,))[0] is pending:
                del collections[key]
            flush(pending)

        collection = (pending, run)
        collections[key] = collection
        pending.extend(items)
        transaction.on_commit(run, using=using)
    else:
        collection[0].extend(items)
