"""Health checks behind ``/healthz``: the database, the Celery broker and pending migrations.

Each check is a function returning a ``CheckResult`` and never raises: a failure becomes a result with
status ``error``, so the endpoint answers 503 instead of 500 when a dependency is down. Details name
the kind of failure only (e.g. ``ConnectionError``); the full error goes to the log, because the
endpoint is public and error texts carry hostnames and ports.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

logger = logging.getLogger("core.health")

OK = "ok"
ERROR = "error"

# A health probe must answer quickly even when a dependency hangs: a second is plenty for a ping.
BROKER_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class CheckResult:
    status: str
    detail: str
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == OK


def _failed(check: str, error: Exception) -> CheckResult:
    logger.warning("health check %s failed: %s", check, error, exc_info=error)
    return CheckResult(ERROR, _("Failed: %(error)s") % {"error": type(error).__name__})


def check_database() -> CheckResult:
    """One round trip to the default database (the connect timeout comes from the database settings)."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return _failed("database", error)
    return CheckResult(OK, _("Query answered."))


def check_broker() -> CheckResult:
    """Ping the Celery broker at ``CELERY_BROKER_URL``; the demo's in-process ``memory://`` broker counts as ok."""
    url = settings.CELERY_BROKER_URL or ""
    scheme = urlsplit(url).scheme
    try:
        if not url:
            return CheckResult(ERROR, _("No broker configured (CELERY_BROKER_URL is empty)."))
        if scheme == "memory":
            return CheckResult(OK, _("Embedded in-process broker (demo): tasks run eagerly, no Redis in use."))
        if scheme in ("redis", "rediss", "unix"):
            import redis

            client = redis.Redis.from_url(
                url, socket_timeout=BROKER_TIMEOUT_SECONDS, socket_connect_timeout=BROKER_TIMEOUT_SECONDS
            )
            try:
                client.ping()
            finally:
                client.close()
            return CheckResult(OK, _("Redis answered PING."))
        from kombu import Connection

        with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
            connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
        return CheckResult(OK, _("Broker connection opened."))
    except Exception as error:
        return _failed("broker", error)


def check_migrations() -> CheckResult:
    """Whether every migration on disk has been applied to the default database."""
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:
        return _failed("migrations", error)
    if plan:
        message = ngettext("%(count)d migration not applied.", "%(count)d migrations not applied.", len(plan))
        return CheckResult(ERROR, message % {"count": len(plan)})
    return CheckResult(OK, _("All migrations applied."))


CHECKS: dict[str, Callable[[], CheckResult]] = {
    "database": check_database,
    "broker": check_broker,
    "migrations": check_migrations,
}


def _timed(check: Callable[[], CheckResult]) -> CheckResult:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as error:  # a check is meant to catch its own errors; this keeps a bug from becoming a 500
        result = _failed(check.__name__, error)
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return CheckResult(result.status, result.detail, elapsed)


def health_report() -> tuple[bool, dict]:
    """Run every check; returns whether all passed, and the JSON-ready report."""
    started = time.perf_counter()
    results = {name: _timed(check) for name, check in CHECKS.items()}
    healthy = all(result.ok for result in results.values())
    return healthy, {
        "status": OK if healthy else ERROR,
        "checks": {name: asdict(result) for name, result in results.items()},
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
