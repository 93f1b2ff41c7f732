"""Catalogue imports from connected institutions: run one now, ask a worker for one, find the ones due.

Other apps, the tasks, the views and the ``ooapi_import`` command call these; the run itself is
``ooapi.consumer.importer``, which walks (``walk``), matches (``match``) and writes (``write``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import current_app
from django.core.cache import cache
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError, NotFoundError, PermissionDeniedError
from institutions.models import Institution
from ooapi.consumer.access import import_connections_for, may_manage_imports
from ooapi.consumer.importer import CatalogueImporter, Summary
from ooapi.consumer.walk import PAGE_SIZE, ImportAborted
from ooapi.http import Endpoint
from ooapi.models import Connection, ImportRun

logger = logging.getLogger(__name__)

# pg_advisory_lock(class, id): the class keeps these locks apart from any other advisory lock.
IMPORT_LOCK_CLASS = 0x4F4F4149  # "OOAI"
# The import task's hard time limit (``ooapi.consumer.tasks``): no import runs longer.
IMPORT_TIME_LIMIT_SECONDS = 60 * 60
# How long a requested import shows as queued before a worker picks it up (or is presumed lost).
REQUEST_TTL_SECONDS = 15 * 60

IMPORT_TASK = "ooapi.consumer.tasks.import_catalogue"
NOT_ALLOWED = _("Catalogue imports are for catalogue managers and administrators.")
NO_SUCH_CONNECTION = _("There is no such connection among the institutions you manage.")
ALREADY_RUNNING = _("An import of this institution's catalogue is already running.")
ALREADY_REQUESTED = _("An import of this institution's catalogue is already queued or running.")
STALE_RUN = _("The import stopped before it finished (the worker was stopped or restarted).")
UNEXPECTED = _("The import stopped on an unexpected error: %(error)s")
TIME_LIMIT = _("The import took longer than its time limit and was stopped.")


class ImportAlreadyRunning(ConflictError):
    code = "ooapi_import_running"


def requested_key(connection_id: int) -> str:
    return f"ooapi:import:{connection_id}:requested"


@contextmanager
def import_lock(connection_id: int) -> Iterator[bool]:
    """A session-level PostgreSQL advisory lock per connection, held for the whole import (across its page
    transactions). Yields whether it was acquired; never waits. A worker that dies releases it with its
    database session."""
    if db_connection.vendor != "postgresql":
        key = f"ooapi:import:{connection_id}:lock"
        acquired = cache.add(key, "1", timeout=6 * 3600)
        try:
            yield acquired
        finally:
            if acquired:
                cache.delete(key)
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LOCK_CLASS, connection_id])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with db_connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK_CLASS, connection_id])


def catalogue_import(
    *,
    connection_id: int,
    base_url: str = "",
    page_size: int = PAGE_SIZE,
    since: dt.date | None = None,
    verify: Any = True,
) -> Summary:
    """Import the catalogue of one connected institution now, in this process, and record it as an
    ``ImportRun``.

    - One import per connection at a time: an advisory lock is taken without waiting; when another import
      holds it, ``ImportAlreadyRunning`` is raised and nothing is written.
    - Runs of this connection still marked running while the lock is free were left by a worker that
      died: they are marked failed first.
    - Idempotent: importing an unchanged catalogue again writes no catalogue rows (only the run's own row).
    - An endpoint that cannot be used (unreachable, TLS, credentials) ends the run as failed; the summary
      says whether trying again later may help (``transient``). Bad items and pages are in the report.
    - Any other exception (a bug, the database gone, a time limit) marks the run failed and propagates.
    - The report's texts are stored in English (the source language); entries carry a reason code and
      parameters so the staff page shows them translated.

    ``base_url`` replaces the connection's base URL for this run only (``ooapi_import --base-url``).
    """
    connection = Connection.objects.select_related("institution").get(pk=connection_id)
    with import_lock(connection.pk) as acquired:
        if not acquired:
            raise ImportAlreadyRunning(ALREADY_RUNNING)
        _safe_cache_delete(requested_key(connection.pk))
        ImportRun.objects.filter(connection=connection, status=ImportRun.Status.RUNNING).update(
            status=ImportRun.Status.FAILED, finished_at=timezone.now(), error=str(STALE_RUN)
        )
        run = ImportRun.objects.create(connection=connection)
        endpoint = Endpoint.from_connection(connection)
        if base_url:
            endpoint = dataclasses.replace(endpoint, base_url=base_url)
        importer = CatalogueImporter(
            run=run,
            institution=connection.institution,
            endpoint=endpoint,
            page_size=page_size,
            since=since,
            verify=verify,
        )
        started = time.monotonic()
        summary = Summary(run_id=run.pk, status=ImportRun.Status.RUNNING)
        # The report is stored in the English source; the staff page translates what has a reason code.
        with translation.override("en"):
            try:
                importer.run()
            except ImportAborted as aborted:
                summary.error, summary.transient = str(aborted.error.message), aborted.error.transient
                _finish(run, importer, summary, status=ImportRun.Status.FAILED, started=started)
                logger.warning("ooapi import of %s failed: %s", connection.institution.code, summary.error)
                return summary
            except BaseException as error:
                summary.error = str(TIME_LIMIT) if _is_time_limit(error) else str(UNEXPECTED % {"error": _short(error)})
                try:
                    _finish(run, importer, summary, status=ImportRun.Status.FAILED, started=started)
                except Exception:  # noqa: BLE001 - the database may be what failed; the original error matters
                    logger.exception("ooapi import: could not record the failed run %s", run.pk)
                logger.exception("ooapi import of %s stopped", connection.institution.code)
                raise
            _finish(run, importer, summary, status=ImportRun.Status.SUCCEEDED, started=started)
        return summary


def _finish(run: ImportRun, importer: CatalogueImporter, summary: Summary, *, status: str, started: float) -> None:
    summary.status = status
    summary.seconds = time.monotonic() - started
    summary.pages = importer.pages_done
    summary.items = importer.items_seen
    summary.kinds = importer.kinds
    summary.reasons = importer.report.reasons
    summary.archived_skipped = not importer.offerings_complete
    summary.timings = {name: round(seconds, 2) for name, seconds in importer.timings.items()}
    total = summary.total
    error = summary.error
    if not error:
        failed_pages = sum(count for (action, *_rest), count in summary.reasons.items() if action == "page failed")
        if failed_pages:
            error = str(
                _("%(count)s page(s) could not be imported; the rest was. See the report.") % {"count": failed_pages}
            )
    ImportRun.objects.filter(pk=run.pk).update(
        status=status,
        finished_at=timezone.now(),
        pages_done=importer.pages_done,
        items_seen=importer.items_seen,
        report=importer.report.as_json(),
        error=error,
        **total.as_dict(),
    )
    run.refresh_from_db()


def _is_time_limit(error: BaseException) -> bool:
    return type(error).__name__ in ("SoftTimeLimitExceeded", "TimeLimitExceeded")


def _short(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300] or type(error).__name__


def _safe_cache_delete(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:  # noqa: BLE001 - only a "queued" hint for the staff page
        logger.debug("ooapi import: cache unavailable", exc_info=True)


def live_runs(*, now: dt.datetime | None = None) -> QuerySet[ImportRun]:
    """Runs marked running that may really be running: younger than the task's hard time limit. Older
    ones were left by a worker that died; the next import of their connection closes them."""
    since = (now or timezone.now()) - dt.timedelta(seconds=IMPORT_TIME_LIMIT_SECONDS)
    return ImportRun.objects.filter(status=ImportRun.Status.RUNNING, started_at__gt=since)


def catalogue_import_start(*, user, connection_id: int) -> tuple[Connection, bool]:
    """A member of staff asks for an import of ``connection_id``: (the connection, whether it was queued;
    see ``catalogue_import_request``). Raises PermissionDeniedError unless ``user`` may manage imports at
    all, NotFoundError for a connection that is not theirs (told apart from an unknown one by nobody)."""
    if not may_manage_imports(user):
        raise PermissionDeniedError(NOT_ALLOWED)
    connection = import_connections_for(user=user).filter(pk=connection_id).first()
    if connection is None:
        raise NotFoundError(NO_SUCH_CONNECTION)
    return connection, catalogue_import_request(connection=connection)


def catalogue_import_request(*, connection: Connection) -> bool:
    """Ask a worker to import ``connection``'s catalogue (after the current transaction commits). Returns
    False, and queues nothing, when an import is already queued or running. Safe to call twice: the
    second call is refused, and a duplicate that slips through is stopped by the import's own lock."""
    if live_runs().filter(connection=connection).exists():
        return False
    if not cache.add(requested_key(connection.pk), timezone.now().isoformat(), timeout=REQUEST_TTL_SECONDS):
        return False
    import_catalogue = current_app.tasks[IMPORT_TASK]  # by name: the tasks module imports these services
    connection_id = connection.pk
    transaction.on_commit(lambda: import_catalogue.delay(connection_id))
    return True


def due_connections(*, now: dt.datetime | None = None) -> list[Connection]:
    """Active connections of connected institutions whose last import started at least
    ``import_interval_minutes`` ago (or that were never imported), without an import running now. A run
    still marked running after the task's hard time limit was left by a worker that died: it does not
    hold the next import back (that import closes it)."""
    now = now or timezone.now()
    running = live_runs(now=now).filter(connection=OuterRef("pk"))
    candidates = (
        Connection.objects.filter(is_active=True, institution__integration=Institution.Integration.CONNECTED)
        .annotate(last_started=Max("imports__started_at"), is_running=Exists(running))
        .filter(is_running=False)
        .select_related("institution")
        .order_by("pk")
    )
    return [
        connection
        for connection in candidates
        if connection.last_started is None
        or connection.last_started + dt.timedelta(minutes=connection.import_interval_minutes) <= now
    ]


def catalogue_imports_enqueue_due(*, now: dt.datetime | None = None) -> list[int]:
    """Queue an import for every connection that is due. Idempotent: a connection already queued (or
    running) is not queued again. Returns the connection ids queued."""
    return [connection.pk for connection in due_connections(now=now) if catalogue_import_request(connection=connection)]


def connection_for_institution(*, code: str, base_url: str = "") -> tuple[Connection, bool]:
    """The connection of the institution with ``code``; with ``base_url`` and no connection yet, a new one
    without authentication (the command's ``--base-url`` on a fresh database). Returns (connection,
    created). Raises ``Institution.DoesNotExist`` or ``Connection.DoesNotExist``."""
    institution = Institution.objects.get(code=code)
    try:
        return Connection.objects.select_related("institution").get(institution=institution), False
    except Connection.DoesNotExist:
        if not base_url:
            raise
    connection = Connection(institution=institution, base_url=base_url, auth_method=Connection.AuthMethod.NONE)
    connection.full_clean()
    connection.save()
    return connection, True
